/**
 * PDF → plain text with pdf.js (the text layer, no rendering): each page's text items are grouped
 * into lines by their baseline and ordered left to right; items on a line are separated by a space
 * (a table's cells become "label 1 2 3" rows, which the plain-text reader takes apart). Scanned
 * PDFs have no text layer and come back empty (the caller reports that). pdf.js is loaded on first
 * use, and runs without fonts, eval or network.
 */
import { BudgetMeter } from '../../parsers/budget.js';
import { ParseError } from '../../parsers/errors.js';
import { DecodeError } from './errors.js';
import { inflatedSize } from './inflate.js';
import { linesOf, type PositionedText } from './lines.js';

export interface PdfToTextOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
  /**
   * The document's budget account: its Flate streams are inflated and counted first (each
   * `maxEntryBytes`, all together `maxInflatedBytes`); more pages than `maxPages`, more text pieces
   * than `maxTextItems` or characters than `maxTextChars` are refused; the deadline is checked
   * between pages.
   * @default a meter of the default budget
   */
  meter?: BudgetMeter | undefined;
}

/** `/Filter /FlateDecode` or `/Filter [/FlateDecode …]` (first filter), in a stream's dictionary. */
const FLATE_FIRST = /\/Filter\s*\[?\s*\/(?:FlateDecode|Fl)\b/;

const OBJECT_STREAM = /\/Type\s*\/ObjStm\b/;

/** The largest `/Count n` of a text (page tree nodes; an outline's counts are small). */
function maxCount(text: string): number {
  let max = 0;
  for (const m of text.matchAll(/\/Count\s+(\d{1,9})/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/**
 * Inflates every Flate stream of a PDF (the first filter of the stream) with a ceiling and counts
 * the bytes against the meter: a stream of a few KB that inflates to 1 GiB is refused at
 * `maxEntryBytes`, before pdf.js would hold it in memory. The streams are found by their
 * `stream`/`endstream` keywords, not by their declared `/Length`.
 */
export function checkPdfStreams(bytes: Uint8Array, meter: BudgetMeter): void {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let n = 0;
  let pages = maxCount(buf.toString('latin1'));
  for (;;) {
    const kw = buf.indexOf('stream', at, 'latin1');
    if (kw < 0) {
      // pdf.js walks a page tree of 200,000 pages for 10 s before saying how many there are.
      meter.check('maxPages', pages, 'pages', true);
      return;
    }
    at = kw + 6;
    // `endstream` and words that end in "stream" are not a stream's start.
    if (kw >= 3 && buf.toString('latin1', kw - 3, kw) === 'end') continue;
    let start = kw + 6;
    if (buf[start] === 0x0d) start++;
    if (buf[start] !== 0x0a && buf[start - 1] !== 0x0d) continue;
    if (buf[start] === 0x0a) start++;
    const dict = buf.toString('latin1', Math.max(0, kw - 1024), kw);
    const open = dict.lastIndexOf('<<');
    const end = buf.indexOf('endstream', start, 'latin1');
    const stop = end < 0 ? buf.length : end;
    at = stop;
    if (open < 0 || !FLATE_FIRST.test(dict.slice(open))) continue;
    if (++n % 64 === 0) meter.checkTime('inflating its streams');
    // An object stream holds objects (page tree nodes among them): its /Count is a page count too.
    const objects = OBJECT_STREAM.test(dict.slice(open));
    const size = inflatedSize(
      buf.subarray(start, stop),
      meter.entryAllowance() + 1,
      true,
      objects ? (text) => (pages = Math.max(pages, maxCount(text))) : undefined,
    );
    if (size === Infinity || size > meter.budget.maxEntryBytes) {
      if (meter.entryAllowance() < meter.budget.maxEntryBytes) throw meter.tooLarge('maxInflatedBytes', 'inflates (its streams together) past');
      throw meter.tooLarge('maxEntryBytes', `has a stream (at byte ${start}) that inflates past`);
    }
    if (size > 0) meter.addInflated(size);
  }
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type TextItem = import('pdfjs-dist/types/src/display/api.js').TextItem;
let pdfjsModule: Promise<PdfJs> | undefined;
const loadPdfJs = (): Promise<PdfJs> => (pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

/**
 * Extracts the text of a PDF, one line per text line, pages separated by a blank line. Throws
 * {@link DecodeError} `NB_PARSE_UNSUPPORTED` when pdf.js cannot read the file (damaged, encrypted).
 */
export async function pdfToText(bytes: Uint8Array, opts: PdfToTextOptions = {}): Promise<string> {
  return (await pdfPageTexts(bytes, opts)).join('\n\n');
}

/** The text of each page of a PDF (as {@link pdfToText} reads it; '' for a page without a text layer). */
export async function pdfPageTexts(bytes: Uint8Array, opts: PdfToTextOptions = {}): Promise<string[]> {
  const meter = opts.meter ?? new BudgetMeter(undefined, opts.fileName);
  checkPdfStreams(bytes, meter);
  const pdfjs = await loadPdfJs();
  // pdf.js takes ownership of the buffer it is given: hand it a copy.
  const data = new Uint8Array(bytes.byteLength);
  data.set(bytes);
  let doc: Awaited<ReturnType<PdfJs['getDocument']>['promise']> | undefined;
  try {
    doc = await pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false }).promise;
    const pages: string[] = [];
    meter.check('maxPages', doc.numPages, 'pages', true);
    let pieces = 0;
    let chars = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      meter.checkTime('reading its pages');
      const page = await doc.getPage(n);
      const items: PositionedText[] = [];
      // The page's text is read as a stream and counted as it comes: a page of 40,000 pieces is
      // refused after the first 12,000, not after all of them.
      const reader = page.streamTextContent().getReader() as ReadableStreamDefaultReader<{ items: (TextItem | { type: string })[] }>;
      let onPage = 0;
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          onPage += chunk.value.items.length;
          meter.check('maxPageTextItems', onPage, `text pieces on page ${n}`);
          meter.check('maxTextItems', pieces + onPage, 'text pieces');
          for (const it of chunk.value.items) {
            if (!('str' in it)) continue;
            chars += it.str.length;
            items.push({
              str: it.str,
              x: it.transform[4] as number,
              y: it.transform[5] as number,
              width: it.width,
              height: it.height || Math.abs(it.transform[3] as number),
            });
          }
        }
      } catch (err) {
        // pdf.js wants an Error as the reason (with another one, the page never settles and destroy() hangs).
        await reader.cancel(err instanceof Error ? err : new Error(String(err))).catch(() => undefined);
        throw err;
      }
      pieces += onPage;
      meter.check('maxTextChars', chars, 'characters of text');
      pages.push(linesOf(items).join('\n'));
      page.cleanup();
    }
    return pages;
  } catch (cause) {
    if (cause instanceof ParseError) throw cause; // over the budget
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError('NB_PARSE_UNSUPPORTED', `is a PDF that cannot be read (${reason}); check that it is complete and not encrypted.`, {
      file: opts.fileName,
      kind: 'pdf',
      cause,
    });
  } finally {
    await doc?.destroy();
  }
}

/** The number of pages of a PDF pdf.js can open (the pages a scan is rendered from for OCR). */
export async function pdfPageCount(bytes: Uint8Array): Promise<number> {
  const pdfjs = await loadPdfJs();
  const data = new Uint8Array(bytes.byteLength);
  data.set(bytes);
  const doc = await pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false })
    .promise;
  try {
    return doc.numPages;
  } finally {
    await doc.destroy();
  }
}
