/**
 * Missing reports: the (agency, year) pairs for which a report is due and none was found where we
 * looked. The rule lives in the `expected_reports` view (migration 10); this module reads it and
 * says where "we looked" — the crawled sites, their entry and list pages, and when — so that
 * "missing" is never stated without its places.
 *
 * A year is expected from the agency's first known report on (or, for an agency known only from
 * a registry site, the year before its site was last crawled) up to last year. A year with no
 * report is `listed, not fetched` when one of the agency's sites lists that year's report but its
 * fetch failed or was blocked (migration 21), `not yet due` before its deadline (the rule of
 * deadline.ts), `not looked since due` when every place was last looked at before the deadline,
 * and `missing` otherwise.
 */
import type { Db } from './db.js';
import { type ReportFilter, reportFilterSql } from './filters.js';

export type ExpectedStatus = 'found' | 'listed, not fetched' | 'missing' | 'not yet due' | 'not looked since due';

/** The link of a report a site lists but the crawl could not fetch (status `listed, not fetched`). */
export interface ListedLink {
  url: string;
  /** The link's text, as found (untrusted). */
  title: string | null;
  /** The frontier state: `failed` (the fetch failed) or `blocked` (robots.txt, a challenge …). */
  state: string;
  /** The HTTP status of the last attempt, when one came. */
  httpStatus: number | null;
  errorCode: string | null;
  error: string | null;
  /** When the fetch was last tried (ISO). */
  triedAt: string | null;
}

/** A row of the `expected_reports` view. */
export interface ExpectedReport {
  agencyId: number;
  agency: string;
  agencyKind: string | null;
  year: number;
  /** YYYY-MM-DD: the last day to publish on time (deadline.ts). */
  deadline: string;
  deadlineBasis: string;
  status: ExpectedStatus;
  /** The report found (the primary one when several), else null. */
  reportId: number | null;
  /** The latest year of the agency's stored reports; null when none. */
  lastYearSeen: number | null;
  /** Comma-separated registry sites where the agency's reports were looked for; null: ingested files only. */
  site: string | null;
  /** When those sites were last crawled successfully (ISO), else when the agency's files were last ingested. */
  lastLookedAt: string | null;
  /** Status `listed, not fetched`: the listed link and why it was not fetched; else null. */
  listed: ListedLink | null;
  /** Entry, list and API pages on those sites that could not be read (failed or blocked). */
  listsUnread: number;
}

/** A place where reports were looked for: one crawled site with what was crawled on it. */
export interface PlaceLooked {
  site: string;
  /** Entry URLs of the site (the pages the crawl starts from). */
  entries: string[];
  /** List and API pages fetched successfully, and the time of the last such fetch. */
  listPages: number;
  lastListFetchAt: string | null;
  lastCrawlAt: string | null;
  lastOkAt: string | null;
}

export interface MissingOptions extends ReportFilter {
  /** Which statuses to return. @default ['missing'] */
  statuses?: readonly ExpectedStatus[];
}

interface Row {
  agency_id: number;
  agency: string;
  agency_kind: string | null;
  year: number;
  deadline: string;
  deadline_basis: string;
  status: ExpectedStatus;
  report_id: number | null;
  last_year_seen: number | null;
  site: string | null;
  last_looked_at: string | null;
  listed_url: string | null;
  listed_title: string | null;
  listed_state: string | null;
  listed_http_status: number | null;
  listed_error_code: string | null;
  listed_error: string | null;
  listed_tried_at: string | null;
  lists_unread: number;
}

/** The `expected_reports` rows matching the filter and statuses, by agency then year. */
export function expectedReports(db: Db, options: MissingOptions = {}): ExpectedReport[] {
  const f = reportFilterSql(db, options, 'e');
  const statuses = options.statuses ?? ['missing'];
  const rows = db
    .prepare(
      `SELECT e.agency_id, e.agency, e.agency_kind, e.year, e.deadline, e.deadline_basis, e.status, e.report_id,
              e.last_year_seen, e.site, e.last_looked_at, e.listed_url, e.listed_title, e.listed_state, e.listed_http_status,
              e.listed_error_code, e.listed_error, e.listed_tried_at, e.lists_unread
       FROM expected_reports e
       WHERE e.status IN (SELECT value FROM json_each(@statuses)) AND ${f.sql}
       ORDER BY e.agency, e.agency_id, e.year`,
    )
    .all({ ...f.params, statuses: JSON.stringify(statuses) }) as Row[];
  return rows.map((r) => ({
    agencyId: r.agency_id,
    agency: r.agency,
    agencyKind: r.agency_kind,
    year: r.year,
    deadline: r.deadline,
    deadlineBasis: r.deadline_basis,
    status: r.status,
    reportId: r.report_id,
    lastYearSeen: r.last_year_seen,
    site: r.site,
    lastLookedAt: r.last_looked_at,
    listed: listedLinkOf(r),
    listsUnread: r.lists_unread,
  }));
}

