/**
 * `report_totals` (what report_summary reads): the writer's per-report totals equal the totals
 * aggregated over all cells of the database with the view's arithmetic of migration 1 — after an
 * ingest, after a reparse, and when migration 4 fills them in for an existing database.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql as initialSql } from '../../db/migrations/0001_initial.js';
import { openDatabase, schemaVersion } from '../../src/store/db.js';
import { buildCorpusDb, runCli, tempDir } from './helpers.js';
import { undoMigration16 } from '../helpers/schema.js';

/** report_summary as migration 1 defined it: aggregates over every cell, nothing stored. */
const OLD_VIEW = /CREATE VIEW report_summary AS[\s\S]*?;\n/.exec(initialSql)![0];
const COLUMNS = [
  'new_received',
  'carried_over',
  'granted',
  'partially_granted',
  'denied',
  'unavailable',
  'not_held',
  'rejected',
  'other',
  'results_total',
  'carried_forward',
  'review_total',
  'review_corrected',
  'litigation_total',
  'litigation_corrected',
];

/** Totals per report the old way: the migration-1 view, created as a temporary view. */
function aggregated(db: Database.Database): unknown[] {
  db.exec(OLD_VIEW.replace('CREATE VIEW report_summary', 'CREATE TEMP VIEW IF NOT EXISTS old_summary'));
  return db.prepare(`SELECT report_id, ${COLUMNS.join(', ')} FROM old_summary ORDER BY report_id`).all();
}
function stored(db: Database.Database): unknown[] {
  return db
    .prepare(
      `SELECT r.id AS report_id, ${COLUMNS.map((c) => `t.${c}`).join(', ')} FROM reports r LEFT JOIN report_totals t ON t.report_id = r.id ORDER BY r.id`,
    )
    .all();
}

describe('report_totals', () => {
  const tmp = tempDir();
  let dbFile: string;
  beforeAll(() => {
    dbFile = buildCorpusDb(tmp.dir, { derived: true, check: true });
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('equals the totals aggregated from all cells, one row per report, after ingest and after reparse', () => {
    const db = new Database(dbFile);
    try {
      const want = aggregated(db);
      expect(want.length).toBeGreaterThan(10);
      // Real totals, not all NULL: the corpus has table 3 and table 4 values.
      expect(want.filter((r) => (r as Record<string, unknown>)['new_received'] !== null).length).toBeGreaterThan(5);
      expect(want.filter((r) => (r as Record<string, unknown>)['litigation_total'] !== null).length).toBeGreaterThan(5);
      expect(stored(db)).toEqual(want);
      expect(db.prepare('SELECT count(*) FROM report_totals').pluck().get()).toBe(db.prepare('SELECT count(*) FROM reports').pluck().get());
    } finally {
      db.close();
    }
    const r = runCli(['reparse', '--all', '--db', dbFile, '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const db2 = new Database(dbFile);
    try {
      expect(stored(db2)).toEqual(aggregated(db2));
      expect(db2.prepare('SELECT count(*) FROM report_totals').pluck().get()).toBe(db2.prepare('SELECT count(*) FROM reports').pluck().get());
    } finally {
      db2.close();
    }
  });

  /** Turns the database back into schema version 3 (no report_totals, report_summary as migration 1 made it); returns report_summary before. */
  function downgrade(file: string): unknown[] {
    const raw = new Database(file);
    const before = raw.prepare('SELECT * FROM report_summary ORDER BY report_id').all();
    // Version 3 had none of the helper views of migrations 6 and 7 either.
    undoMigration16(raw);
    raw.exec(
      `DROP VIEW IF EXISTS missing_reports; DROP VIEW IF EXISTS expected_reports; DROP VIEW report_summary; DROP VIEW IF EXISTS days_late_of; DROP VIEW IF EXISTS deadline_of; DROP TABLE report_totals; ${OLD_VIEW}`,
    );
    raw.pragma('user_version = 3');
    raw.close();
    return before;
  }

  it('migration 4 fills them in for a database of schema version 3, and report_summary reads the same', () => {
    const before = downgrade(dbFile);
    const db = openDatabase(dbFile);
    try {
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(4);
      expect(stored(db)).toEqual(aggregated(db));
      expect(db.prepare('SELECT * FROM report_summary ORDER BY report_id').all()).toEqual(before);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('a read-only open (nianbao query, serve) upgrades an older database first, then reads it read-only', () => {
    const before = downgrade(dbFile);
    const db = openDatabase(dbFile, { readonly: true });
    try {
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(4);
      expect(db.prepare('SELECT * FROM report_summary ORDER BY report_id').all()).toEqual(before);
      expect(() => db.exec('DELETE FROM report_totals')).toThrow();
    } finally {
      db.close();
    }
  });
});
