/**
 * Opening the SQLite database: WAL, `synchronous=NORMAL`, foreign keys, migrations applied on
 * open (versioned with `PRAGMA user_version`), reference labels kept in sync with parsers/keys.ts.
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../db/migrations/index.js';
import { SEED_CELL_KEYS_SQL } from '../../db/migrations/0024_cell_keys.js';
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, COLUMN_UNITS, REQUEST_COLUMNS, REQUEST_ROWS } from '../../parsers/keys.js';
import { StoreError } from './errors.js';
import { describeStorageFailure } from './storage-failure.js';
import { indexPending } from './text-index.js';

export type Db = Database.Database;

/** Database file used when neither `--db` nor `NIANBAO_DB` is given. */
export const DEFAULT_DB_FILE = './nianbao.db';

/** `--db` value, else the `NIANBAO_DB` environment variable, else `./nianbao.db`. */
export function resolveDbPath(option?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return option;
  const fromEnv = env['NIANBAO_DB'];
  return fromEnv && fromEnv.length > 0 ? fromEnv : DEFAULT_DB_FILE;
}

/** Default OCR cache folder of a database file (src/decode/ocr-cache.ts): `<db>.ocr-cache` next to it. */
export function defaultOcrCacheDir(dbFile: string): string {
  return `${dbFile}.ocr-cache`;
}

/**
 * The OCR cache folder of a run on `db` given the `ocrCacheDir` option: the folder given, none for
 * `false`, else {@link defaultOcrCacheDir} (none for an in-memory database).
 */
export function ocrCacheDirOf(db: Db, dir: string | false | undefined): string | undefined {
  if (dir === false) return undefined;
  return dir ?? (db.memory || db.name === '' ? undefined : defaultOcrCacheDir(db.name));
}

/** Default snapshots folder of a database file: `<db>.snapshots` next to it. */
export function defaultSnapshotsDir(dbFile: string): string {
  return `${dbFile}.snapshots`;
}

export interface OpenOptions {
  /**
   * Open read-only (`readonly: true` plus `PRAGMA query_only`): no statement can change the
   * database and the file must exist. A file of an older schema version is upgraded first by a
   * separate, short-lived writing connection (the views and tables a reader expects come with
   * the migrations); when the file cannot be written, it is opened as it is, with a warning
   * (`NB_DB_OLD_SCHEMA`).
   * @default false
   */
  readonly?: boolean;
  /**
   * How long a writer waits for another connection's lock, in milliseconds.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Create the file when it does not exist. Only commands that collect data (ingest, crawl, demo)
   * create a database; a reader pointed at a mistyped path must fail (`NB_DB_NOT_FOUND`), not
   * answer from an empty database that looks like an all-clear. Ignored when `readonly`.
   * @default true
   */
  create?: boolean;
  /**
   * Finish the search index of reports a killed run stored but did not index (text-index.ts).
   * Ignored when `readonly`.
   * @default true
   */
  indexPending?: boolean;
}

/** The page size of new databases, in bytes (an existing file keeps its own). */
export const PAGE_SIZE = 16384;

/** What to tell someone whose `--db` names no database. */
function notFoundMessage(file: string): string {
  return `database ${file} does not exist; check --db (or $NIANBAO_DB) — ` + 'a database is made by `nianbao ingest`, `nianbao crawl` or `nianbao demo`';
}

/** `NB_DB_NOT_FOUND` when `file` is missing, `NB_DB_NOT_A_DATABASE` when it is a folder. */
function assertDatabaseFile(file: string): void {
  if (file === ':memory:') return;
  if (!existsSync(file)) throw new StoreError('NB_DB_NOT_FOUND', notFoundMessage(file));
  if (statSync(file).isDirectory()) {
    throw new StoreError('NB_DB_NOT_A_DATABASE', `${file} is a folder, not a database file; give --db the path of a .db file (e.g. ${file}/nianbao.db)`);
  }
}

/** SQLite's "not a database" and "cannot open" errors, with the file named and what to do. */
function describeOpenError(file: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreError(
      'NB_DB_NOT_A_DATABASE',
      `${file} is not a nianbao database (SQLite says: ${(err as Error).message}); check --db — it names another kind of file, or a damaged one`,
      { cause: err },
    );
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new StoreError('NB_DB_NOT_FOUND', `database ${file} cannot be opened (${(err as Error).message}); check that its folder exists and can be written`, {
      cause: err,
    });
  }
  // The disk full (or failing) while the file is created or migrated.
  return describeStorageFailure(err, file, 'run') ?? err;
}

