/**
 * What OCR cost in this thread: image crops read (and how many of them came from the OCR cache,
 * `ocr-cache.ts`), Tesseract processes run, cache entries that could not be written. Counted as
 * the reading goes, per thread (a parse worker sends its share back with each document, see
 * src/parse/worker.ts); `ingest` and `reparse` put the run's figures in their summary, so that
 * what a cache saved is seen, not guessed.
 */

export interface OcrWork {
  /** Image crops of a page read by OCR (a crop read twice, in two passes, counts twice). */
  crops: number;
  /** …of which the words came from the OCR cache (no Tesseract run). */
  cropsCached: number;
  /** Tesseract processes started (a batch of crops, a whole page, an orientation check). */
  tesseractRuns: number;
  /** Cache entries that could not be written (the crop was read all the same; it is a miss next time). */
  cacheWriteErrors: number;
}

export const noOcrWork = (): OcrWork => ({ crops: 0, cropsCached: 0, tesseractRuns: 0, cacheWriteErrors: 0 });

const work = noOcrWork();

/** Adds to this thread's counters. */
export function countOcrWork(add: Partial<OcrWork>): void {
  for (const [k, v] of Object.entries(add) as [keyof OcrWork, number][]) work[k] += v;
}

/** This thread's counters so far (a copy). */
export function ocrWorkSoFar(): OcrWork {
  return { ...work };
}

/** `a + b`, or `a - b` with `sign` -1. */
export function addOcrWork(a: OcrWork, b: OcrWork, sign: 1 | -1 = 1): OcrWork {
  return {
    crops: a.crops + sign * b.crops,
    cropsCached: a.cropsCached + sign * b.cropsCached,
    tesseractRuns: a.tesseractRuns + sign * b.tesseractRuns,
    cacheWriteErrors: a.cacheWriteErrors + sign * b.cacheWriteErrors,
  };
}
