/**
 * Output formats for query results: aligned text table (CJK-aware: a wide character takes two
 * columns), CSV (RFC 4180: CRLF, quotes doubled, optional UTF-8 BOM for Excel), JSON and JSONL.
 * Writers are incremental so large exports stream.
 */

import { terminalSafe } from './terminal-safe.js';

export type OutputFormat = 'table' | 'csv' | 'json' | 'jsonl';

/** Terminal columns a code point takes: 2 for East Asian Wide/Fullwidth, 0 for combining marks. */
export function charWidth(cp: number): number {
  if (cp === 0) return 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  // Combining marks, zero-width space/joiners, variation selectors.
  if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x20d0 && cp <= 0x20ff)) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, Kangxi, CJK symbols and punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // Hiragana … CJK compatibility
    (cp >= 0x3400 && cp <= 0x4dbf) || // CJK Extension A
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK Unified Ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) || // Yi
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xff60) || // Fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // emoji
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd) // CJK Extensions B…
  ) {
    return 2;
  }
  return 1;
}

/** Display width of a string in terminal columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** Text of a value in table/CSV output: null → '', numbers as JavaScript prints them. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  return String(v);
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return right ? fill + s : s + fill;
}

/**
 * An aligned text table. Numeric columns are right-aligned; control characters in values
 * are shown visibly (`terminalSafe`, ESC as ␛) so untrusted text cannot move the cursor.
 */
export function formatTable(columns: string[], rows: unknown[][], options: { maxWidth?: number } = {}): string {
  const maxWidth = options.maxWidth ?? 60;
  const clip = (s: string): string => {
    const clean = terminalSafe(s, { oneLine: true }).replace(/\t/g, ' ');
    if (displayWidth(clean) <= maxWidth) return clean;
    let out = '';
    let w = 0;
    for (const ch of clean) {
      const cw = charWidth(ch.codePointAt(0) ?? 0);
      if (w + cw > maxWidth - 1) break;
      out += ch;
      w += cw;
    }
    return `${out}…`;
  };
  const text = rows.map((r) => r.map((v) => clip(cellText(v))));
  const head = columns.map(clip);
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number' || typeof r[i] === 'bigint'));
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...text.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0, numeric[i] ?? false))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of text) out.push(line(r));
  return `${out.join('\n')}\n`;
}

/** One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF. */
export function csvField(v: unknown): string {
  const s = cellText(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record with its CRLF terminator. */
export function csvRecord(values: unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** JSON-safe value (bigint → number when safe, else string; buffers → base64). */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

/** Writes rows incrementally in one of the formats. `write` receives the text chunks. */
export class RowWriter {
  #n = 0;
  #tableRows: unknown[][] = [];
  constructor(
    readonly format: OutputFormat,
    readonly columns: string[],
    readonly write: (chunk: string) => void,
    readonly options: { bom?: boolean; header?: boolean } = {},
  ) {
    if (format === 'csv') {
      if (options.bom) write('\uFEFF');
      if (options.header !== false) write(csvRecord(columns));
    } else if (format === 'json') {
      write('[');
    }
  }

  /** Adds one row (values in column order). */
  row(values: unknown[]): void {
    switch (this.format) {
      case 'csv':
        this.write(csvRecord(values));
        break;
      case 'json':
      case 'jsonl': {
        const obj: Record<string, unknown> = {};
        this.columns.forEach((c, i) => (obj[c] = jsonValue(values[i] ?? null)));
        const text = JSON.stringify(obj);
        if (this.format === 'jsonl') this.write(`${text}\n`);
        else this.write(`${this.#n === 0 ? '\n' : ',\n'}${text}`);
        break;
      }
      case 'table':
        this.#tableRows.push(values);
        break;
    }
    this.#n++;
  }

  /** Finishes the output; returns the number of rows written. */
  end(): number {
    if (this.format === 'json') this.write(this.#n === 0 ? ']\n' : '\n]\n');
    if (this.format === 'table') this.write(formatTable(this.columns, this.#tableRows));
    return this.#n;
  }
}
