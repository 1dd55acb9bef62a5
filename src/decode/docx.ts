/**
 * DOCX → HTML with mammoth. Tables are kept as `<table>`/`<tr>`/`<td>`; merged cells keep their shape:
 * horizontal merges (`w:gridSpan`) become `colspan`, vertical merges (`w:vMerge`) become `rowspan` on the
 * first cell (the continuation cells are dropped), so the HTML table parser rebuilds the same grid as for
 * a web page. Images are not embedded (their `src` is left empty) and linked external files are never read.
 */
import type Mammoth from 'mammoth';
import { BudgetMeter } from '../../parsers/budget.js';
import { DecodeError } from './errors.js';
import { checkZipBudget } from './inflate.js';

export interface DocxToHtmlOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
  /** The document's budget account (its parts are inflated and counted first). @default a meter of the default budget */
  meter?: BudgetMeter | undefined;
}

/** The XML parts of the document mammoth converts (body, notes, headers): held to `maxWordXmlBytes`. */
const WORD_XML = /^word\/[^/]+\.xml$/i;

let mammothModule: Promise<typeof Mammoth> | undefined;
/** mammoth (and jszip under it) is loaded on first use: HTML-only runs never pay for it. */
const loadMammoth = (): Promise<typeof Mammoth> => (mammothModule ??= import('mammoth').then((m) => m.default));

/**
 * Converts a .docx file to HTML (mammoth `convertToHtml`). Throws `NB_PARSE_TOO_LARGE` when its
 * parts inflate past the budget, {@link DecodeError} `NB_PARSE_UNSUPPORTED` when the bytes are not a readable DOCX (corrupt zip, no `word/document.xml`).
 */
export async function docxToHtml(bytes: Uint8Array, opts: DocxToHtmlOptions = {}): Promise<string> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // What the parts really inflate to, counted before mammoth inflates and parses them.
  checkZipBudget(buffer, opts.meter ?? new BudgetMeter(undefined, opts.fileName), (name) => (WORD_XML.test(name) ? 'maxWordXmlBytes' : 'maxEntryBytes'));
  const mammoth = await loadMammoth();
  try {
    const result = await mammoth.convertToHtml(
      { buffer },
      {
        // Images become `<img src="">`: report tables don't need them, and data: URIs are costly.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
        externalFileAccess: false,
        ignoreEmptyParagraphs: true,
      },
    );
    return result.value;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError(
      'NB_PARSE_UNSUPPORTED',
      `looks like a Word (.docx) document but could not be read (${reason}); ` +
        'open it in Word or WPS and save it again as .docx, or find the HTML version of the report.',
      { file: opts.fileName, cause, kind: 'docx', bytes: bytes.byteLength },
    );
  }
}
