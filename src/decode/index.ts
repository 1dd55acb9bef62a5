/**
 * The decode stage: the bytes of one document (a downloaded page, a file on disk) → HTML or plain text.
 * Recognises the kind of document, refuses what cannot be read with a {@link DecodeError}, converts DOCX
 * to HTML and decodes HTML/text with the right charset.
 */
import { z } from 'zod';
import { BudgetMeter, budgetKey } from '../../parsers/budget.js';
import { decodeBytes, isPriorDecode, type PriorDecode } from './charset.js';
import { docToText } from './doc.js';
import { docxToHtml } from './docx.js';
import { mhtToHtml } from './mht.js';
import { ofdToText } from './ofd.js';
import { OcrCache } from './ocr-cache.js';
import { hasTextLayer, ocrImage, ocrPdf } from './ocr.js';
import { pdfPageTexts } from './pdf.js';
import type { OcrReading } from '../../parsers/ocr.js';
import { DecodeError } from './errors.js';
import { describeKind, detectKind } from './kind.js';

export { decodeBytes, charsetFromContentType, charsetFromMeta, resolveCodec, SAMPLE_BYTES, META_SCAN_BYTES } from './charset.js';
export { isPriorDecode } from './charset.js';
export type { CharsetSource, Codec, DecodeBytesOptions, DecodedBytes, PriorDecode } from './charset.js';
export { detectKind, describeKind, extensionOf, KIND_SAMPLE_BYTES, CONTROL_RATIO_LIMIT } from './kind.js';
export type { DocumentKind } from './kind.js';
export { docxToHtml } from './docx.js';
export { docToText } from './doc.js';
export type { DocToTextOptions } from './doc.js';
export { pdfToText, pdfPageCount, pdfPageTexts } from './pdf.js';
export { ocrImage, ocrPdf, OCR_DPI, OCR_LANGUAGE, OCR_PAGE_TIMEOUT_MS } from './ocr.js';
export type { OcrOptions } from './ocr.js';
export type { PdfToTextOptions } from './pdf.js';
export type { DocxToHtmlOptions } from './docx.js';
export { mhtToHtml } from './mht.js';
export { ofdToText } from './ofd.js';
export type { OfdToTextOptions } from './ofd.js';
export type { MhtToHtmlOptions } from './mht.js';
export { DecodeError } from './errors.js';
export type { DecodeErrorCode } from './errors.js';

/** Default size limit of {@link decodeDocument}: 50 MiB. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export interface DecodeDocumentOptions {
  /**
   * A decode of these very bytes already made: used for an HTML or text document when it was made
   * with the options this one would use (the same `contentType`, `isHtml` for HTML), instead of
   * decoding again. @default undefined
   */
  decoded?: PriorDecode | undefined;
  /** File name or URL of the document: named in error messages and used to tell `.doc` from `.xls`. @default undefined */
  fileName?: string | undefined;
  /** HTTP `Content-Type` of the response (its charset is the first declared candidate). @default undefined */
  contentType?: string | undefined;
  /** Largest input accepted, in bytes; bigger inputs throw `NB_PARSE_TOO_LARGE`. @default the budget's maxInputBytes (50 MiB) */
  maxBytes?: number | undefined;
  /**
   * The document's budget account (parsers/budget.ts): inflated bytes, pages, text, deadline. Over
   * a limit, `NB_PARSE_TOO_LARGE` or `NB_PARSE_TIMEOUT` naming it.
   * @default a meter of the default budget
   */
  meter?: BudgetMeter | undefined;
  /**
   * `auto`: a PDF without a text layer and an image (PNG, JPEG, TIFF, …) are read by OCR (Tesseract);
   * `off`: they are refused (`NB_PARSE_EMPTY`, `NB_PARSE_BINARY`) as when OCR is not wanted.
   * @default 'auto'
   */
  ocr?: 'auto' | 'off' | undefined;
  /** Folder where what OCR read is kept by the crop's hash (src/decode/ocr-cache.ts), so a scan read again is not OCR'd again. @default no cache */
  ocrCacheDir?: string | undefined;
}

export interface DecodedDocument {
  /** What `text` holds: HTML markup (pages and converted DOCX) or plain text. */
  kind: 'html' | 'text';
  text: string;
  /** Charset the bytes were decoded with; null for DOCX and PDF (Unicode inside). */
  charset: string | null;
  /** What the input was. */
  source: 'html' | 'text' | 'docx' | 'pdf' | 'doc' | 'wps' | 'mht' | 'ofd' | 'image';
  /** What OCR read, when the text came from page images (then `text` is its text). */
  ocr?: OcrReading;
}

