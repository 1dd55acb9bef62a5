/**
 * Reading agencies for `nianbao agencies list|show|review` and the explorer: each agency with its
 * names, kind, level, region and parent, its reports with where each was found, and the pairs
 * listed for review. Read-only.
 */
import type Database from 'better-sqlite3';
import { findAgency } from './edit.js';

export interface AgencyListRow {
  id: number;
  name: string;
  kind: string | null;
  level: string | null;
  region: string | null;
  parent: string | null;
  source: string;
  aliases: number;
  reports: number;
  published_by_others: number;
}

/** Every agency (merged ones left out), with counts; `filter` matches a name or alias part. */
export function listAgencies(db: Database.Database, filter?: string): AgencyListRow[] {
  const like = filter
    ? `%${filter
        .normalize('NFKC')
        .replace(/\s+/gu, '')
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    : null;
  return db
    .prepare<{ like: string | null }, AgencyListRow>(
      `SELECT a.id, a.name, a.kind, a.level, a.region, p.name AS parent, a.source,
              (SELECT count(*) FROM agency_aliases al WHERE al.agency_id = a.id) AS aliases,
              (SELECT count(*) FROM reports r WHERE r.agency_id = a.id) AS reports,
              (SELECT count(*) FROM reports r WHERE r.publisher_id = a.id AND r.agency_id <> a.id) AS published_by_others
       FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id
       WHERE a.merged_into IS NULL
         AND (@like IS NULL OR a.name LIKE @like ESCAPE '\\'
              OR EXISTS (SELECT 1 FROM agency_aliases al WHERE al.agency_id = a.id AND al.alias LIKE @like ESCAPE '\\'))
       ORDER BY a.region IS NULL, a.region, a.name, a.id`,
    )
    .all({ like });
}

export interface AgencyReportRow {
  report_id: number;
  year: number | null;
  title: string | null;
  agency_name: string | null;
  agency_source: string | null;
  status: string;
  is_primary: number;
  publisher: string | null;
  publisher_id: number | null;
  /** Every place the document was found: `site url` per line. */
  locations: { place: string; site: string | null; publisher: string | null; first_seen_at: string; last_seen_at: string }[];
}

export interface AgencyDetail {
  id: number;
  name: string;
  key: string;
  kind: string | null;
  level: string | null;
  province: string | null;
  city: string | null;
  county: string | null;
  township: string | null;
  region: string | null;
  identity: string | null;
  portal: string | null;
  source: string;
  parent: { id: number; name: string } | null;
  children: { id: number; name: string; kind: string | null }[];
  aliases: { alias: string; source: string | null }[];
  merged: { id: number; name: string }[];
  review: ReviewRow[];
  reports: AgencyReportRow[];
}

export interface ReviewRow {
  id: number;
  agency_id: number;
  agency: string;
  other_id: number;
  other: string;
  similarity: number;
  reason: string;
  status: string;
}

const REVIEW_SQL = `SELECT v.id, v.agency_id, a.name AS agency, v.other_id, o.name AS other, v.similarity, v.reason, v.status
  FROM agency_review v JOIN agencies a ON a.id = v.agency_id JOIN agencies o ON o.id = v.other_id`;

/** Pairs listed for review (open ones unless `all`), most alike first. */
export function reviewPairs(db: Database.Database, all = false): ReviewRow[] {
  return db
    .prepare<[], ReviewRow>(
      `${REVIEW_SQL} WHERE ${all ? '1' : "v.status = 'open' AND a.merged_into IS NULL AND o.merged_into IS NULL"} ORDER BY v.similarity DESC, v.id`,
    )
    .all();
}

/** One agency with its names, place in the hierarchy, review pairs and reports (with locations). */
export function agencyDetail(db: Database.Database, ref: string | number): AgencyDetail {
  const a = findAgency(db, ref);
  const parent =
    a.parent_id === null ? null : (db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM agencies WHERE id = ?').get(a.parent_id) ?? null);
  const reports = db
    .prepare<[number], Omit<AgencyReportRow, 'locations'> & { document_id: number }>(
      `SELECT r.id AS report_id, r.document_id, r.year, r.title, r.agency_name, r.agency_source, r.status, r.is_primary,
              p.name AS publisher, r.publisher_id
       FROM reports r LEFT JOIN agencies p ON p.id = r.publisher_id
       WHERE r.agency_id = ? ORDER BY r.year DESC, r.is_primary DESC, r.id`,
    )
    .all(a.id);
  const locations = db.prepare<[number], AgencyReportRow['locations'][number]>(
    `SELECT l.place, l.site, p.name AS publisher, l.first_seen_at, l.last_seen_at
     FROM document_locations l LEFT JOIN agencies p ON p.id = l.publisher_id WHERE l.document_id = ? ORDER BY l.first_seen_at, l.id`,
  );
  return {
    id: a.id,
    name: a.name,
    key: a.key,
    kind: a.kind,
    level: a.level,
    province: a.province,
    city: a.city,
    county: a.county,
    township: a.township,
    region: a.region,
    identity: a.identity,
    portal: a.portal,
    source: a.source,
    parent,
    children: db
      .prepare<[number], { id: number; name: string; kind: string | null }>(
        'SELECT id, name, kind FROM agencies WHERE parent_id = ? AND merged_into IS NULL ORDER BY name',
      )
      .all(a.id),
    aliases: db
      .prepare<[number], { alias: string; source: string | null }>('SELECT alias, source FROM agency_aliases WHERE agency_id = ? ORDER BY alias')
      .all(a.id),
    merged: db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM agencies WHERE merged_into = ? ORDER BY id').all(a.id),
    review: db
      .prepare<[number, number], ReviewRow>(`${REVIEW_SQL} WHERE v.agency_id = ? OR v.other_id = ? ORDER BY v.status = 'open' DESC, v.similarity DESC`)
      .all(a.id, a.id),
    reports: reports.map(({ document_id, ...r }) => ({ ...r, locations: locations.all(document_id) })),
  };
}
