/**
 * Migration 24 (cell_keys): a database of schema 23, whose `cells` is a table, opened by this build
 * keeps every cell — the same rows, values of the same types, the same wide views — now stored in
 * `cell_values` under the ids of `cell_keys`, and goes on storing and re-parsing reports. And the
 * writer's key ids (src/store/cell-keys.ts) never outlive a transaction that rolled back.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestPaths, reparseStored } from '../../src/ingest/index.js';
import { CellKeys } from '../../src/store/cell-keys.js';
import { openDatabase } from '../../src/store/db.js';
import { undoMigration24 } from '../helpers/schema.js';
import { CORPUS, tempDir } from './helpers.js';

/** Every cell as the `cells` table or view shows it, with the SQLite type of its value. */
const CELLS = 'SELECT *, typeof(value) AS value_type FROM cells ORDER BY report_id, ord';
/** The wide views built on `cells`. */
const VIEWS = [
  'SELECT * FROM requests ORDER BY report_id, row_key',
  'SELECT * FROM appeals ORDER BY report_id, group_key',
  'SELECT * FROM active ORDER BY report_id, row_key',
  'SELECT * FROM request_totals ORDER BY report_id, row_key',
  'SELECT * FROM report_summary ORDER BY report_id',
];

describe('migration 24: cells keyed by id', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const html = readdirSync(CORPUS)
    .filter((f) => /\.(html|txt)$/.test(f))
    .sort()
    .map((f) => join(CORPUS, f));

  it('moves the cells of a schema-23 database into cell_values, with nothing lost, and goes on writing', async () => {
    const file = join(tmp.dir, 'old.db');
    const snapshotsDir = `${file}.snapshots`;
    const first = openDatabase(file);
    await ingestPaths(first, html.slice(0, -2), { snapshotsDir });
    first.close();

    // Back to schema 23: `cells` a table holding the same rows; one cell with a key outside the labels.
    const raw = new Database(file);
    undoMigration24(raw);
    raw.pragma('user_version = 23');
    expect(raw.prepare("SELECT type FROM sqlite_master WHERE name = 'cells'").pluck().get()).toBe('table');
    const parsed = raw.prepare(CELLS).all();
    expect(
      raw
        .prepare("UPDATE cells SET row_key = 'row_outside_labels' WHERE (report_id, ord) = (SELECT report_id, ord FROM cells ORDER BY report_id, ord LIMIT 1)")
        .run().changes,
    ).toBe(1);
    const cellsBefore = raw.prepare(CELLS).all();
    const viewsBefore = VIEWS.map((q) => raw.prepare(q).all());
    raw.close();
    expect(cellsBefore.length).toBeGreaterThan(1000);

    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(24);
      expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'cells'").pluck().get()).toBe('view');
      expect(db.prepare(CELLS).all()).toEqual(cellsBefore);
      expect(VIEWS.map((q) => db.prepare(q).all())).toEqual(viewsBefore);
      expect(db.prepare('SELECT count(*) FROM cell_values').pluck().get()).toBe(cellsBefore.length);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // Every cell names a key; the key outside the labels got a row of its own.
      expect(db.prepare('SELECT count(*) FROM cell_values v WHERE NOT EXISTS (SELECT 1 FROM cell_keys k WHERE k.id = v.key_id)').pluck().get()).toBe(0);
      expect(db.prepare("SELECT count(*) FROM cell_keys WHERE row_key = 'row_outside_labels'").pluck().get()).toBe(1);

      // It goes on writing: new files, and a re-parse that deletes and writes every cell again.
      const more = await ingestPaths(db, html.slice(-2), { snapshotsDir });
      expect(more.new).toBe(2);
      const again = await reparseStored(db, { snapshotsDir, all: true });
      expect(again.errors).toEqual([]);
      expect(db.prepare('SELECT count(*) FROM reports r WHERE r.cell_count <> (SELECT count(*) FROM cells c WHERE c.report_id = r.id)').pluck().get()).toBe(0);
      // The re-parse wrote the parser's key back in the odd cell: the first files' cells are as parsed.
      expect(db.prepare(CELLS).all().slice(0, parsed.length)).toEqual(parsed);
      expect(db.prepare('SELECT count(*) FROM cells WHERE report_id > (SELECT max(report_id) FROM cells) - 2').pluck().get()).toBeGreaterThan(0);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('runs again on a database whose user_version was set back, changing nothing', async () => {
    const file = join(tmp.dir, 'again.db');
    const db = openDatabase(file);
    await ingestPaths(db, html.slice(0, 2), { snapshotsDir: `${file}.snapshots` });
    const before = db.prepare(CELLS).all();
    db.pragma('user_version = 23');
    db.close();
    const reopened = openDatabase(file);
    try {
      expect(reopened.prepare(CELLS).all()).toEqual(before);
      expect(reopened.prepare("SELECT type FROM sqlite_master WHERE name = 'cells'").pluck().get()).toBe('view');
    } finally {
      reopened.close();
    }
  });

  it('never hands out the id of a key made in a transaction that rolled back', () => {
    const file = join(tmp.dir, 'keys.db');
    copyFileSync(join(tmp.dir, 'again.db'), file);
    const db = openDatabase(file);
    try {
      const keys = new CellKeys(db);
      const keyOf = db.prepare('SELECT table_name, row_key, col_key FROM cell_keys WHERE id = ?');
      // Known keys come from the labels.
      const known = keys.id('requests', 'new_received', 'total');
      expect(keyOf.get(known)).toEqual({ table_name: 'requests', row_key: 'new_received', col_key: 'total' });
      // A new key made inside a transaction that rolls back …
      expect(() =>
        db.transaction(() => {
          keys.id('requests', 'rolled_back', 'total');
          throw new Error('rollback');
        })(),
      ).toThrow('rollback');
      // … whose id another key then takes …
      const other = keys.id('requests', 'committed', 'total');
      expect(keyOf.get(other)).toEqual({ table_name: 'requests', row_key: 'committed', col_key: 'total' });
      // … is made again when used, with an id of its own.
      const again = keys.id('requests', 'rolled_back', 'total');
      expect(again).not.toBe(other);
      expect(keyOf.get(again)).toEqual({ table_name: 'requests', row_key: 'rolled_back', col_key: 'total' });
      // A second writer on the same file reads both.
      const second = new CellKeys(db);
      expect(second.id('requests', 'committed', 'total')).toBe(other);
      expect(second.id('requests', 'rolled_back', 'total')).toBe(again);
    } finally {
      db.close();
    }
  });
});
