/**
 * Migrations 17 and 18 on a database of schema 16 (the trigram `reports_fts` holding its own text,
 * written inside each report's transaction): opening it moves the text into `report_text`, fills
 * the bigram index and drops the trigram index, and loses nothing — every table keeps its rows,
 * every report its text, and search finds what it found before. Migration 18 alone on a database
 * of schema 17 (both indexes) drops the trigram index and keeps the bigram index as it is. A
 * schema-16 file read as it is (a reader that cannot upgrade it) is still searched, the old way.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/index.js';
import { openDatabase, schemaVersion } from '../../src/store/db.js';
import { SCHEMA_VERSION } from '../../db/migrations/index.js';
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

describe('migrations 17 (deferred_text_index) and 18 (one_text_index)', () => {
  let built: string;
  let v16: string;
  let before: { counts: Record<string, number>; text: unknown[]; hits: Record<string, number[]> };

  beforeAll(async () => {
    built = join(tmp.dir, 'built.db');
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

  it('searches a schema-16 file that cannot be upgraded (opened read-only as it is) the old way, with the same hits', () => {
    const ro = new Database(v16, { readonly: true });
    try {
      expect(schemaVersion(ro)).toBe(16);
      for (const q of QUERIES) {
        const hits = searchReports(ro, q, { all: true, limit: 10_000 }).hits.map((h) => h.reportId);
        expect(
          hits.sort((a, b) => a - b),
          q,
        ).toEqual(before.hits[q]);
      }
      expect(searchReports(ro, '信息处理费').mode).toBe('fts');
    } finally {
      ro.close();
    }
  });

  it('upgrades a schema-16 database in place with nothing lost, the index built on open', () => {
    const db = openDatabase(v16);
    try {
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'reports_fts%'").pluck().get()).toBe(0);
      for (const t of TABLES) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(before.counts[t]);
      expect(db.prepare('SELECT report_id AS rowid, title, agency, text FROM report_text ORDER BY report_id').all()).toEqual(before.text);
      expect(db.prepare('SELECT count(*) FROM text_index_pending').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM reports_bigram').pluck().get()).toBe(before.text.length);
      expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      for (const q of QUERIES) {
        const hits = searchReports(db, q, { all: true, limit: 10_000 }).hits.map((h) => h.reportId);
        expect(
          hits.sort((a, b) => a - b),
          q,
        ).toEqual(before.hits[q]);
      }
    } finally {
      db.close();
    }
  });

  it('upgrades a schema-17 database (trigram and bigram indexes) by dropping the trigram index; the bigram index stays as it was', () => {
    const v17 = join(tmp.dir, 'v17.db');
    copyFileSync(built, v17);
    const raw = new Database(v17);
    // The trigram index as migration 17 made it, filled, with one report still pending.
    raw.exec(`
      CREATE VIRTUAL TABLE reports_fts USING fts5(title, agency, text, content = 'report_text', content_rowid = 'report_id', tokenize = 'trigram');
      INSERT INTO reports_fts (reports_fts) VALUES ('rebuild');
      DELETE FROM reports_bigram WHERE rowid = (SELECT max(report_id) FROM report_text);
      INSERT INTO text_index_pending (report_id) SELECT max(report_id) FROM report_text;
    `);
    raw.pragma('user_version = 17');
    const bigramRows = raw.prepare('SELECT count(*) FROM reports_bigram').pluck().get() as number;
    raw.close();
    const db = openDatabase(v17);
    try {
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'reports_fts%'").pluck().get()).toBe(0);
      // The pending report was indexed on open, the others kept.
      expect(db.prepare('SELECT count(*) FROM text_index_pending').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM reports_bigram').pluck().get()).toBe(bigramRows + 1);
      expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      for (const q of QUERIES) {
        const hits = searchReports(db, q, { all: true, limit: 10_000 }).hits.map((h) => h.reportId);
        expect(
          hits.sort((a, b) => a - b),
          q,
        ).toEqual(before.hits[q]);
      }
    } finally {
      db.close();
    }
  });
});
