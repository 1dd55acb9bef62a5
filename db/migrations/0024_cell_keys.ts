/**
 * Migration 24: a cell names its key by id. Each of a report's ~200 cells repeated its table, row
 * and column keys as three strings (`requests`, `new_received`, `natural_person`); they are now one
 * row of `cell_keys`, and the cell's row in `cell_values` holds its id. `cells` becomes a view with
 * the columns and rows of the table it replaces, so every query, view and export reads it as
 * before. A report's cells take ≈ 45 % of the pages they took, and storing them ≈ 35 % less time
 * (issue 16: the cells were a third of a store-only ingest).
 *
 * `cell_keys` holds every row × column pair of the `labels` table (the keys the parser writes,
 * added again when the labels change: `syncLabels`), and any other key the first time a cell uses
 * it. The writer is the one writer of `cell_values` and only writes ids it read from `cell_keys`,
 * so `key_id` has no foreign key: checking one on each of ~2 M cells per 10,000 reports costs more
 * than it guards. Deleting a report still deletes its cells (`ON DELETE CASCADE`).
 *
 * Written so that it can run again on a database whose user_version was set back (the tests'
 * old-schema copies): the cells move only while `cells` is a table.
 */
import type Database from 'better-sqlite3';

export const version = 24;
export const name = 'cell_keys';

export const sql = /* sql */ `
CREATE TABLE IF NOT EXISTS cell_keys (
  id          INTEGER PRIMARY KEY,
  table_name  TEXT NOT NULL,            -- active | requests | appeals
  row_key     TEXT NOT NULL,
  col_key     TEXT NOT NULL,
  UNIQUE (table_name, row_key, col_key)
);

CREATE TABLE IF NOT EXISTS cell_values (
  report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  ord          INTEGER NOT NULL,         -- order in the report
  key_id       INTEGER NOT NULL,         -- cell_keys.id
  value        NUMERIC,                  -- NULL: the cell holds no number
  raw          TEXT,                     -- the cell's text as found
  unit         TEXT,                     -- unit written in the cell (元, 万元 …)
  flags        TEXT,                     -- comma-separated: blank,placeholder,unit,noise,signed,unreadable
  table_index  INTEGER,
  grid_row     INTEGER,
  grid_col     INTEGER,
  PRIMARY KEY (report_id, ord)
) WITHOUT ROWID;
`;

/**
 * Every row × column pair of the `labels` table as a key, in the labels' order (run again when
 * the labels change; existing keys keep their ids).
 */
export const SEED_CELL_KEYS_SQL = /* sql */ `
INSERT OR IGNORE INTO cell_keys (table_name, row_key, col_key)
SELECT r.table_name, r.key, c.key
FROM labels r JOIN labels c ON c.table_name = r.table_name AND c.dimension = 'col'
WHERE r.dimension = 'row'
ORDER BY r.table_name, r.ord, c.ord;
`;

/**
 * The view that keeps the old table's name and columns. CROSS JOIN keeps `cell_values` the outer
 * loop (SQLite does not reorder it): a query by report reads its cells by primary key, and a query
 * by key scans the cells once with one lookup in the small `cell_keys` per cell, as it scanned the
 * table before.
 */
const VIEW = /* sql */ `
DROP VIEW IF EXISTS cells;
CREATE VIEW cells AS
SELECT v.report_id,
       v.ord,
       k.table_name,
       k.row_key,
       k.col_key,
       v.value,
       v.raw,
       v.unit,
       v.flags,
       v.table_index,
       v.grid_row,
       v.grid_col
FROM cell_values v CROSS JOIN cell_keys k ON k.id = v.key_id;
`;

/** Moves the cells of the old table (if it is still one) into `cell_keys` and `cell_values`. */
export function backfill(db: Database.Database): void {
  db.exec(SEED_CELL_KEYS_SQL);
  const type = db.prepare("SELECT type FROM sqlite_master WHERE name = 'cells'").pluck().get();
  if (type === 'table') {
    db.exec(`
      INSERT OR IGNORE INTO cell_keys (table_name, row_key, col_key)
      SELECT DISTINCT table_name, row_key, col_key FROM cells ORDER BY table_name, row_key, col_key;
      INSERT INTO cell_values (report_id, ord, key_id, value, raw, unit, flags, table_index, grid_row, grid_col)
      SELECT c.report_id, c.ord, k.id, c.value, c.raw, c.unit, c.flags, c.table_index, c.grid_row, c.grid_col
      FROM cells c JOIN cell_keys k ON k.table_name = c.table_name AND k.row_key = c.row_key AND k.col_key = c.col_key
      ORDER BY c.report_id, c.ord;
      DROP TABLE cells;
    `);
  }
  db.exec(VIEW);
}
