/**
 * `/feed.xml`: an Atom feed (RFC 4287) of what a newsroom wants to hear about — new reports, late
 * reports, revised and vanished reports, and missing reports where the database has the
 * `missing_reports` view — newest first, filtered by `?agency=` (name or alias), `?province=` and
 * `?kind=`. Each kind of entry comes from one small {@link FeedSource}; adding a kind is adding a
 * source to {@link FEED_SOURCES}. Entry ids are `tag:` URIs built from content hashes (and
 * agency/year for missing reports), so they stay the same across requests and re-crawls.
 */
import type { Db } from '../store/db.js';
import { describeSentence, describeVanishing, hasRevisionText, revisionSentences } from '../store/changes.js';
import { hasTemplateMarks } from '../store/template-changes.js';
import { resolveAgencyIds } from '../store/filters.js';
import { whereLooked } from '../store/missing.js';
import { describeTextDiff } from '../store/text-diff.js';
import { hasTable, textParam } from './data.js';
import { el, type XmlFragment } from './xml.js';

/** Most entries in one feed document. */
export const FEED_LIMIT = 200;
const TAG = 'tag:nianbao,2026:';
const EPOCH = '1970-01-01T00:00:00.000Z';

export interface FeedEntry {
  /** Stable `tag:` URI. */
  id: string;
  kind: string;
  title: string;
  /** RFC 3339 time. */
  updated: string;
  /** Explorer path of the page the entry links to. */
  path: string;
  summary: string;
}

/** Filters every source applies (bound parameters `@agency_ids` JSON array, `@province`). */
export interface FeedFilter {
  agencyIds?: number[];
  province?: string;
}

export interface FeedSource {
  kind: string;
  /** Whether the database has what this source reads. @default always */
  available?: (db: Db) => boolean;
  entries: (db: Db, filter: FeedFilter, limit: number) => FeedEntry[];
}

/** `a.id`/`a.province` conditions of a filter (`a` is the agencies alias of the source's SQL). */
function agencyWhere(f: FeedFilter, agencyIdColumn = 'a.id'): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.agencyIds !== undefined) {
    parts.push(`${agencyIdColumn} IN (SELECT value FROM json_each(@agency_ids))`);
    params['agency_ids'] = JSON.stringify(f.agencyIds);
  }
  if (f.province !== undefined) {
    parts.push('a.province = @province');
    params['province'] = f.province;
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : '1', params };
}

