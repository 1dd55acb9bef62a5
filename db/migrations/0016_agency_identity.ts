/**
 * Migration 16: who published it. A report's agency now comes from the report itself (title, then
 * 发布机构/来源 fields, then signature); the registry site where it was found is its *publisher*
 * (`reports.publisher_id`), and its agency only when the report names no body
 * (`reports.agency_source` says which). Agencies become entities: a rule identity
 * (`agencies.identity`, src/agencies/names.ts), the region path and township, kinds
 * `government_office` and `township` inferred from names, merges kept as `merged_into` (so a
 * split can undo them and a registry site merged away still resolves), aliases with where they
 * came from, uncertain pairs in `agency_review`, and every place a document was found in
 * `document_locations`.
 *
 * Existing databases: today's agencies get their identity, region and kind from their names
 * (registry values are kept), their aliases are marked `registry`/`report`, agencies that one
 * identity rule makes one body are merged (the registry's row kept), reports get their publisher
 * (documents.agency_id) and `agency_source` 'site' (registry publisher, as before) or 'report';
 * `nianbao reparse --all` re-resolves each report's agency from its text.
 */
import type Database from 'better-sqlite3';
import { backfillAgencies } from '../../src/agencies/backfill.js';

export const version = 16;
export const name = 'agency_identity';

export const sql = /* sql */ `
ALTER TABLE agencies ADD COLUMN identity TEXT;      -- rule identity: gov:<region> | office:<region> | the name key
ALTER TABLE agencies ADD COLUMN region TEXT;        -- regions the name starts with (福建省福州市鼓楼区)
ALTER TABLE agencies ADD COLUMN township TEXT;      -- 镇 | 乡 | 街道 named
ALTER TABLE agencies ADD COLUMN merged_into INTEGER REFERENCES agencies(id); -- set when merged into another agency
CREATE INDEX agencies_identity ON agencies(identity);
CREATE INDEX agencies_region ON agencies(region);

ALTER TABLE agency_aliases ADD COLUMN source TEXT;  -- registry | report | rule | user

ALTER TABLE reports ADD COLUMN agency_source TEXT;  -- title | field | signature | site | report (before migration 16)
ALTER TABLE reports ADD COLUMN publisher_id INTEGER REFERENCES agencies(id); -- registry site's agency where it was found

CREATE TABLE document_locations (
  id             INTEGER PRIMARY KEY,
  document_id    INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  place          TEXT NOT NULL,          -- URL (crawler) or file path (ingest)
  site           TEXT,                   -- registry site name (crawler)
  publisher_id   INTEGER REFERENCES agencies(id), -- the site's agency
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  times_seen     INTEGER NOT NULL DEFAULT 1,
  UNIQUE (document_id, place)
);

CREATE INDEX document_locations_publisher ON document_locations(publisher_id);

CREATE TABLE agency_review (
  id           INTEGER PRIMARY KEY,
  agency_id    INTEGER NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  other_id     INTEGER NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  similarity   REAL NOT NULL,           -- src/agencies/names.ts reviewSimilarity (0.4 … 1)
  reason       TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'distinct')),
  created_at   TEXT NOT NULL,
  decided_at   TEXT,
  UNIQUE (agency_id, other_id)
);

UPDATE reports SET
  publisher_id = (SELECT d.agency_id FROM documents d WHERE d.id = reports.document_id),
  agency_source = CASE
    WHEN (SELECT d.agency_id FROM documents d WHERE d.id = reports.document_id) IS NOT NULL THEN 'site'
    WHEN agency_id IS NOT NULL THEN 'report' END;

INSERT OR IGNORE INTO document_locations (document_id, place, site, publisher_id, first_seen_at, last_seen_at)
SELECT d.id, COALESCE(d.url, d.source_path), NULL, d.agency_id, COALESCE(d.fetched_at, d.ingested_at), COALESCE(d.fetched_at, d.ingested_at)
FROM documents d WHERE COALESCE(d.url, d.source_path) IS NOT NULL;

INSERT OR IGNORE INTO document_locations (document_id, place, site, publisher_id, first_seen_at, last_seen_at, times_seen)
SELECT rs.document_id, rs.url, rs.site, (SELECT cs.agency_id FROM crawl_sites cs WHERE cs.site = rs.site),
       MIN(rs.first_fetched_at), MAX(rs.fetched_at), SUM(rs.times_seen)
FROM responses rs WHERE rs.document_id IS NOT NULL
GROUP BY rs.document_id, rs.url;

UPDATE document_locations SET site = (SELECT cs.site FROM crawl_sites cs WHERE cs.agency_id = document_locations.publisher_id LIMIT 1)
WHERE site IS NULL AND publisher_id IS NOT NULL;

UPDATE agency_aliases SET source = (SELECT CASE a.source WHEN 'registry' THEN 'registry' ELSE 'report' END FROM agencies a WHERE a.id = agency_aliases.agency_id);
`;

/** Names → identity, region, kind; rule merges (TypeScript: the name rules are not SQL). */
export function backfill(db: Database.Database): void {
  backfillAgencies(db);
}
