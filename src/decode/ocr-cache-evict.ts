/**
 * Eviction of the OCR cache (ocr-cache.ts), for `nianbao prune`: entries whose mtime — their last
 * use, refreshed by a hit at most once a day — is older than a cutoff are removed, with the
 * temporary files of writes that never finished.
 *
 * The folder's names are untrusted (anything may have been put there): only names the cache writes
 * are looked at (`ab/<key>.json` whose key begins with `ab`, `ab/<key>.json.<pid>.tmp`); only
 * regular files are removed, found by lstat (a symlink — to a folder or a file, inside or out — is
 * never followed nor removed); every path is checked to stay inside the folder. The folder itself
 * is the one runs were given, followed if it is a link. A missing folder is nothing to do; an
 * entry or a shard that cannot be read or removed is skipped with a warning. The two-digit shard
 * folders stay (256 at most): a run writing beside an eviction never finds its shard gone.
 *
 * Synchronous: called inside `pruneHistory`, between its transactions.
 */
import { lstatSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ENTRY_NAME, SHARD_NAME, TEMP_NAME } from './ocr-cache.js';

export interface OcrCacheEviction {
  /** The folder (as given). */
  dir: string;
  /** The folder does not exist: nothing was done. */
  missing: boolean;
  /** Cache files looked at (entries and temporary files). */
  examined: number;
  /** Files removed (or, dry, that would be) and their bytes. */
  removed: number;
  bytes: number;
  /** Files kept: used since the cutoff. */
  kept: number;
  /** Files or shards that could not be read or removed (a warning each). */
  skipped: number;
  /** The first warnings (at most MAX_WARNINGS; `skipped` counts them all). */
  warnings: string[];
}

export interface EvictOptions {
  /** Files last used (mtime) before this instant, ms since the epoch, are removed. */
  cutoffMs: number;
  /** Count, remove nothing. */
  dryRun: boolean;
  /** After each shard folder: files looked at and removed so far. */
  onProgress?: (examined: number, removed: number) => void;
}

export const MAX_WARNINGS = 20;

/** Whether `path` lies inside `root` (both resolved), never `root` itself. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

const why = (err: unknown): string => (err as NodeJS.ErrnoException | null)?.code ?? (err instanceof Error ? err.message : String(err));
const vanished = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/** Removes the cache files of `dir` unused since `cutoffMs`; see the module comment. */
export function evictOcrCache(dir: string, o: EvictOptions): OcrCacheEviction {
  const r: OcrCacheEviction = { dir, missing: false, examined: 0, removed: 0, bytes: 0, kept: 0, skipped: 0, warnings: [] };
  const warn = (path: string, message: string): void => {
    r.skipped++;
    if (r.warnings.length < MAX_WARNINGS) r.warnings.push(`${path}: ${message}`);
  };
  const root = resolve(dir);
  try {
    if (!statSync(root).isDirectory()) {
      warn(dir, 'not a folder; the OCR cache was left alone');
      return r;
    }
  } catch (err) {
    if (vanished(err)) r.missing = true;
    else warn(dir, `cannot be read (${why(err)}); the OCR cache was left alone`);
    return r;
  }
  let shards: string[];
  try {
    shards = readdirSync(root).filter((name) => SHARD_NAME.test(name));
  } catch (err) {
    warn(dir, `cannot be listed (${why(err)}); the OCR cache was left alone`);
    return r;
  }
  for (const shard of shards.sort()) {
    const shardPath = join(root, shard);
    let names: string[];
    try {
      if (!inside(root, shardPath) || !lstatSync(shardPath).isDirectory()) continue; // a file or a link: not the cache's
      names = readdirSync(shardPath);
    } catch (err) {
      if (!vanished(err)) warn(shardPath, `cannot be listed (${why(err)}); skipped`);
      continue;
    }
    for (const name of names) {
      const key = ENTRY_NAME.exec(name)?.[1] ?? TEMP_NAME.exec(name)?.[1];
      if (key === undefined || !key.startsWith(shard)) continue;
      const path = join(shardPath, name);
      if (!inside(root, path)) continue;
      let size: number;
      let mtimeMs: number;
      try {
        const st = lstatSync(path);
        if (!st.isFile()) continue; // a link or a folder so named: never followed, never removed
        size = st.size;
        mtimeMs = st.mtimeMs;
      } catch (err) {
        if (!vanished(err)) warn(path, `cannot be read (${why(err)}); skipped`);
        continue;
      }
      r.examined++;
      if (mtimeMs >= o.cutoffMs) {
        r.kept++;
        continue;
      }
      if (!o.dryRun) {
        try {
          unlinkSync(path);
        } catch (err) {
          if (!vanished(err)) warn(path, `cannot be removed (${why(err)}); skipped`);
          continue;
        }
      }
      r.removed++;
      r.bytes += size;
    }
    o.onProgress?.(r.examined, r.removed);
  }
  return r;
}
