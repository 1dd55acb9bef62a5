/**
 * Word 97–2003 `.doc` (and WPS `.wps` saved in the same binary format) → plain text with
 * word-extractor. The binary format marks the end of a table cell with a control character that
 * word-extractor turns into a tab, and the end of a row the same way, so rows cannot be told
 * apart in its text; every tab becomes a line break instead: a table comes out one cell per line
 * (a cell of several paragraphs as several lines), the layout `pdftotext` gives and the
 * plain-text reader reads (parsers/text/stream.ts, cell-per-line mode).
 */
import type WordExtractor from 'word-extractor';
import { DecodeError } from './errors.js';

export interface DocToTextOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
  /** What the file was taken for (`doc` or `wps`), for error messages. @default 'doc' */
  kind?: 'doc' | 'wps';
}

let extractorModule: Promise<typeof WordExtractor> | undefined;
/** word-extractor is loaded on first use: runs that never meet a .doc never pay for it. */
const loadExtractor = (): Promise<typeof WordExtractor> => (extractorModule ??= import('word-extractor').then((m) => m.default));

/**
 * The body text of a `.doc`/`.wps` file, one table cell per line. Throws {@link DecodeError}
 * `NB_PARSE_UNSUPPORTED` when word-extractor cannot read it (another OLE format such as an old
 * WPS file or a spreadsheet, or a damaged file). An empty result is returned as `''` (the caller
 * decides what an empty document is).
 */
export async function docToText(bytes: Uint8Array, opts: DocToTextOptions = {}): Promise<string> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = opts.kind ?? 'doc';
  const Extractor = await loadExtractor();
  let body: string;
  try {
    body = (await new Extractor().extract(buffer)).getBody();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError(
      'NB_PARSE_UNSUPPORTED',
      `looks like a ${kind === 'wps' ? 'WPS (.wps)' : 'Word 97–2003 (.doc)'} document but could not be read (${reason}); ` +
        'open it in Word or WPS and save it as .docx (or `libreoffice --headless --convert-to docx`), or find the HTML version of the report.',
      { file: opts.fileName, cause, kind, bytes: bytes.byteLength },
    );
  }
  return body.replace(/\t/g, '\n');
}
