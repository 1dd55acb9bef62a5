/**
 * Content-addressed archive of raw documents, named `ab/abcdef….gz` (the SHA-256 of the exact
 * bytes). With a database (every command passes one), snapshots are rows of `snapshot_blobs`
 * (gzip of the bytes, migration 14), inserted on the connection that stores the rows naming them —
 * inside the open group commit when there is one, else in their own transaction just before — so a
 * crash never leaves a row without its bytes, and nothing is created or fsynced per report.
 *
 * Snapshots written before schema 14 are files `<dir>/ab/abcdef….gz`: read from there when the
 * table has no row, and moved into the table by `packFiles()` (writing runs call it first).
 * Without a database the store writes such files itself, atomically (temp file, fsync, rename,
 * fsync of the folder); temp files a killed writer left are removed at its first write
 * (snapshot-temps.ts). Paths read from the database are confined to the folder: `../x.gz`, an
 * absolute path or a symlink out of the folder is refused (NB_SNAPSHOT_PATH), whoever tampered
 * with the row.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip, gzipSync } from 'node:zlib';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { removeStaleTemps, type StaleTempOptions } from './snapshot-temps.js';

const gzipAsync = promisify(gzip);
/**
 * zlib level of new snapshots. Level 1 makes blobs ≈ 8 % larger than level 6 (the corpus: 35.8 % vs
 * 33.1 % of the page) for ≈ 25 % less compression CPU, and on a 2-core machine the compressing
 * thread competes with the one writing SQLite. Any level reads back the same.
 */
export const SNAPSHOT_LEVEL = 1;
const gunzipAsync = promisify(gunzip);

/**
 * Documents up to this size are compressed on the calling thread: for report-sized pages (median
 * ≈ 8 KiB; level 1 ≈ 0.1 ms) the asynchronous call's stream set-up and hand-offs cost the calling
 * thread more than compressing them (3,000 corpus pages: ≈ 0.33 s of this thread's CPU, against
 * ≈ 0.5 s of it plus the pool's for the async calls). Larger ones (PDF attachments) go to the pool
 * so as not to hold the event loop.
 */
export const SYNC_GZIP_MAX = 256 * 1024;

/** The gzip of a new snapshot. */
function gzipSnapshot(bytes: Uint8Array): Promise<Buffer> {
  return bytes.length <= SYNC_GZIP_MAX ? Promise.resolve(gzipSync(bytes, { level: SNAPSHOT_LEVEL })) : gzipAsync(bytes, { level: SNAPSHOT_LEVEL });
}

/** SHA-256 of the bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Path of a snapshot relative to the snapshots folder: `ab/abcdef….gz`. */
export function snapshotRelPath(sha256: string): string {
  return `${sha256.slice(0, 2)}/${sha256}.gz`;
}

