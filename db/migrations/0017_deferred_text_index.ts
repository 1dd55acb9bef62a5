/**
 * Migration 17: the full-text index is built out of the write transaction. Until now every report
 * wrote its row into `reports_fts` (an FTS5 trigram table holding its own copy of the text) inside
 * the transaction that stored it, and maintaining that index was about half of the cost of storing
 * a report. Now:
 *
 * - `report_text` holds the searchable text (title, the report's self-named agency, prose and the
 *   labels line), written with the report;
 * - `reports_fts` is an *external-content* FTS5 trigram table over `report_text` (same name, same
 *   columns, same MATCH, `snippet()` and `bm25()`; `SELECT text FROM reports_fts` reads
 *   `report_text`);
 * - `reports_bigram` is a contentless FTS5 table (unicode61, `detail=none`) of the two-character
 *   pieces of the Chinese text, so that 1–2 character terms, which a trigram index cannot look up,
 *   are answered from an index instead of a scan;
 * - `text_index_pending` lists the reports whose text is stored but not yet indexed, written in the
 *   same transaction as the report. Writing runs (ingest, reparse, crawl, demo) index them in one
 *   pass at their end, and opening the database for writing finishes what a killed run left; until
 *   then search reads the index for the others and scans only the pending ones.
 *
 * Existing databases: the text moves from the old `reports_fts` into `report_text` and every report
 * is marked pending; the opening that migrates builds the new indexes right after.
 */
export const version = 17;
export const name = 'deferred_text_index';

export const sql = /* sql */ `
-- The searchable text of each parsed report (failed reports have none).
CREATE TABLE report_text (
  report_id  INTEGER PRIMARY KEY REFERENCES reports(id),
  title      TEXT,   -- reports.title
  agency     TEXT,   -- the agency as the report names itself (reports.agency_name)
  text       TEXT    -- the prose (table rows left out), then a line of the tables' labels
);
INSERT INTO report_text (report_id, title, agency, text) SELECT rowid, title, agency, text FROM reports_fts;
DROP TABLE reports_fts;

-- Reports whose text is not yet in reports_fts and reports_bigram (written with the report).
CREATE TABLE text_index_pending (
  report_id  INTEGER PRIMARY KEY
);
INSERT INTO text_index_pending (report_id) SELECT report_id FROM report_text;

-- Full-text search over title, agency and text; rowid = reports.id; the text lives in report_text.
CREATE VIRTUAL TABLE reports_fts USING fts5(title, agency, text, content = 'report_text', content_rowid = 'report_id', tokenize = 'trigram');
INSERT INTO reports_fts (reports_fts, rank) VALUES ('automerge', 16);

-- The two-character pieces of the Chinese text (and the last character of each run), each
-- written as 8 (4) base-36 characters of its code points; rowid = reports.id. Contentless: it
-- answers which reports hold a piece, nothing else.
CREATE VIRTUAL TABLE reports_bigram USING fts5(pieces, content = '', contentless_delete = 1, detail = 'none', tokenize = 'unicode61');
INSERT INTO reports_bigram (reports_bigram, rank) VALUES ('automerge', 16);
`;
