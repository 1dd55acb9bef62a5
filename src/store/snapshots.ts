/**
 * Content-addressed archive of raw documents: `<dir>/ab/abcdef….gz` (gzip of the exact bytes,
 * named by their SHA-256). Written atomically (temp file + rename), so a crash never leaves a
 * truncated snapshot under its final name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { StoreError } from './errors.js';

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

export class SnapshotStore {
  /** Prefix folders known to exist (created once, not once per write). */
  readonly #folders = new Set<string>();

  /** @param dir the snapshots folder (created on first write) */
  constructor(readonly dir: string) {}

  /** Absolute (or dir-relative) path of a stored snapshot. */
  pathOf(relPath: string): string {
    return join(this.dir, relPath);
  }

  /**
   * Stores the bytes unless a snapshot with this hash exists; returns its relative path.
   * Compression runs on libuv's thread pool, so it overlaps with parsing on the main thread.
   */
  async put(bytes: Uint8Array, sha256: string = sha256Hex(bytes)): Promise<string> {
    const rel = snapshotRelPath(sha256);
    const file = this.pathOf(rel);
    if (existsSync(file)) return rel;
    const gz = await gzipAsync(bytes, { level: 6 });
    const folder = join(this.dir, sha256.slice(0, 2));
    if (!this.#folders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.#folders.add(folder);
    }
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      try {
        await writeFile(tmp, gz);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The folder went away during the run (someone cleaned up): create it again, once.
        this.#folders.delete(folder);
        await mkdir(folder, { recursive: true });
        await writeFile(tmp, gz);
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return rel;
  }

  /** The raw bytes of a snapshot. Throws `StoreError` NB_SNAPSHOT_MISSING when absent. */
  async get(relPath: string): Promise<Buffer> {
    let gz: Buffer;
    try {
      gz = await readFile(this.pathOf(relPath));
    } catch (err) {
      throw new StoreError('NB_SNAPSHOT_MISSING', `snapshot ${this.pathOf(relPath)} is missing`, { cause: err });
    }
    return gunzipAsync(gz);
  }
}