/** Reports not found where we looked (status `missing`). */
export function missingReports(db: Db, filter: ReportFilter = {}): ExpectedReport[] {
  return expectedReports(db, { ...filter, statuses: ['missing'] });
}

/** The crawled sites named in `sites` (as in `expected_reports.site`), with what was crawled on each. */
export function placesLooked(db: Db, sites: readonly string[]): PlaceLooked[] {
  if (sites.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT cs.site, cs.last_crawl_at, cs.last_ok_at,
              (SELECT json_group_array(f.url) FROM frontier f WHERE f.site = cs.site AND f.kind = 'entry') AS entries,
              (SELECT count(*) FROM frontier f WHERE f.site = cs.site AND f.kind IN ('list', 'api') AND f.state = 'done') AS list_pages,
              (SELECT max(f.fetched_at) FROM frontier f WHERE f.site = cs.site AND f.kind IN ('entry', 'list', 'api') AND f.state = 'done') AS last_list
       FROM crawl_sites cs
       WHERE cs.site IN (SELECT value FROM json_each(@sites))
       ORDER BY cs.site`,
    )
    .all({ sites: JSON.stringify(sites) }) as {
    site: string;
    last_crawl_at: string | null;
    last_ok_at: string | null;
    entries: string;
    list_pages: number;
    last_list: string | null;
  }[];
  return rows.map((r) => ({
    site: r.site,
    entries: JSON.parse(r.entries) as string[],
    listPages: r.list_pages,
    lastListFetchAt: r.last_list,
    lastCrawlAt: r.last_crawl_at,
    lastOkAt: r.last_ok_at,
  }));
}

/** Splits an `expected_reports.site` value into site names. */
export function sitesOf(site: string | null): string[] {
  return site === null ? [] : site.split(', ').filter((s) => s.length > 0);
}

/** One line saying where a missing report was looked for, and how many list pages there could not be read. */
export function whereLooked(r: Pick<ExpectedReport, 'site' | 'lastLookedAt'> & Partial<Pick<ExpectedReport, 'listsUnread'>>): string {
  const when = r.lastLookedAt ? r.lastLookedAt.slice(0, 10) : 'never';
  if (r.site === null) return `not among the files ingested (last on ${when})`;
  const unread = r.listsUnread ?? 0;
  const gap = unread > 0 ? `; ${unread} list page${unread === 1 ? '' : 's'} there could not be read, so it may be listed where we could not look` : '';
  return `not found on ${r.site} (last crawled ${when}${gap})`;
}

/** The `listed_*` columns of an `expected_reports` row (schema 21; absent from an older file opened as it is). */
export interface ListedColumns {
  listed_url?: string | null;
  listed_title?: string | null;
  listed_state?: string | null;
  listed_http_status?: number | null;
  listed_error_code?: string | null;
  listed_error?: string | null;
  listed_tried_at?: string | null;
}

/** The listed link of an `expected_reports` row, or null when the row has none. */
export function listedLinkOf(r: ListedColumns): ListedLink | null {
  if (r.listed_url === null || r.listed_url === undefined) return null;
  return {
    url: r.listed_url,
    title: r.listed_title ?? null,
    state: r.listed_state ?? 'failed',
    httpStatus: r.listed_http_status ?? null,
    errorCode: r.listed_error_code ?? null,
    error: r.listed_error ?? null,
    triedAt: r.listed_tried_at ?? null,
  };
}

/** Why a listed report was not fetched, in a few words: "HTTP 404", "robots.txt disallows it", the error. */
export function whyNotFetched(l: ListedLink): string {
  if (l.errorCode === 'NB_FETCH_ROBOTS') return 'robots.txt disallows it';
  if (l.httpStatus !== null && l.httpStatus >= 400) return `HTTP ${l.httpStatus}`;
  const error = l.error ?? l.errorCode ?? l.state;
  return error.length > 120 ? `${error.slice(0, 119)}…` : error;
}

/** One line saying where a report is listed and why it was not fetched (status `listed, not fetched`). */
export function whereListed(r: Pick<ExpectedReport, 'site' | 'listed'>): string {
  const l = r.listed;
  if (!l) return '';
  const title = l.title ? ` as «${l.title.length > 80 ? `${l.title.slice(0, 79)}…` : l.title}»` : '';
  const tried = l.triedAt ? `, last tried ${l.triedAt.slice(0, 10)}` : '';
  return `listed on ${r.site ?? 'a crawled site'}${title} but not fetched: ${whyNotFetched(l)}${tried} (${l.url})`;
}
