/**
 * PDF → plain text with pdf.js (the text layer, no rendering): each page's text items are grouped
 * into lines by their baseline and ordered left to right; items on a line are separated by a space
 * (a table's cells become "label 1 2 3" rows, which the plain-text reader takes apart). Scanned
 * PDFs have no text layer and come back empty (the caller reports that). pdf.js is loaded on first
 * use, and runs without fonts, eval or network.
 */
import { DecodeError } from './errors.js';
import { linesOf, type PositionedText } from './lines.js';

export interface PdfToTextOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
  /** Pages read at most (a report is a few pages; a 500-page scan is not a report). @default 200 */
  maxPages?: number;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsModule: Promise<PdfJs> | undefined;
const loadPdfJs = (): Promise<PdfJs> => (pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

/**
 * Extracts the text of a PDF, one line per text line, pages separated by a blank line. Throws
 * {@link DecodeError} `NB_PARSE_UNSUPPORTED` when pdf.js cannot read the file (damaged, encrypted).
 */
export async function pdfToText(bytes: Uint8Array, opts: PdfToTextOptions = {}): Promise<string> {
  const pdfjs = await loadPdfJs();
  // pdf.js takes ownership of the buffer it is given: hand it a copy.
  const data = new Uint8Array(bytes.byteLength);
  data.set(bytes);
  let doc: Awaited<ReturnType<PdfJs['getDocument']>['promise']> | undefined;
  try {
    doc = await pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false })
      .promise;
    const pages: string[] = [];
    const last = Math.min(doc.numPages, opts.maxPages ?? 200);
    for (let n = 1; n <= last; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const items: PositionedText[] = [];
      for (const it of content.items) {
        if (!('str' in it)) continue;
        items.push({ str: it.str, x: it.transform[4] as number, y: it.transform[5] as number, width: it.width, height: it.height || Math.abs(it.transform[3] as number) });
      }
      pages.push(linesOf(items).join('\n'));
      page.cleanup();
    }
    return pages.join('\n\n');
  } catch (cause) {
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
