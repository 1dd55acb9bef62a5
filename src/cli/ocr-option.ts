/**
 * `--ocr auto|off`, shared by `parse`, `ingest`, `reparse` and `crawl`: whether scanned PDFs (pages
 * without a text layer) and images of report pages are read by OCR. Off by default: OCR takes a
 * few seconds a page (every other reader takes milliseconds) and needs Tesseract installed; a crawl
 * or an ingest of thousands of reports should not slow down for the few scans among them unless
 * asked to.
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