const optionsSchema = z
  .object({
    fileName: z.string().optional(),
    contentType: z.string().optional(),
    maxBytes: z.number().int().positive().optional(),
    meter: z.custom<BudgetMeter>((v) => v instanceof BudgetMeter).optional(),
    ocr: z.enum(['auto', 'off']).optional(),
    ocrCacheDir: z.string().min(1).optional(),
    decoded: z.custom<PriorDecode>(isPriorDecode).optional(),
  })
  .strict();

const READABLE =
  'only HTML pages, web archives (.mht), plain text, Word .docx and .doc, WPS .wps in the Word format, PDF and OFD files, and images of report pages (by OCR) are read';

const OCR_FOUND_NOTHING = 'was read by OCR but no text was found on its pages; check that the scan shows the report (a blank or unreadable scan).';

function formatSize(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** What to do with a document kind we recognise but do not read. */
function adviceFor(kind: 'xls' | 'rtf'): string {
  switch (kind) {
    case 'rtf':
      return 'open it in Word or WPS and save it as .docx (or `libreoffice --headless --convert-to docx`), then parse the .docx';
    case 'xls':
      return 'export the sheet as HTML or text, or look for the HTML version of the report';
  }
}

/**
 * Reads one document's bytes as HTML or text.
 *
 * - `html`/`text` → decoded with {@link decodeBytes} (BOM → Content-Type charset → `<meta>` → sniffing → UTF-8);
 * - `docx` → HTML via mammoth ({@link docxToHtml}), merged cells as rowspan/colspan;
 * - `pdf` → plain text from its text layer via pdf.js ({@link pdfToText}), one line per text line;
 * - `doc`/`wps` → plain text via word-extractor ({@link docToText}), one table cell per line;
 * - `ofd` → plain text from its text objects ({@link ofdToText}), lines rebuilt from their positions as for a PDF;
 * - `mht` → the HTML of a web archive's page via postal-mime ({@link mhtToHtml}), in its part's charset;
 * - a document over its budget (see `meter`) throws `NB_PARSE_TOO_LARGE` or `NB_PARSE_TIMEOUT` naming the limit;
 * - anything else throws a {@link DecodeError}: `NB_PARSE_TOO_LARGE` (over `maxBytes`), `NB_PARSE_EMPTY`
 *   (no bytes, only whitespace, a DOCX or DOC without text, a PDF without a text layer), `NB_PARSE_UNSUPPORTED`
 *   (XLS, RTF, unreadable DOCX, DOC, WPS, PDF or OFD) or `NB_PARSE_BINARY` (images, archives, other binary data).
 *
 * Invalid options throw a `TypeError`.
 */
export async function decodeDocument(bytes: Uint8Array, opts: DecodeDocumentOptions = {}): Promise<DecodedDocument> {
  const parsed = optionsSchema.safeParse(opts);
  if (!parsed.success) throw new TypeError(`decodeDocument: invalid options: ${z.prettifyError(parsed.error)}`);
  const { fileName, contentType } = parsed.data;
  const ocr = parsed.data.ocr ?? 'off'; // OCR is experimental (README, OCR accuracy): asked for, never by default
  const meter = parsed.data.meter ?? new BudgetMeter(undefined, fileName);
  const cache = parsed.data.ocrCacheDir === undefined ? undefined : new OcrCache(parsed.data.ocrCacheDir);
  const maxBytes = parsed.data.maxBytes ?? meter.budget.maxInputBytes;
  const size = bytes.byteLength;
  const errorOptions = { file: fileName, bytes: size };

  if (size > maxBytes) {
    throw new DecodeError(
      'NB_PARSE_TOO_LARGE',
      `is ${formatSize(size)}, over the limit of ${formatSize(maxBytes)} (budget maxInputBytes, key ${budgetKey(meter.budget)}); a report page is rarely over a few MiB — ` +
        'check that this is the report and not an archive or a scan, or raise it with --max-document-mb (maxBytes) if it really is one.',
      errorOptions,
    );
  }
  /** Extracted text over `maxTextChars` is refused before the parser reads it. */
  const checkText = (text: string): string => {
    meter.check('maxTextChars', text.length, 'characters of text', true);
    return text;
  };

  const kind = detectKind(bytes, fileName, contentType);
  /** The text a converter gave, or `NB_PARSE_EMPTY` with `message` when it holds nothing but whitespace. */
  const withText = (text: string, message: string): string => {
    if (text.trim() === '') throw new DecodeError('NB_PARSE_EMPTY', message, { ...errorOptions, kind });
    return text;
  };
  switch (kind) {
    case 'empty':
      throw new DecodeError(
        'NB_PARSE_EMPTY',
        `is empty (${size === 0 ? 'no bytes' : `${formatSize(size)} of whitespace only`}); ` +
          'check that the download completed and that the URL points to the report itself, not a placeholder page.',
        { ...errorOptions, kind },
      );
    case 'pdf': {
      // Binary bytes only named .pdf (or served as application/pdf): without the header pdf.js
      // spends up to a second looking for one before it gives up.
      if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).indexOf('%PDF-', 0, 'latin1') < 0) {
        throw new DecodeError(
          'NB_PARSE_UNSUPPORTED',
          'is named or served as a PDF but has no PDF header (%PDF-) in its first 1 KB; check the URL or the file (it may be a broken download or another kind of file).',
          { ...errorOptions, kind },
        );
      }
      const pageTexts = await pdfPageTexts(bytes, { fileName, meter });
      const layer = checkText(pageTexts.join('\n\n'));
      // A scan (no text layer), or a PDF of text pages and scanned ones: the scanned pages are read by OCR.
      if (ocr === 'auto' && pageTexts.some((t) => !hasTextLayer(t))) {
        const reading = await ocrPdf(bytes, pageTexts.length, { fileName, meter, pageTexts, cache });
        if (layer.trim() === '')
          return { kind: 'text', text: withText(checkText(reading.text), OCR_FOUND_NOTHING), charset: null, source: 'pdf', ocr: reading };
        // Image pages of a text PDF where OCR found nothing (a blank page, a photo): the text layer as it is.
        if (reading.words > 0) return { kind: 'text', text: checkText(reading.text), charset: null, source: 'pdf', ocr: reading };
      }
      const text = withText(
        layer,
        'is a PDF without a text layer (a scan or images of the tables); it needs OCR (`--ocr auto`) — or look for the HTML or text version of the report.',
      );
      return { kind: 'text', text, charset: null, source: 'pdf' };
    }
    case 'ofd': {
      const text = withText(
        checkText(await ofdToText(bytes, { fileName, meter })),
        'is an OFD document without text (a scan or images of the tables); it needs OCR first — look for the HTML or text version of the report.',
      );
      return { kind: 'text', text, charset: null, source: 'ofd' };
    }
    case 'mht': {
      const page = await mhtToHtml(bytes, { fileName });
      return { kind: page.kind, text: page.text, charset: null, source: 'mht' };
    }
    case 'doc':
    case 'wps': {
      const text = withText(
        checkText(await docToText(bytes, { fileName, kind })),
        `is ${describeKind(kind)} without any text; check that it is the report (it may hold only images).`,
      );
      return { kind: 'text', text, charset: null, source: kind };
    }
    case 'xls':
    case 'rtf':
      throw new DecodeError('NB_PARSE_UNSUPPORTED', `is ${describeKind(kind)}; ${READABLE} — ${adviceFor(kind)}.`, {
        ...errorOptions,
        kind,
      });
    case 'image':
      if (ocr === 'auto') {
        const reading = await ocrImage(bytes, { fileName, meter, cache });
        return { kind: 'text', text: withText(checkText(reading.text), OCR_FOUND_NOTHING), charset: null, source: 'image', ocr: reading };
      }
    // falls through: without OCR an image is not a document
    case 'zip':
    case 'binary':
      throw new DecodeError(
        'NB_PARSE_BINARY',
        `is ${describeKind(kind)}, not a report document; ${READABLE} — ` +
          (kind === 'zip'
            ? 'unpack it and parse the report file inside.'
            : kind === 'image'
              ? 'a scanned report needs OCR (`--ocr auto`); or look for the HTML or text version.'
              : 'check the URL (it may point to a download wrapper or a broken file).'),
        { ...errorOptions, kind },
      );
    case 'docx': {
      const html = await docxToHtml(bytes, { fileName, meter });
      if (html.replace(/<[^>]*>/g, '').trim() === '') {
        throw new DecodeError('NB_PARSE_EMPTY', 'is a Word (.docx) document without any text; check that it is the report (it may hold only images).', {
          ...errorOptions,
          kind,
        });
      }
      return { kind: 'html', text: html, charset: null, source: 'docx' };
    }
    case 'html':
    case 'text': {
      const prior = parsed.data.decoded;
      const decoded =
        prior && prior.contentType === contentType && prior.isHtml === (kind === 'html')
          ? prior.result
          : decodeBytes(bytes, { contentType, isHtml: kind === 'html' });
      if (decoded.text.trim() === '') {
        throw new DecodeError('NB_PARSE_EMPTY', `holds only whitespace once decoded as ${decoded.charset}; check that the download completed.`, {
          ...errorOptions,
          kind,
        });
      }
      // HTML: its visible text is counted by the parser's pre-pass (markup and comments are not text).
      if (kind === 'text') checkText(decoded.text);
      return { kind, text: decoded.text, charset: decoded.charset, source: kind };
    }
  }
}
