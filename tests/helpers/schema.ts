/**
 * Turning a database back into an older schema version, for the tests that upgrade one: what
 * each later migration added is removed, so opening it runs those migrations again.
 */
import type Database from 'better-sqlite3';

/**
 * Removes what migrations 18 (one_text_index: the trigram `reports_fts` dropped) and 17
 * (deferred_text_index) did: `reports_fts` becomes again a trigram table holding its own text
 * (every report's, pending or not), without `report_text`, the pending marks and the bigram index.
 * With `user_version` set to 16 the database is as schema 16 left it.
 */
export function undoMigration17(db: Database.Database): void {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'report_text'").get();
  if (!has) return;
  db.exec(`
    DROP TABLE IF EXISTS reports_fts;
    CREATE VIRTUAL TABLE reports_fts USING fts5(title, agency, text, tokenize = 'trigram');
    INSERT INTO reports_fts (reports_fts, rank) VALUES ('automerge', 16);
    INSERT INTO reports_fts (rowid, title, agency, text) SELECT report_id, title, agency, text FROM report_text;
    DROP TABLE report_text;
    DROP TABLE text_index_pending;
    DROP TABLE reports_bigram;
  `);
}

/**
 * Removes what migrations 17 (see {@link undoMigration17}) and 16 (agency_identity) added, and the views of migration 10 (re-created
 * when the database is opened again; migrations 14 and 15 create only what is missing): with
 * `user_version` set back to 7 the database is as schema 7 left it (data of later columns lost).
 */
export function undoMigration16(db: Database.Database): void {
  undoMigration17(db);
  db.exec(`
    DROP VIEW IF EXISTS missing_reports;
    DROP VIEW IF EXISTS expected_reports;
    DROP TABLE IF EXISTS document_locations;
    DROP TABLE IF EXISTS agency_review;
    DROP INDEX IF EXISTS agencies_identity;
    DROP INDEX IF EXISTS agencies_region;
  `);
  const columns = (table: string) => db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
  const drop = (table: string, names: string[]) => {
    const have = columns(table);
    for (const n of names) if (have.includes(n)) db.exec(`ALTER TABLE ${table} DROP COLUMN ${n}`);
  };
  drop('agencies', ['identity', 'region', 'township', 'merged_into']);
  drop('agency_aliases', ['source']);
  drop('reports', ['agency_source', 'publisher_id']);
}

/**
 * Undoes migration 24 (cell_keys): `cells` a table again, with the rows the view showed, and
 * `cell_keys`/`cell_values` gone. With `user_version` set to 23 the database is as schema 23 left
 * it.
 */
export function undoMigration24(db: Database.Database): void {
  const type = db.prepare("SELECT type FROM sqlite_master WHERE name = 'cells'").pluck().get();
  if (type !== 'view') return;
  db.exec(`
    CREATE TEMP TABLE kept_cells AS SELECT * FROM cells;
    DROP VIEW cells;
    CREATE TABLE cells (
      report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
      ord          INTEGER NOT NULL,
      table_name   TEXT NOT NULL,
      row_key      TEXT NOT NULL,
      col_key      TEXT NOT NULL,
      value        NUMERIC,
      raw          TEXT,
      unit         TEXT,
      flags        TEXT,
      table_index  INTEGER,
      grid_row     INTEGER,
      grid_col     INTEGER,
      PRIMARY KEY (report_id, ord)
    ) WITHOUT ROWID;
    INSERT INTO cells SELECT * FROM temp.kept_cells;
    DROP TABLE temp.kept_cells;
    DROP TABLE cell_values;
    DROP TABLE cell_keys;
  `);
}
