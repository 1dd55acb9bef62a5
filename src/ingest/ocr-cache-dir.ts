/**
 * The OCR cache folder of a run that parses (ingest, reparse, crawl): what OCR read is kept by crop
 * (src/decode/ocr-cache.ts), so that a reparse after a parser upgrade does not run Tesseract again
 * on pixels that did not change. Used only when OCR is on; `<db>.ocr-cache` beside the database
 * unless a folder is given, none with `false` (or for an in-memory database).
 */
import { openOcrCache } from '../decode/ocr-cache.js';
import { ocrCacheDirOf, type Db } from '../store/db.js';

/** The `ocrCacheDir` option (only read when `ocr` is `auto`). */
export { OcrCacheDirSchema } from '../decode/ocr-cache.js';

/**
 * The folder the run's parses keep OCR readings in, created and checked writable now (a folder that
 * cannot be is `NB_OCR_CACHE`, before anything is read); undefined when OCR is off or there is no cache.
 */
export async function runOcrCacheDir(db: Db, ocr: 'auto' | 'off', dir: string | false | undefined): Promise<string | undefined> {
  if (ocr !== 'auto') return undefined;
  const folder = ocrCacheDirOf(db, dir);
  if (folder === undefined) return undefined;
  return (await openOcrCache(folder)).dir;
}
