/**
 * Content-addressed archive of raw documents: `<dir>/ab/abcdef….gz` (gzip of the exact bytes,
 * named by their SHA-256). Written atomically (temp file, fsync, rename, fsync of the folder), so
 * a crash never leaves a truncated snapshot under its final name, nor a rename that outlives its
 * data. Temp files a killed writer left are removed at the store's first write (snapshot-temps.ts).
 * Paths read from the database are confined to the folder: `../x.gz`, an absolute path or a
 * symlink out of the folder is refused (NB_SNAPSHOT_PATH), whoever tampered with the row.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, realpath, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { StoreError } from './errors.js';
import { removeStaleTemps, type StaleTempOptions } from './snapshot-temps.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

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

export class SnapshotStore {
  /** Prefix folders known to exist (created once, not once per write). */
  readonly #folders = new Set<string>();
  /** The stale temp files' cleanup, run once before the first write. */
  #cleaned: Promise<unknown> | undefined;

  /**
   * @param dir the snapshots folder (created on first write)
   * @param tempOptions when a temp file left by another process counts as stale
   */
  constructor(
    readonly dir: string,
    private readonly tempOptions: StaleTempOptions = {},
  ) {}

  /**
   * Absolute (or dir-relative) path of a stored snapshot. Throws `StoreError` NB_SNAPSHOT_PATH
   * for a path that is absolute or resolves outside the folder (`../../x.gz`).
   */
  pathOf(relPath: string): string {
    const path = join(this.dir, relPath);
    if (isAbsolute(relPath) || relPath.includes('\0') || !inside(resolve(this.dir), resolve(path))) {
      throw new StoreError('NB_SNAPSHOT_PATH', `snapshot path ${JSON.stringify(relPath)} is outside the snapshots folder ${this.dir}; the database row was altered`);
    }
    return path;
  }

  /** Removes temp files that killed writers left (see snapshot-temps.ts); returns their paths. */
  removeStaleTemps(): Promise<string[]> {
    return removeStaleTemps(this.dir, this.tempOptions);
  }

  /**
   * Stores the bytes unless a snapshot with this hash exists; returns its relative path.
   * Compression runs on libuv's thread pool, so it overlaps with parsing on the main thread.
   */
  async put(bytes: Uint8Array, sha256: string = sha256Hex(bytes)): Promise<string> {
    const rel = snapshotRelPath(sha256);
    const file = this.pathOf(rel);
    if (existsSync(file)) return rel;
    await (this.#cleaned ??= this.removeStaleTemps().catch(() => []));
    const gz = await gzipAsync(bytes, { level: 6 });
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
}
