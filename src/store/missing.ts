/**
 * Missing reports: the (agency, year) pairs for which a report is due and none was found where we
 * looked. The rule lives in the `expected_reports` view (migration 10); this module reads it and
 * says where "we looked" — the crawled sites, their entry and list pages, and when — so that
 * "missing" is never stated without its places.
 *
 * A year is expected from the agency's first known report on (or, for an agency known only from
 * a registry site, the year before its site was last crawled) up to last year. A year with no
 * report is `not yet due` before its deadline (the rule of deadline.ts), `not looked since due`
 * when every place was last looked at before the deadline, and `missing` otherwise.
 */
import type { Db } from './db.js';
import { type ReportFilter, reportFilterSql } from './filters.js';

export type ExpectedStatus = 'found' | 'missing' | 'not yet due' | 'not looked since due';

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
}

/** The `expected_reports` rows matching the filter and statuses, by agency then year. */
export function expectedReports(db: Db, options: MissingOptions = {}): ExpectedReport[] {
  const f = reportFilterSql(db, options, 'e');
  const statuses = options.statuses ?? ['missing'];
  const rows = db
    .prepare(
      `SELECT e.agency_id, e.agency, e.agency_kind, e.year, e.deadline, e.deadline_basis, e.status, e.report_id,
              e.last_year_seen, e.site, e.last_looked_at
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

/** One line saying where a missing report was looked for. */
export function whereLooked(r: Pick<ExpectedReport, 'site' | 'lastLookedAt'>): string {
  const when = r.lastLookedAt ? r.lastLookedAt.slice(0, 10) : 'never';
  return r.site === null ? `not among the files ingested (last on ${when})` : `not found on ${r.site} (last crawled ${when})`;
}