/** Opens (and, unless read-only, creates and migrates) the database at `file`. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  try {
    return openDatabaseFile(file, options);
  } catch (err) {
    throw describeOpenError(file, err);
  }
}

function openDatabaseFile(file: string, options: OpenOptions): Db {
  const busy = options.busyTimeoutMs ?? 5000;
  if (options.readonly || options.create === false) assertDatabaseFile(file);
  else if (file !== ':memory:' && existsSync(file) && statSync(file).isDirectory()) assertDatabaseFile(file);
  if (options.readonly) {
    let db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busy}`);
    const version = schemaVersion(db);
    if (file !== ':memory:' && version > 0 && version < SCHEMA_VERSION) {
      db.close();
      try {
        openDatabase(file, { busyTimeoutMs: busy }).close();
      } catch (err) {
        process.emitWarning(
          `database ${file} has schema version ${version}, older than this nianbao (${SCHEMA_VERSION}), and could not be upgraded (${(err as Error).message}); ` +
            'tables and views added since are missing until a writing command (e.g. `nianbao check`) runs where the file is writable',
          { code: 'NB_DB_OLD_SCHEMA' },
        );
      }
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma(`busy_timeout = ${busy}`);
    }
    db.pragma('query_only = ON');
    return db;
  }
  const fresh = file === ':memory:' || !existsSync(file) || statSync(file).size === 0;
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${busy}`);
    // Before the first table is written: bigger pages suit rows of ~200 cells and long texts.
    if (fresh) db.pragma(`page_size = ${PAGE_SIZE}`);
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    syncLabels(db);
    // What a killed run (or migration 17) left for the search indexes.
    if (options.indexPending !== false) indexPending(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** The database's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies pending migrations, each in its own IMMEDIATE transaction. Returns the versions applied. */
export function migrate(db: Db): number[] {
  const applied: number[] = [];
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new StoreError('NB_DB_TOO_NEW', `database schema version ${current} is newer than this nianbao (${SCHEMA_VERSION}); upgrade nianbao`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Re-check inside the lock: another process may have migrated meanwhile.
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      m.backfill?.(db);
      db.pragma(`user_version = ${m.version}`);
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}

interface LabelRow {
  table_name: string;
  dimension: 'row' | 'col';
  key: string;
  label: string;
  ord: number;
  unit: string | null;
}

/** The reference rows of the `labels` table, from parsers/keys.ts. */
export function canonicalLabels(): LabelRow[] {
  const rows: LabelRow[] = [];
  REQUEST_ROWS.forEach((r, i) => rows.push({ table_name: 'requests', dimension: 'row', key: r.key, label: r.label, ord: i + 1, unit: null }));
  REQUEST_COLUMNS.forEach((c, i) => rows.push({ table_name: 'requests', dimension: 'col', key: c.key, label: c.label, ord: i + 1, unit: '件' }));
  APPEAL_GROUPS.forEach((g, i) => rows.push({ table_name: 'appeals', dimension: 'row', key: g.key, label: g.label, ord: i + 1, unit: null }));
  APPEAL_COLUMNS.forEach((c, i) => rows.push({ table_name: 'appeals', dimension: 'col', key: c.key, label: c.label, ord: i + 1, unit: '件' }));
  ACTIVE_ROWS.forEach((r, i) => rows.push({ table_name: 'active', dimension: 'row', key: r.key, label: r.label, ord: i + 1, unit: null }));
  const seen = new Set<string>();
  for (const r of ACTIVE_ROWS) {
    for (const fmt of ['2021', '2019'] as const) {
      for (const c of r.columns[fmt] ?? []) {
        if (seen.has(c.key)) continue;
        seen.add(c.key);
        rows.push({
          table_name: 'active',
          dimension: 'col',
          key: c.key,
          label: c.label,
          ord: seen.size,
          unit: COLUMN_UNITS[c.key] ?? '件',
        });
      }
    }
  }
  return rows;
}

/** Keeps the `labels` reference table equal to parsers/keys.ts (cheap; runs on every writable open). */
export function syncLabels(db: Db): void {
  const rows = canonicalLabels();
  const existing = db.prepare('SELECT table_name, dimension, key, label, ord, unit FROM labels').all() as LabelRow[];
  const sig = (r: LabelRow): string => JSON.stringify([r.table_name, r.dimension, r.key, r.label, r.ord, r.unit]);
  const have = new Set(existing.map(sig));
  if (existing.length === rows.length && rows.every((r) => have.has(sig(r)))) return;
  const insert = db.prepare('INSERT INTO labels (table_name, dimension, key, label, ord, unit) VALUES (@table_name, @dimension, @key, @label, @ord, @unit)');
  db.transaction(() => {
    db.prepare('DELETE FROM labels').run();
    for (const r of rows) insert.run(r);
    // The keys of the cells the parser writes now (migration 24).
    db.exec(SEED_CELL_KEYS_SQL);
  }).immediate();
}
/** Page cache of a bulk write, in KiB: the full-text index merges re-read its own recent pages. */
const BULK_CACHE_KIB = 32 * 1024; // 64 MiB: 308–315 MB peak RSS at 10,000 reports, 32 MiB: 273 MB at the same speed

/** Raises the connection's page cache for a bulk write; returns what restores it. */
export function bulkCache(db: Db): () => void {
  const before = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = ${-BULK_CACHE_KIB}`);
  return () => {
    db.pragma(`cache_size = ${before}`);
  };
}