/** True when `path` is `root` or inside it (both resolved). */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Writes `data` to a new file and flushes it to the disk before closing. */
async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Flushes a folder's entries (the rename) where the platform allows it (not on Windows). */
async function syncFolder(folder: string): Promise<void> {
  let fh;
  try {
    fh = await open(folder, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms that cannot fsync a folder: the file itself is synced.
  } finally {
    await fh?.close();
  }
}

/** `ab/<sha256>.gz` → the hash; null for any other shape. */
function shaOf(relPath: string): string | null {
  const m = /^[0-9a-f]{2}\/([0-9a-f]{64})\.gz$/.exec(relPath);
  return m && m[1]!.startsWith(relPath.slice(0, 2)) ? m[1]! : null;
}

export interface SnapshotStoreOptions extends StaleTempOptions {
  /**
   * The database whose `snapshot_blobs` table holds the snapshots (schema 14+). Without one the
   * store reads and writes files in `dir` only.
   */
  db?: Db | undefined;
}

/** What `packFiles` did. */
export interface PackResult {
  /** Snapshot files moved into the database (and then removed). */
  moved: number;
  /** Files left in place: not named like a snapshot, unreadable, or whose bytes do not match their name. */
  skipped: string[];
}

export class SnapshotStore {
  /** Prefix folders known to exist (created once, not once per write). */
  readonly #folders = new Set<string>();
  /** The stale temp files' cleanup, run once before the first write. */
  #cleaned: Promise<unknown> | undefined;
  readonly #db: Db | null;
  #s:
    { has: Statement<[string]>; get: Statement<[string]>; put: Statement<{ sha256: string; size: number; gz: Buffer; stored_at: string }> } | null | undefined;

  /**
   * @param dir the snapshots folder (files of schemas before 14; the only place without `db`)
   * @param options the database holding the snapshots, and when a temp file counts as stale
   */
  constructor(
    readonly dir: string,
    private readonly tempOptions: SnapshotStoreOptions = {},
  ) {
    this.#db = tempOptions.db ?? null;
  }

  /**
   * Statements on the database's `snapshot_blobs`, prepared once; null when the database has no
   * such table (a file of an older schema opened read-only as it is): files only, then.
   */
  #stmts(db: Db) {
    if (this.#s !== undefined) return this.#s;
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_blobs'").get();
    this.#s = exists
      ? {
          has: db.prepare('SELECT 1 FROM snapshot_blobs WHERE sha256 = ?'),
          get: db.prepare('SELECT gz FROM snapshot_blobs WHERE sha256 = ?'),
          put: db.prepare('INSERT OR IGNORE INTO snapshot_blobs (sha256, size, gz, stored_at) VALUES (@sha256, @size, @gz, @stored_at)'),
        }
      : null;
    return this.#s;
  }

  /**
   * Absolute (or dir-relative) path of a stored snapshot. Throws `StoreError` NB_SNAPSHOT_PATH
   * for a path that is absolute or resolves outside the folder (`../../x.gz`).
   */
  pathOf(relPath: string): string {
    const path = join(this.dir, relPath);
    if (isAbsolute(relPath) || relPath.includes('\0') || !inside(resolve(this.dir), resolve(path))) {
      throw new StoreError(
        'NB_SNAPSHOT_PATH',
        `snapshot path ${JSON.stringify(relPath)} is outside the snapshots folder ${this.dir}; the database row was altered`,
      );
    }
    return path;
  }

  /** Removes temp files that killed writers left (see snapshot-temps.ts); returns their paths. */
  removeStaleTemps(): Promise<string[]> {
    return removeStaleTemps(this.dir, this.tempOptions);
  }

  /**
   * Stores the bytes unless a snapshot with this hash exists; returns its relative path.
   * Large documents are compressed on libuv's thread pool (see {@link gzipSnapshot}). `gzipped`:
   * the gzip of `bytes`, when the caller made it already (src/ingest/read-pool.ts).
   */
  async put(bytes: Uint8Array, sha256: string = sha256Hex(bytes), gzipped?: Buffer | null): Promise<string> {
    const rel = snapshotRelPath(sha256);
    const file = this.pathOf(rel);
    const s = this.#db ? this.#stmts(this.#db) : null;
    if (s) {
      // (No look for an older schema's file: writing runs move those in before their first put.)
      if (s.has.get(sha256)) return rel;
      const gz = gzipped ?? (await gzipSnapshot(bytes));
      // Synchronous from here: joins the group commit open on the connection, if any; else its own
      // transaction, committed before the rows that will name it.
      s.put.run({ sha256, size: bytes.length, gz, stored_at: new Date().toISOString() });
      return rel;
    }
    if (existsSync(file)) return rel;
    await (this.#cleaned ??= this.removeStaleTemps().catch(() => []));
    const gz = gzipped ?? (await gzipSnapshot(bytes));
    const folder = join(this.dir, sha256.slice(0, 2));
    if (!this.#folders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.#folders.add(folder);
    }
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      try {
        await writeSynced(tmp, gz);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The folder went away during the run (someone cleaned up): create it again, once.
        this.#folders.delete(folder);
        await mkdir(folder, { recursive: true });
        await writeSynced(tmp, gz);
      }
      await rename(tmp, file);
      await syncFolder(folder);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return rel;
  }

  /**
   * The raw bytes of a snapshot. Throws `StoreError` NB_SNAPSHOT_MISSING when absent,
   * NB_SNAPSHOT_PATH when the path (or a symlink on it) leads outside the snapshots folder.
   */
  async get(relPath: string): Promise<Buffer> {
    const path = this.pathOf(relPath);
    const s = this.#db ? this.#stmts(this.#db) : null;
    const sha = s ? shaOf(relPath) : null;
    if (s && sha) {
      const row = s.get.get(sha) as { gz: Buffer } | undefined;
      if (row) return gunzipAsync(row.gz);
    }
    let gz: Buffer;
    try {
      // A symlink inside the folder may point anywhere: compare the real paths.
      const [root, real] = await Promise.all([realpath(this.dir), realpath(path)]);
      if (!inside(root, real)) {
        throw new StoreError('NB_SNAPSHOT_PATH', `snapshot ${path} leads outside the snapshots folder ${this.dir} (a symlink); refused`);
      }
      gz = await readFile(real);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('NB_SNAPSHOT_MISSING', `snapshot ${path} is missing`, { cause: err });
    }
    return gunzipAsync(gz);
  }

  /**
   * Moves snapshot files (schemas before 14) into `snapshot_blobs`, `batch` per transaction, each
   * file checked against its name first and removed only once its row is committed. A crash at any
   * point leaves every snapshot readable (a file, a row, or both). Needs a database; run it outside
   * any open transaction.
   */
  async packFiles(options: { batch?: number; onProgress?: (moved: number) => void } = {}): Promise<PackResult> {
    const db = this.#db;
    const result: PackResult = { moved: 0, skipped: [] };
    const s = db ? this.#stmts(db) : null;
    if (!db || !s) return result;
    let prefixes: string[];
    try {
      prefixes = (await readdir(this.dir)).filter((n) => /^[0-9a-f]{2}$/.test(n)).sort();
    } catch {
      return result; // no folder: nothing written before schema 14
    }
    const batchSize = Math.max(1, options.batch ?? 200);
    let pending: { file: string; row: { sha256: string; size: number; gz: Buffer; stored_at: string } }[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const rows = pending;
      pending = [];
      db.transaction(() => {
        for (const p of rows) s.put.run(p.row);
      })();
      for (const p of rows) await rm(p.file, { force: true });
      result.moved += rows.length;
      options.onProgress?.(result.moved);
    };
    for (const prefix of prefixes) {
      const names = (await readdir(join(this.dir, prefix)).catch(() => [] as string[])).sort();
      for (const name of names) {
        const rel = `${prefix}/${name}`;
        const sha = shaOf(rel);
        if (!sha) {
          if (!name.includes('.tmp-')) result.skipped.push(rel);
          continue;
        }
        const file = this.pathOf(rel);
        try {
          const gz = await readFile(file);
          const raw = await gunzipAsync(gz);
          if (sha256Hex(raw) !== sha) {
            result.skipped.push(rel);
            continue;
          }
          pending.push({ file, row: { sha256: sha, size: raw.length, gz, stored_at: new Date().toISOString() } });
        } catch {
          result.skipped.push(rel);
          continue;
        }
        if (pending.length >= batchSize) await flush();
      }
    }
    await flush();
    return result;
  }
}
