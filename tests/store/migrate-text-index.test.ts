/**
 * Migration 17 on a database of schema 16 (the trigram `reports_fts` holding its own text, written
 * inside each report's transaction): opening it moves the text into `report_text`, rebuilds the
 * trigram index over it and fills the bigram index, and loses nothing — every table keeps its
 * rows, every report its text, and search finds what it found before.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/index.js';
import { openDatabase, schemaVersion } from '../../src/store/db.js';
import { searchReports } from '../../src/store/search.js';
import { undoMigration17 } from '../helpers/schema.js';
import { CORPUS, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const TABLES = [
  'agencies',
  'agency_aliases',
  'documents',
  'document_locations',
  'reports',
  'cells',
  'stats',
  'findings',
  'report_totals',
  'runs',
  'snapshot_blobs',
];
const QUERIES = ['信息处理费', '政府信息公开', '本机关不掌握', '复议', '收费', '费', '信息处理费 复议'];

describe('migration 17 (deferred_text_index)', () => {
  let v16: string;
  let before: { counts: Record<string, number>; text: unknown[]; hits: Record<string, number[]> };

  beforeAll(async () => {
    const built = join(tmp.dir, 'built.db');
    const db = openDatabase(built);
    await ingestPaths(db, [CORPUS], { snapshotsDir: join(tmp.dir, 'snapshots') });
    db.close();
    // The same data as schema 16 stored it.
    v16 = join(tmp.dir, 'v16.db');
    copyFileSync(built, v16);
    const raw = new Database(v16);
    undoMigration17(raw);
    raw.pragma('user_version = 16');
    const counts = Object.fromEntries(TABLES.map((t) => [t, raw.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
    const text = raw.prepare('SELECT rowid, title, agency, text FROM reports_fts ORDER BY rowid').all();
    // What search answered on schema 16: trigram MATCH for long terms, LIKE over reports_fts for short ones.
    const hits: Record<string, number[]> = {};
    for (const q of QUERIES) {
      const terms = q.split(' ');
      const long = terms.filter((t) => [...t].length >= 3);
      const short = terms.filter((t) => [...t].length < 3);
      const conds = [
        ...(long.length > 0 ? [`reports_fts MATCH '${long.map((t) => `"${t}"`).join(' AND ')}'`] : []),
        ...short.map((t) => `(title LIKE '%${t}%' OR agency LIKE '%${t}%' OR text LIKE '%${t}%')`),
      ];
      hits[q] = raw
        .prepare(`SELECT rowid FROM reports_fts WHERE ${conds.join(' AND ')} ORDER BY rowid`)
        .pluck()
        .all() as number[];
    }
    expect(raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'reports_fts'").pluck().get()).not.toMatch(/content/);
    raw.close();
    before = { counts, text, hits };
    expect(counts['reports']).toBeGreaterThan(10);
    expect(hits['复议']!.length).toBeGreaterThan(3);
  }, 120_000);

  it('upgrades a schema-16 database in place with nothing lost, the indexes built on open', () => {
    const db = openDatabase(v16);
    try {
      expect(schemaVersion(db)).toBe(17);
      for (const t of TABLES) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(before.counts[t]);
      expect(db.prepare('SELECT report_id AS rowid, title, agency, text FROM report_text ORDER BY report_id').all()).toEqual(before.text);
      expect(db.prepare('SELECT count(*) FROM text_index_pending').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM reports_bigram').pluck().get()).toBe(before.text.length);
      expect(() => db.exec("INSERT INTO reports_fts (reports_fts, rank) VALUES ('integrity-check', 1)")).not.toThrow();
      expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      for (const q of QUERIES) {
        const hits = searchReports(db, q, { all: true, limit: 10_000 }).hits.map((h) => h.reportId);
        expect(
          hits.sort((a, b) => a - b),
          q,
        ).toEqual(before.hits[q]);
      }
      // The SQL of docs/queries.md still works on the upgraded file: MATCH and snippet() on reports_fts.
      const rows = db
        .prepare(
          `SELECT r.id, snippet(reports_fts, 2, '[', ']', '…', 48) AS context FROM reports_fts JOIN reports r ON r.id = reports_fts.rowid
           WHERE reports_fts MATCH '"信息处理费"'`,
        )
        .all() as { id: number; context: string }[];
      expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(before.hits['信息处理费']);
      for (const r of rows) expect(r.context).toContain('[信息处理费]');
    } finally {
      db.close();
    }
  });
});
