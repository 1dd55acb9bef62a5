/**
 * A folder cache of what Tesseract read in each crop (`ocr-cells.ts`), so that reading the same
 * scan again (a reparse, an evaluation run) does not run OCR again. A crop's entry is keyed by the
 * SHA-256 of the Tesseract version (`tesseract --version`, first line), the run's options
 * (language, page segmentation mode, whitelist…) and the crop's pixels: a page image that
 * differs by one pixel, another Tesseract or other options miss the cache. Keying the crops (and
 * not the page image) means a change in how a page is cut up re-reads only the crops that changed.
 *
 * Entries are JSON files `<dir>/<first two hex digits>/<key>.json` holding the words read in the
 * crop; an entry that cannot be read or parsed is a miss (it is written again), and so is one that
 * cannot be written (a full disk, a folder made read-only): a broken cache never fails a reading.
 * The folder is the caller's (`parse --ocr-cache DIR`, `ingest`, `reparse` and `crawl` with `--ocr
 * auto`: `<db>.ocr-cache` unless told otherwise, `npm run eval:ocr -- --cache DIR`).
 * {@link openOcrCache} checks up front that a folder can be used, with a one-line `NB_OCR_CACHE`
 * error when it cannot.
 *
 * Use is recorded in the entry's mtime: written, or read by a hit whose entry was last touched
 * TOUCH_EVERY_MS (a day) or more ago — so a hit costs one fstat, and a utimes at most once a day per
 * entry. `nianbao prune` removes the entries unused for `--keep-days` (ocr-cache-evict.ts); an
 * entry removed while a run reads it is a miss (read again by Tesseract, written again).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { NianbaoError } from '../../parsers/errors.js';
import { runTool } from './tool.js';

/** One word Tesseract read in a crop (the crop's pixels). */
export interface CropWord {
  left: number;
  width: number;
  conf: number;
  text: string;
}

/** A hit refreshes its entry's mtime (its last use) when that is this old or older: once a day at most. */
export const TOUCH_EVERY_MS = 86_400_000;

/** Names the cache writes inside its folder: two hex digits, then `<key>.json` (and `<key>.json.<pid>.tmp` while writing). */
export const SHARD_NAME = /^[0-9a-f]{2}$/;
export const ENTRY_NAME = /^([0-9a-f]{64})\.json$/;
export const TEMP_NAME = /^([0-9a-f]{64})\.json\.\d+\.tmp$/;

/**
 * The `ocrCacheDir` option of the runs that use or prune the cache: a folder, or `false` for none.
 * @default '<db file>.ocr-cache' (none for an in-memory database)
 */
export const OcrCacheDirSchema = z.union([z.string().min(1), z.literal(false)]).optional();

const ENTRY = z.array(z.object({ left: z.number(), width: z.number(), conf: z.number(), text: z.string() }));

let version: Promise<string> | undefined;

/** The first line of `tesseract --version` (asked once per process). */
export function tesseractVersion(): Promise<string> {
  version ??= runTool('tesseract', ['--version'], { timeoutMs: 30_000, maxOutputBytes: 1024 * 1024 }).then(
    (out) => out.toString('utf8').split('\n')[0]!.trim(),
    () => 'unknown',
  );
  return version;
}

export class OcrCache {
  constructor(readonly dir: string) {}

  /** The key of a crop read with `args` (everything but the input and output files) by `tesseract`. */
  static key(tesseract: string, args: readonly string[], crop: Uint8Array): string {
    return createHash('sha256').update(tesseract).update('\0').update(args.join('\0')).update('\0').update(crop).digest('hex');
  }

  #path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The words kept for `key`, or undefined: no entry (never written, or removed by a prune, even
   * while this reads it), or one that cannot be read or parsed. A hit on an entry last used
   * TOUCH_EVERY_MS ago or more records its use (mtime now); when this user may not set the
   * entry's times (another user's entry), it writes the entry again instead; if that fails too,
   * nothing changes.
   */
  async get(key: string): Promise<CropWord[] | undefined> {
    let file;
    try {
      file = await open(this.#path(key), 'r');
    } catch {
      return undefined;
    }
    try {
      const stat = await file.stat();
      const parsed = ENTRY.safeParse(JSON.parse(await file.readFile('utf8')));
      if (!parsed.success) return undefined;
      const now = new Date();
      if (now.getTime() - stat.mtimeMs >= TOUCH_EVERY_MS) {
        const touched = await file.utimes(now, now).then(
          () => true,
          () => false,
        );
        // Not the entry's owner (one cache folder shared by several users): a copy written aside and
        // renamed over it is this user's, used now, so prune does not take a used entry for unused.
        if (!touched) await this.trySet(key, parsed.data);
      }
      return parsed.data;
    } catch {
      return undefined;
    } finally {
      await file.close().catch(() => undefined);
    }
  }

  async set(key: string, words: readonly CropWord[]): Promise<void> {
    const path = this.#path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    // Written aside and renamed: a reader never sees half an entry.
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(words));
    await rename(tmp, path);
  }

  /** `set`, false instead of an error when the entry cannot be written (it is a miss next time). */
  async trySet(key: string, words: readonly CropWord[]): Promise<boolean> {
    try {
      await this.set(key, words);
      return true;
    } catch {
      await rm(`${this.#path(key)}.${process.pid}.tmp`, { force: true }).catch(() => undefined);
      return false;
    }
  }
}

/** The OCR cache folder cannot be used (created or written). */
export class OcrCacheError extends NianbaoError {
  declare readonly code: 'NB_OCR_CACHE';
  /** The folder. */
  readonly dir: string;
  constructor(dir: string, message: string, options?: { cause?: unknown }) {
    super('NB_OCR_CACHE', message, options);
    this.dir = dir;
  }
}

/**
 * The folder `dir` as an OCR cache, created if needed and checked writable (a probe file is written
 * and removed). Throws {@link OcrCacheError} `NB_OCR_CACHE` naming the folder and what to do when it
 * cannot be; once open, a failing write is only a miss.
 */
export async function openOcrCache(dir: string): Promise<OcrCache> {
  const probe = join(dir, `.probe-${process.pid}-${Date.now()}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException | null)?.code ?? (err instanceof Error ? err.message : String(err));
    throw new OcrCacheError(
      dir,
      `the OCR cache folder ${dir} cannot be created or written (${why}); give a writable folder with --ocr-cache DIR, or run without a cache (--no-ocr-cache)`,
      { cause: err },
    );
  }
  return new OcrCache(dir);
}
