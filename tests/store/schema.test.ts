/**
 * Schema, migrations and the files that document them: `PRAGMA user_version`, `db/schema.sql`,
 * `db/metadata.json` (Datasette), and that a plain `sqlite3` opens the database.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpSchema } from '../../db/dump-schema.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../db/migrations/index.js';
import { defaultSnapshotsDir, openDatabase, resolveDbPath, schemaVersion } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { CORPUS, ROOT, tempDir } from './helpers.js';

const hasSqlite3 = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;

describe('schema and migrations', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('applies the migrations on open and records the version in PRAGMA user_version', () => {
    const file = join(tmp.dir, 'm.db');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    // Re-opening migrates nothing and keeps the data.
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('refuses a database written by a newer nianbao', () => {
    const file = join(tmp.dir, 'new.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(expect.objectContaining({ code: 'NB_DB_TOO_NEW' }));
  });

  it('takes the database from --db, else NIANBAO_DB, else ./nianbao.db', () => {
    expect(resolveDbPath('x.db', { NIANBAO_DB: 'y.db' })).toBe('x.db');
    expect(resolveDbPath(undefined, { NIANBAO_DB: 'y.db' })).toBe('y.db');
    expect(resolveDbPath(undefined, {})).toBe('./nianbao.db');
  });

  it('db/schema.sql is the schema of a freshly migrated database', () => {
    expect(readFileSync(join(ROOT, 'db', 'schema.sql'), 'utf8')).toBe(dumpSchema());
  });
});

describe('db/metadata.json (Datasette)', () => {
  const meta = JSON.parse(readFileSync(join(ROOT, 'db', 'metadata.json'), 'utf8')) as {
    databases: {
      nianbao: {
        tables: Record<string, { description: string; columns: Record<string, string>; fts_table?: string }>;
        queries: Record<string, { sql: string; title: string }>;
      };
    };
  };
  const nb = meta.databases.nianbao;
  let db: Database.Database;
  beforeAll(() => {
    db = openDatabase(':memory:');
  });
  afterAll(() => db.close());

  it('describes every table and view and every one of their columns', () => {
    const objects = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name NOT LIKE 'reports!_fts!_%' ESCAPE '!' AND name NOT LIKE 'reports!_bigram!_%' ESCAPE '!' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    expect(Object.keys(nb.tables).sort()).toEqual(objects);
    for (const name of objects) {
      const cols = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(name) as string[]).sort();
      expect(Object.keys(nb.tables[name]!.columns).sort(), name).toEqual(cols);
      expect(nb.tables[name]!.description.length, name).toBeGreaterThan(10);
    }
    // No FTS table of the database is one Datasette could use (the published copy has reports_search).
    expect(nb.tables['reports']!.fts_table).toBeUndefined();
    expect(nb.tables['requests']!.columns['natural_person']).toMatch(/件/);
    expect(nb.tables['active']!.columns['amount_wan_yuan']).toMatch(/万元/);
    expect(nb.tables['active']!.columns['amount_yuan']).toMatch(/元/);
  });

  it('ships the queries of docs/queries.md as canned queries that prepare on the schema', () => {
    const md = readFileSync(join(ROOT, 'docs', 'queries.md'), 'utf8');
    const sqls = [...md.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(Object.values(nb.queries).map((q) => q.sql)).toEqual(sqls);
    for (const q of Object.values(nb.queries)) expect(() => db.prepare(q.sql), q.title).not.toThrow();
  });
});

describe('plain SQLite', () => {
  const tmp = tempDir();
  let file: string;
  beforeAll(async () => {
    file = join(tmp.dir, 'plain.db');
    const db = openDatabase(file);
    await ingestPaths(db, [join(CORPUS, 'fujian-pingtan-2021.html'), join(CORPUS, 'fujian-pingtan-2023.html')], { snapshotsDir: defaultSnapshotsDir(file) });
    db.close();
  });
  afterAll(() => tmp.cleanup());

  // The sqlite3 command-line shell is not an npm dependency; the test runs where it is installed.
  it.skipIf(!hasSqlite3)('opens in the sqlite3 shell with no extension: views and the search text work', () => {
    const sql = [
      "SELECT count(*) FROM report_text WHERE text LIKE '%政府信息公开申请%';",
      'SELECT new_received FROM report_summary WHERE year = 2021;',
      'PRAGMA integrity_check;',
    ].join('\n');
    const r = spawnSync('sqlite3', ['-readonly', file], { input: sql, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const ro = new Database(file, { readonly: true });
    const hits = ro.prepare("SELECT count(*) FROM report_text WHERE text LIKE '%政府信息公开申请%'").pluck().get();
    const nr = ro.prepare('SELECT new_received FROM report_summary WHERE year = 2021').pluck().get();
    ro.close();
    expect(hits).toBe(2);
    expect(r.stdout.trim().split('\n')).toEqual([String(hits), String(nr), 'ok']);
  });
});
