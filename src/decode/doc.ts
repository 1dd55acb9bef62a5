/**
 * Word 97–2003 `.doc` (and WPS `.wps` saved in the same binary format) → plain text with
 * word-extractor. The binary format marks the end of a table cell with a control character that
 * word-extractor turns into a tab, and the end of a row the same way, so rows cannot be told
 * apart in its text; every tab becomes a line break instead: a table comes out one cell per line
 * (the paragraphs of a cell joined on its line), the layout `pdftotext` gives and the plain-text
 * reader reads (parsers/text/stream.ts, cell-per-line mode).
 */
import type WordExtractor from 'word-extractor';
import { ENDS_SENTENCE, NUMBERED_LABEL } from '../../parsers/text/stream.js';
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
  // Between two cell marks lies one cell's text: its paragraphs are one cell.
  const segments = body.split('\t');
  for (let k = 1; k < segments.length - 1; k++) segments[k] = joinCellParagraphs(segments[k]!);
  return segments.join('\n');
}

/** A section heading (三、收到和处理政府信息公开申请情况): body text before a table, not part of a cell. */
const SECTION_HEADING = /^\s*[一二三四五六七八九十]+、\S{4,}/;

/**
 * The paragraphs of one table cell on one line ("1.申请人无正当理由逾期不补正、行政机关" +
 * "不再处理其政府信息公开申请"; "结/果/维/持" in a narrow header): a paragraph that ends a
 * sentence (the plain-text reader's ENDS_SENTENCE) or is a section heading, an empty one, and one
 * that opens a numbered label of its own (its NUMBERED_LABEL) keep their line break (the text
 * before a table's first cell is body text).
 */
function joinCellParagraphs(segment: string): string {
  const paragraphs = segment.split('\n');
  if (paragraphs.length < 2) return segment;
  let out = paragraphs[0]!;
  for (let i = 1; i < paragraphs.length; i++) {
    const prev = paragraphs[i - 1]!;
    const p = paragraphs[i]!;
    const join = prev.trim() !== '' && p.trim() !== '' && !ENDS_SENTENCE.test(prev.trim()) && !SECTION_HEADING.test(prev) && !NUMBERED_LABEL.test(p.trim());
    out += join ? ` ${p}` : `\n${p}`;
  }
  return out;
}