/** An RFC 3339 time from a stored time or date, or null. */
function rfc3339(v: string | null | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const who = (agency: string | null, year: number | null): string => `${agency ?? '(unknown agency)'} ${year ?? '?'}`;

interface ReportRow {
  report_id: number;
  sha256: string;
  agency: string | null;
  year: number | null;
  title: string | null;
  at: string | null;
}

/** The first report stored of each agency and year (copies and later versions are not new). */
const newReports: FeedSource = {
  kind: 'new',
  entries(db, f, limit) {
    const w = agencyWhere(f);
    const rows = db
      .prepare(
        `SELECT r.id AS report_id, d.sha256, COALESCE(a.name, r.agency_name) AS agency, r.year, r.title, d.ingested_at AS at
         FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE r.status <> 'failed' AND r.year IS NOT NULL AND ${w.sql}
           AND NOT EXISTS (SELECT 1 FROM revisions v WHERE v.new_report_id = r.id)
           AND (r.agency_id IS NULL OR NOT EXISTS (SELECT 1 FROM reports r2 WHERE r2.agency_id = r.agency_id AND r2.year = r.year
                                                   AND r2.id < r.id AND r2.status <> 'failed'))
         ORDER BY d.ingested_at DESC, r.id DESC LIMIT @limit`,
      )
      .all({ ...w.params, limit }) as ReportRow[];
    return rows.flatMap((r) => {
      const updated = rfc3339(r.at);
      return updated
        ? [
            {
              id: `${TAG}new/${r.sha256}`,
              kind: 'new',
              title: `New report: ${who(r.agency, r.year)}`,
              updated,
              path: `/report/${r.report_id}`,
              summary: r.title ?? '(no title)',
            },
          ]
        : [];
    });
  },
};

const lateReports: FeedSource = {
  kind: 'late',
  entries(db, f, limit) {
    const w = agencyWhere(f);
    const rows = db
      .prepare(
        `SELECT r.id AS report_id, d.sha256, COALESCE(a.name, r.agency_name) AS agency, r.year, r.title, d.ingested_at AS at,
                dl.days, dl.deadline, dl.deadline_basis, r.published
         FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN agencies a ON a.id = r.agency_id
         JOIN days_late_of dl ON dl.report_id = r.id
         WHERE r.is_primary = 1 AND dl.days > 0 AND ${w.sql}
         ORDER BY d.ingested_at DESC, r.id DESC LIMIT @limit`,
      )
      .all({ ...w.params, limit }) as (ReportRow & { days: number; deadline: string; deadline_basis: string | null; published: string })[];
    return rows.flatMap((r) => {
      const updated = rfc3339(r.at);
      return updated
        ? [
            {
              id: `${TAG}late/${r.sha256}`,
              kind: 'late',
              title: `Late: ${who(r.agency, r.year)}, ${r.days} day(s) after the deadline`,
              updated,
              path: `/report/${r.report_id}`,
              summary: `Published ${r.published}, deadline ${r.deadline}${r.deadline_basis ? ` (${r.deadline_basis})` : ''}: ${r.title ?? ''}`,
            },
          ]
        : [];
    });
  },
};

/** What a revision changed, for its entry's title: `2 value(s) changed`, `text changed (1 sentence changed), no table cell changed`. */
function revisedTitle(r: { cells_changed: number; sentences_changed: number; sentences_added: number; sentences_removed: number }): string {
  const text = describeTextDiff({ changed: r.sentences_changed, added: r.sentences_added, removed: r.sentences_removed });
  if (!text) return `${r.cells_changed} value(s) changed`;
  return r.cells_changed === 0 ? `text changed (${text}), no table cell changed` : `${r.cells_changed} value(s) changed, text changed (${text})`;
}

/** Sentence changes quoted in a revised entry's summary. */
const FEED_SENTENCES = 3;

const revisedReports: FeedSource = {
  kind: 'revised',
  entries(db, f, limit) {
    const w = agencyWhere(f);
    const text = hasRevisionText(db);
    const counts = text
      ? 'v.sentences_changed, v.sentences_added, v.sentences_removed'
      : '0 AS sentences_changed, 0 AS sentences_added, 0 AS sentences_removed';
    const rows = db
      .prepare(
        `SELECT v.id, v.kind, v.url, v.first_seen_at AS at, v.cells_changed, ${counts}, v.new_report_id, v.old_report_id,
                dn.sha256 AS new_sha, dold.sha256 AS old_sha, COALESCE(a.name, r.agency_name) AS agency, r.year,
                (SELECT group_concat(line, '; ') FROM (
                   SELECT c.table_name || '.' || c.row_key || '.' || c.col_key || ' ' || COALESCE(c.old_value, '(blank)') || ' → ' || COALESCE(c.new_value, '(blank)') AS line
                   FROM revision_cells c WHERE c.revision_id = v.id ORDER BY c.ord LIMIT 10)) AS values_changed
         FROM revisions v JOIN reports r ON r.id = v.new_report_id JOIN documents dn ON dn.id = r.document_id
         JOIN reports ro ON ro.id = v.old_report_id JOIN documents dold ON dold.id = ro.document_id
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${w.sql}${hasTemplateMarks(db) ? ' AND v.template_only = 0' : ''}
         ORDER BY v.first_seen_at DESC, v.id DESC LIMIT @limit`,
      )
      .all({ ...w.params, limit }) as {
      id: number;
      kind: string;
      url: string | null;
      at: string;
      cells_changed: number;
      sentences_changed: number;
      sentences_added: number;
      sentences_removed: number;
      new_report_id: number;
      old_report_id: number;
      new_sha: string;
      old_sha: string;
      agency: string | null;
      year: number | null;
      values_changed: string | null;
    }[];
    return rows.flatMap((r) => {
      const updated = rfc3339(r.at);
      const how = r.kind === 'same_url' ? 'new content at the same URL' : 'published again';
      // The first sentences that differ (scraped text: the feed's XML writer escapes it).
      const sentences = r.sentences_changed + r.sentences_added + r.sentences_removed > 0 ? revisionSentences(db, r.id).slice(0, FEED_SENTENCES) : [];
      const said = [r.values_changed, ...sentences.map(describeSentence)].filter(Boolean).join('; ');
      return updated
        ? [
            {
              id: `${TAG}revised/${r.old_sha}/${r.new_sha}`,
              kind: 'revised',
              title: `Revised: ${who(r.agency, r.year)}, ${revisedTitle(r)}`,
              updated,
              path: `/report/${r.new_report_id}#versions`,
              summary: `${how} (${r.url ?? ''}); report #${r.old_report_id} → #${r.new_report_id}: ${said}`,
            },
          ]
        : [];
    });
  },
};

const vanishedReports: FeedSource = {
  kind: 'vanished',
  entries(db, f, limit) {
    const w = agencyWhere(f);
    const rows = db
      .prepare(
        `SELECT g.report_id, g.url, g.reason, g.http_status, g.final_url, g.first_seen_at AS at, g.returned_at, d.sha256,
                COALESCE(a.name, r.agency_name) AS agency, r.year
         FROM vanished_reports g JOIN reports r ON r.id = g.report_id JOIN documents d ON d.id = r.document_id
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${w.sql}
         ORDER BY g.first_seen_at DESC, g.id DESC LIMIT @limit`,
      )
      .all({ ...w.params, limit }) as {
      report_id: number;
      url: string;
      reason: string;
      http_status: number | null;
      final_url: string | null;
      at: string;
      returned_at: string | null;
      sha256: string;
      agency: string | null;
      year: number | null;
    }[];
    return rows.flatMap((r) => {
      const updated = rfc3339(r.at);
      const how = describeVanishing(r.reason, r.http_status, r.final_url);
      return updated
        ? [
            {
              id: `${TAG}vanished/${r.sha256}/${updated}`,
              kind: 'vanished',
              title: `Vanished: ${who(r.agency, r.year)}`,
              updated,
              path: `/report/${r.report_id}`,
              summary: `${r.url} ${how}${r.returned_at ? `; back since ${r.returned_at.slice(0, 10)}` : ''}. The stored copy is kept.`,
            },
          ]
        : [];
    });
  },
};

/** Reports not found where nianbao looked, from the `missing_reports` view (when the database has it). */
const missingReports: FeedSource = {
  kind: 'missing',
  available: (db) => hasTable(db, 'missing_reports'),
  entries(db, f, limit) {
    const w = agencyWhere(f, 'm.agency_id');
    const rows = db
      .prepare(
        // m.*: lists_unread came with schema 21; an older file opened as it is has none.
        `SELECT m.*
         FROM missing_reports m LEFT JOIN agencies a ON a.id = m.agency_id
         WHERE ${w.sql}
         ORDER BY m.deadline DESC, m.agency LIMIT @limit`,
      )
      .all({ ...w.params, limit }) as {
      agency_id: number | null;
      agency: string | null;
      year: number;
      deadline: string | null;
      last_year_seen: number | null;
      site: string | null;
      last_looked_at: string | null;
      lists_unread?: number;
    }[];
    return rows.flatMap((r) => {
      const updated = rfc3339(r.deadline);
      return updated
        ? [
            {
              id: `${TAG}missing/${encodeURIComponent(r.agency ?? String(r.agency_id))}/${r.year}`,
              kind: 'missing',
              title: `Missing: ${who(r.agency, r.year)}`,
              updated,
              path: r.agency_id !== null ? `/agency/${r.agency_id}` : '/changes',
              // The words of `nianbao check` (report.missing): where we looked, and when.
              summary: `No report on ${r.year} found after the ${r.deadline} deadline: ${whereLooked({ site: r.site, lastLookedAt: r.last_looked_at, listsUnread: r.lists_unread ?? 0 })}; last report seen: ${r.last_year_seen ?? 'none'}.`,
            },
          ]
        : [];
    });
  },
};

/** The entry sources, in the order their kinds are listed. */
export const FEED_SOURCES: readonly FeedSource[] = [newReports, lateReports, revisedReports, vanishedReports, missingReports];

export interface FeedQuery {
  agency?: string;
  province?: string;
  kind?: string;
}

/** The kinds a feed can be filtered by (those whose source the database can serve). */
export function feedKinds(db: Db): string[] {
  return FEED_SOURCES.filter((s) => s.available?.(db) ?? true).map((s) => s.kind);
}

/** The entries of a feed query, newest first (at most {@link FEED_LIMIT}). An unknown kind gives none. */
export function feedEntries(db: Db, q: FeedQuery): FeedEntry[] {
  const filter: FeedFilter = {};
  if (q.agency !== undefined) filter.agencyIds = resolveAgencyIds(db, q.agency);
  if (q.province !== undefined) filter.province = q.province;
  const sources = FEED_SOURCES.filter((s) => (q.kind === undefined || s.kind === q.kind) && (s.available?.(db) ?? true));
  return sources
    .flatMap((s) => s.entries(db, filter, FEED_LIMIT))
    .sort((a, b) => (a.updated === b.updated ? a.id.localeCompare(b.id) : a.updated < b.updated ? 1 : -1))
    .slice(0, FEED_LIMIT);
}

/** The feed's query from request parameters (trimmed, bounded). */
export function readFeedQuery(q: Record<string, string>): FeedQuery {
  const out: FeedQuery = {};
  const agency = textParam(q['agency']);
  const province = textParam(q['province']);
  const kind = textParam(q['kind'], 20);
  if (agency !== undefined) out.agency = agency;
  if (province !== undefined) out.province = province;
  if (kind !== undefined) out.kind = kind;
  return out;
}

/** The query string of a feed query in a fixed order (for the feed's id and self link). */
function canonicalQuery(q: FeedQuery): string {
  const p = new URLSearchParams();
  for (const k of ['agency', 'province', 'kind'] as const) if (q[k] !== undefined) p.set(k, q[k]);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The Atom document of a feed query; `base` is the explorer's origin (`http://127.0.0.1:8080`). */
export function atomFeed(db: Db, q: FeedQuery, base: string): string {
  const entries = feedEntries(db, q);
  const query = canonicalQuery(q);
  const updated = entries.reduce((m, e) => (e.updated > m ? e.updated : m), EPOCH);
  const what = [q.kind ?? 'new, late, revised, vanished and missing reports', q.agency, q.province].filter(Boolean).join(' · ');
  const items: XmlFragment[] = entries.map((e) =>
    el(
      'entry',
      {},
      el('id', {}, e.id),
      el('title', { type: 'text' }, e.title),
      el('updated', {}, e.updated),
      el('link', { rel: 'alternate', type: 'text/html', href: `${base}${e.path}` }),
      el('category', { term: e.kind }),
      el('summary', { type: 'text' }, e.summary),
    ),
  );
  const feed = el(
    'feed',
    { xmlns: 'http://www.w3.org/2005/Atom' },
    el('id', {}, `${TAG}feed${query}`),
    el('title', { type: 'text' }, `nianbao: ${what}`),
    el('updated', {}, updated),
    el('author', {}, el('name', {}, 'nianbao')),
    el('generator', {}, 'nianbao'),
    el('link', { rel: 'self', type: 'application/atom+xml', href: `${base}/feed.xml${query}` }),
    el('link', { rel: 'alternate', type: 'text/html', href: `${base}/changes` }),
    items,
  );
  return `<?xml version="1.0" encoding="utf-8"?>\n${feed.xml}\n`;
}
