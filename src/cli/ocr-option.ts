/**
 * `--ocr auto|off`, shared by `parse`, `ingest`, `reparse` and `crawl`: whether scanned PDFs (pages
 * without a text layer) and images of report pages are read by OCR. Off by default: OCR takes a
 * few seconds a page (every other reader takes milliseconds) and needs Tesseract installed; a crawl
 * or an ingest of thousands of reports should not slow down for the few scans among them unless
 * asked to. `--ocr-cache <dir>` / `--no-ocr-cache`: where what OCR read is kept, so a scan read
 * again is not OCR'd again.
 */
import { Option } from 'commander';

export type OcrMode = 'auto' | 'off';

export function ocrOption(): Option {
  return new Option(
    '--ocr <mode>',
    "scanned PDFs and images of report pages: auto = read them by OCR (Tesseract, seconds a page; see the README's OCR section), off = refuse them",
  )
    .choices(['auto', 'off'])
    .default('off');
}

/** `--ocr-cache <dir>` (`parse`): where what OCR read is kept by crop, so a scan parsed again is not OCR'd again (src/decode/ocr-cache.ts). */
export function ocrCacheOption(): Option {
  return new Option(
    '--ocr-cache <dir>',
    "folder where what OCR read is kept (by the hash of each image crop, Tesseract's version and options): a scan parsed again is not OCR'd again",
  );
}

/**
 * `--ocr-cache <dir>` and `--no-ocr-cache` of the commands that store (`ingest`, `reparse`, `crawl`):
 * with `--ocr auto`, what OCR read is kept by crop in `<db>.ocr-cache` unless told otherwise, so a
 * reparse after a parser upgrade does not run Tesseract again on pages whose pixels did not change.
 */
export function storeOcrCacheOptions(defaultDir = '<db>.ocr-cache'): Option[] {
  return [
    new Option(
      '--ocr-cache <dir>',
      `with --ocr auto: folder where what OCR read is kept (by the hash of each image crop, Tesseract's version and options), so a scan read again (a reparse) is not OCR'd again (default: ${defaultDir})`,
    ),
    new Option('--no-ocr-cache', 'with --ocr auto: keep no OCR cache (every scanned page is read by Tesseract again)'),
  ];
}

/** The `ocrCacheDir` option of a storing command: the folder, `false` for `--no-ocr-cache`, undefined for the default. */
export function ocrCacheDirFrom(opts: { ocrCache?: string | boolean }): string | false | undefined {
  return typeof opts.ocrCache === 'string' ? opts.ocrCache : opts.ocrCache === false ? false : undefined;
}
