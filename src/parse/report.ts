/**
 * Bytes (or text) of one document in, canonical ParsedReport out: decode (charset, DOCX via
 * mammoth) → pick the parser (HTML or pipe/plain text) → tables, metadata, validation.
 * This is the library's `parseReport`.
 */
import { BudgetMeter, makeBudget, type BudgetInput } from '../../parsers/budget.js';
import { parseHtmlReport, parseTextReport } from '../../parsers/report.js';
import type { ParsedReport } from '../../parsers/types.js';
import { readOcrReport } from '../../parsers/ocr.js';
import { decodeDocument, type PriorDecode } from '../decode/index.js';

export interface ParseReportOptions {
  /** File name or URL, used in error messages and to recognise the input kind. @default undefined */
  fileName?: string;
  /** HTTP Content-Type, when the bytes came from a server (its charset wins over sniffing). @default undefined */
  contentType?: string;
  /** Largest input accepted, in bytes. @default the budget's maxInputBytes (50 MiB) */
  maxBytes?: number;
  /**
   * Limits of this document (parsers/budget.ts: inflated bytes, pages, text, elements, deadline);
   * plain data, so it crosses to a parse worker. Over a limit: `NB_PARSE_TOO_LARGE` or
   * `NB_PARSE_TIMEOUT` naming it.
   * @default DEFAULT_BUDGET
   */
  budget?: BudgetInput;
  /**
   * `auto`: scanned PDFs (no text layer) and images of report pages are read by OCR (Tesseract;
   * `NB_OCR_UNAVAILABLE` when it is not installed); `off`: they are refused. Off unless asked for:
   * OCR takes seconds a page.
   * @default 'off'
   */
  ocr?: 'auto' | 'off';
  /** Folder where what OCR read is kept (by the hash of each crop, the Tesseract version and options), so a scan read again is not OCR'd again. @default no cache */
  ocrCacheDir?: string;
  /**
   * A decode of these very bytes the caller already made (the crawl decodes a page for its own
   * checks first): reused when it was made with the options the parse would use. Stays on the
   * calling thread (a parse thread decodes for itself). @default undefined
   */
  decoded?: PriorDecode;
}

const LOOKS_HTML = /<(?:!doctype|html|body|table|div|p|meta)\b/i;

/**
 * Parses one report document (HTML in any charset, pipe-flattened or plain text, DOCX).
 * A string is taken as already decoded. Throws `ParseError` (stable `code`) when the input
 * cannot be read; a readable page without report tables comes back with a `report.no_tables`
 * finding instead.
 */
export async function parseReport(input: Uint8Array | string, options: ParseReportOptions = {}): Promise<ParsedReport> {
  const meter = new BudgetMeter(makeBudget(options.budget), options.fileName);
  if (typeof input === 'string') {
    return LOOKS_HTML.test(input.slice(0, 4096)) ? parseHtmlReport(input, { kind: 'html' }, meter) : parseTextReport(input, { kind: 'text' }, meter);
  }
  const decoded = await decodeDocument(input, {
    ...(options.fileName !== undefined && { fileName: options.fileName }),
    ...(options.contentType !== undefined && { contentType: options.contentType }),
    ...(options.maxBytes !== undefined && { maxBytes: options.maxBytes }),
    ...(options.ocr !== undefined && { ocr: options.ocr }),
    ...(options.ocrCacheDir !== undefined && { ocrCacheDir: options.ocrCacheDir }),
    ...(options.decoded !== undefined && { decoded: options.decoded }),
    meter,
  });
  const source = { kind: decoded.source, charset: decoded.charset };
  if (decoded.ocr) {
    const read = (text: string) => parseTextReport(text, source, meter);
    return readOcrReport(decoded.ocr, read);
  }
  return decoded.kind === 'html' ? parseHtmlReport(decoded.text, source, meter) : parseTextReport(decoded.text, source, meter);
}
