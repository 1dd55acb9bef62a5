/**
 * Mutation operators for the parser fuzzer. Each operator damages one corpus document in one way
 * (HTML pages and pipe text have their own sets) and returns a one-line description, or null when
 * it does not apply to the document as it is now (the engine then picks another one).
 *
 * Two kinds of operators:
 * - damage (truncations, deleted/duplicated/shuffled cells and rows, hostile spans, deep nesting,
 *   junk and random bytes, mixed and lying encodings, removed labels…): the document still means
 *   the original numbers, so every table number the parser returns must equal the original one or
 *   be flagged by a finding. These operators never write a digit or other number syntax into the
 *   document (see JUNK_CHARS and RANDOM_BYTE_POOL), so they cannot make a new legitimate number.
 * - value edits (`editValue`, always the first operator of a case): one table cell really says a
 *   different number; the engine locates the cell's canonical key with a sentinel probe and the
 *   oracle expects the new number there.
 */
import iconv from 'iconv-lite';
import { isValueText } from '../../parsers/number.js';
import type { Rng } from './prng.js';

export type DocKind = 'html' | 'text';

/** How the final text is turned into bytes. */
export type EncodingPlan =
  | { kind: 'utf8' }
  /** A UTF-8 page with the characters in [start, end) written in GBK. */
  | { kind: 'gbk-splice'; start: number; end: number }
  /** The whole page in GBK (whatever it declares). */
  | { kind: 'gbk' }
  /** UTF-8 with a byte-order mark. */
  | { kind: 'utf8-bom' };

export type ByteOp = { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'truncate'; at: number };

/** The document while it is being mutated. */
export interface MutationState {
  kind: DocKind;
  source: string;
  encoding: EncodingPlan;
  /** Applied after encoding, in order; positions are fractions of the length at that point. */
  byteOps: ByteOp[];
  fileName: string | undefined;
  contentType: string | undefined;
}

export type Operator = (s: MutationState, rng: Rng) => string | null;

// ---------------------------------------------------------------------------------------------
// Junk that can never form a number

/**
 * Characters of inserted junk: letters, CJK, markup and pipe characters, spaces of every kind,
 * placeholders — but no digit, no '.', ',', '+', '-' and none of 增减万元 (number syntax), so junk
 * can break a number but never make a different one.
 */
const JUNK_CHARS = [
  ...'abcXYZ_<>/&;"\'=|#!?*~()[]{}:@',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  '\u3000',
  '\u200b',
  '\ufeff',
  '\u202e',
  ...'的了是在政府信息公开申请规章行政许可处罚总计合计其他结果维持纠正（）【】《》、。：；？！',
  '—',
  '／',
  '\ud83d\ude00',
  '\ufffd',
];
/** Random bytes never include ASCII digits or + , - . (0x2b–0x39). */
export const RANDOM_BYTE_POOL: readonly number[] = Array.from({ length: 256 }, (_, i) => i).filter((b) => b < 0x2b || b > 0x39);

function junk(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += rng.pick(JUNK_CHARS);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.pick(RANDOM_BYTE_POOL);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Locating structure in the current source (regex scans: the source may already be damaged)

export interface Span {
  start: number;
  end: number;
}

function scan(source: string, re: RegExp, within?: Span): Span[] {
  const out: Span[] = [];
  const from = within?.start ?? 0;
  const text = within ? source.slice(within.start, within.end) : source;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) out.push({ start: from + m.index, end: from + m.index + m[0].length });
  return out;
}

const TABLE_RE = /<table\b[^>]*>[\s\S]*?<\/table\s*>/gi;
const ROW_RE = /<tr\b[^>]*>[\s\S]*?<\/tr\s*>/gi;
const CELL_RE = /<t[dh]\b[^>]*>[\s\S]*?<\/t[dh]\s*>/gi;

export const htmlTables = (s: string): Span[] => scan(s, TABLE_RE);
export const htmlRows = (s: string, table?: Span): Span[] => scan(s, ROW_RE, table);
export const htmlCells = (s: string, within?: Span): Span[] => scan(s, CELL_RE, within);

/** Offsets of the text characters of an HTML fragment (outside tags), with entities read as one character. */
function htmlTextChars(source: string, span: Span): { at: number; ch: string }[] {
  const out: { at: number; ch: string }[] = [];
  let i = span.start;
  while (i < span.end) {
    const c = source[i]!;
    if (c === '<') {
      const close = source.indexOf('>', i);
      i = close < 0 || close >= span.end ? span.end : close + 1;
      continue;
    }
    if (c === '&') {
      const m = /^&(?:nbsp|#160|#xa0);/i.exec(source.slice(i, i + 8));
      if (m) {
        out.push({ at: i, ch: ' ' });
        i += m[0].length;
        continue;
      }
    }
    out.push({ at: i, ch: c });
    i++;
  }
  return out;
}

/** The opening tag's end and the closing tag's start of an element span. */
function innerOf(source: string, el: Span): Span {
  const open = source.indexOf('>', el.start) + 1;
  const close = source.lastIndexOf('</', el.end - 1);
  return { start: open, end: close >= open ? close : el.end };
}

const PLAIN_INTEGER = /^\d{1,12}$/;

/** A table cell holding one plain integer, with the source offsets of its digits. */
export interface ValueCell {
  span: Span;
  text: string;
  digits: number[];
}

/** HTML value cells: td/th whose text (tags and &nbsp; dropped, trimmed) is a plain integer. */
export function htmlValueCells(source: string): ValueCell[] {
  const out: ValueCell[] = [];
  for (const table of htmlTables(source)) {
    for (const cell of htmlCells(source, table)) {
      const chars = htmlTextChars(source, innerOf(source, cell));
      const text = chars
        .map((c) => c.ch)
        .join('')
        .replace(/[\s\u00a0\u3000]+/g, '');
      if (!PLAIN_INTEGER.test(text)) continue;
      out.push({ span: cell, text, digits: chars.filter((c) => /\d/.test(c.ch)).map((c) => c.at) });
    }
  }
  return out;
}

/** Lines of a text with their offsets (the line break not included). */
export function textLines(source: string): Span[] {
  const out: Span[] = [];
  const re = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  for (const m of source.matchAll(re)) {
    if (m[0] === '' && m.index >= source.length) break;
    const body = m[0].replace(/(?:\r\n|\r|\n)$/, '');
    out.push({ start: m.index, end: m.index + body.length });
  }
  return out;
}

const isPipeLine = (source: string, line: Span) => /\|\s*$/.test(source.slice(line.start, line.end));

/** Pipe-text cells ("text |" segments) with their spans (the text only, without the pipe). */
export function pipeSegments(source: string): Span[] {
  const out: Span[] = [];
  for (const line of textLines(source)) {
    if (!isPipeLine(source, line)) continue;
    let from = line.start;
    for (let i = line.start; i < line.end; i++) {
      if (source[i] !== '|') continue;
      out.push({ start: from, end: i });
      from = i + 1;
    }
  }
  return out;
}

/** Pipe-text value cells: a segment that is one plain integer. */
export function textValueCells(source: string): ValueCell[] {
  return pipeSegments(source).flatMap((seg) => {
    const raw = source.slice(seg.start, seg.end);
    const text = raw.replace(/[\s\u00a0\u3000]+/g, '');
    if (!PLAIN_INTEGER.test(text)) return [];
    const digits: number[] = [];
    for (let i = seg.start; i < seg.end; i++) if (/\d/.test(source[i]!)) digits.push(i);
    return [{ span: seg, text, digits }];
  });
}

export function valueCells(s: { kind: DocKind; source: string }): ValueCell[] {
  return s.kind === 'html' ? htmlValueCells(s.source) : textValueCells(s.source);
}

/** A label cell: a table cell whose text does not read as a value (number with unit, blank, placeholder). */
function labelCells(s: MutationState): Span[] {
  if (s.kind === 'html') {
    return htmlTables(s.source).flatMap((t) =>
      htmlCells(s.source, t)
        .map((c) => innerOf(s.source, c))
        .filter(
          (inner) =>
            !isValueText(
              htmlTextChars(s.source, inner)
                .map((c) => c.ch)
                .join('')
                .trim(),
            ),
        ),
    );
  }
  return pipeSegments(s.source).filter((seg) => !isValueText(s.source.slice(seg.start, seg.end).trim()));
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const splice = (s: MutationState, start: number, end: number, insert: string) => {
  s.source = s.source.slice(0, start) + insert + s.source.slice(end);
};

/** Applies many non-overlapping edits in one pass (a loop of splices is quadratic on big inputs). */
function spliceMany(s: MutationState, edits: { start: number; end: number; insert: string }[]): void {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const e of sorted) {
    parts.push(s.source.slice(at, e.start), e.insert);
    at = e.end;
  }
  parts.push(s.source.slice(at));
  s.source = parts.join('');
}

const preview = (text: string, n = 24) => JSON.stringify(text.length > n ? `${text.slice(0, n)}…` : text);

/** A position biased towards the tables (where the numbers are), else anywhere. */
function position(s: MutationState, rng: Rng): number {
  if (s.kind === 'html' && rng.chance(0.7)) {
    const tables = htmlTables(s.source);
    if (tables.length) {
      const t = rng.pick(tables);
      return rng.range(t.start, t.end);
    }
  }
  if (s.kind === 'text' && rng.chance(0.7)) {
    const segs = pipeSegments(s.source);
    if (segs.length) {
      const seg = rng.pick(segs);
      return rng.range(seg.start, seg.end + 1);
    }
  }
  return rng.int(s.source.length + 1);
}

/** A shuffled order of 0…n-1 that is not the identity (n ≥ 2). */
function derange(rng: Rng, n: number): number[] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  return order.every((k, i) => k === i) ? order.reverse() : order;
}

/** Moves a position out of a tag or entity (so inserted text is text, not attribute noise). */
function textPosition(source: string, at: number): number {
  const lt = source.lastIndexOf('<', at - 1);
  const gt = source.lastIndexOf('>', at - 1);
  if (lt > gt) {
    const close = source.indexOf('>', at);
    return close < 0 ? source.length : close + 1;
  }
  return at;
}

// ---------------------------------------------------------------------------------------------
// Value edits (the one kind of mutation that changes what a cell says)

export type EditKind = 'replace' | 'swap' | 'delete' | 'insert' | 'blank';

export interface PlannedEdit {
  cell: ValueCell;
  kind: EditKind;
  /** The cell's number after the edit ('' when blanked). */
  to: string;
  /** Source with only the edit applied. */
  edited: string;
  /** Source with the cell's number replaced by the sentinel (to find its canonical key). */
  probe: string;
}

/** A number that occurs in no corpus table: the cell that reads it is the edited cell. */
export const SENTINEL = '9081726';

function rewriteDigits(source: string, cell: ValueCell, digits: string): string {
  // Put the new digits where the first digit was and remove the others (they may sit in several text nodes).
  let out = source;
  for (let i = cell.digits.length - 1; i >= 0; i--) {
    const at = cell.digits[i]!;
    out = out.slice(0, at) + (i === 0 ? digits : '') + out.slice(at + 1);
  }
  return out;
}

/** Plans a digit edit of one value cell (replace, swap, delete or insert a digit, or blank the cell). */
export function planEdit(kind: DocKind, source: string, rng: Rng): PlannedEdit | null {
  const cells = valueCells({ kind, source });
  if (cells.length === 0) return null;
  for (let attempt = 0; attempt < 8; attempt++) {
    const cell = rng.pick(cells);
    const d = cell.text.split('');
    const editKind = rng.weighted<EditKind>([
      ['replace', 4],
      ['swap', 2],
      ['delete', 1],
      ['insert', 1],
      ['blank', 1],
    ]);
    const i = rng.int(d.length);
    if (editKind === 'replace') d[i] = String((Number(d[i]) + 1 + rng.int(9)) % 10);
    else if (editKind === 'swap') {
      if (d.length < 2) continue;
      const j = Math.min(i, d.length - 2);
      [d[j], d[j + 1]] = [d[j + 1]!, d[j]!];
    } else if (editKind === 'delete') {
      if (d.length < 2) continue;
      d.splice(i, 1);
    } else if (editKind === 'insert') d.splice(i, 0, String(rng.int(10)));
    const to = editKind === 'blank' ? '' : d.join('');
    if (editKind !== 'blank' && Number(to) === Number(cell.text)) continue;
    return { cell, kind: editKind, to, edited: rewriteDigits(source, cell, to), probe: rewriteDigits(source, cell, SENTINEL) };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Operators shared by both kinds

const truncate: Operator = (s, rng) => {
  const at = position(s, rng);
  if (at >= s.source.length) return null;
  splice(s, at, s.source.length, '');
  return `cut at char ${at}`;
};

const truncateBytes: Operator = (s, rng) => {
  const at = rng.next();
  s.byteOps.push({ kind: 'truncate', at });
  return `cut at ${(at * 100).toFixed(1)}% of the bytes`;
};

const insertJunk: Operator = (s, rng) => {
  const at = s.kind === 'html' && rng.chance(0.5) ? textPosition(s.source, position(s, rng)) : position(s, rng);
  const text = junk(rng, rng.range(1, 40));
  splice(s, at, at, text);
  return `${preview(text)} at ${at}`;
};

const insertRandomBytes: Operator = (s, rng) => {
  const n = rng.weighted([
    [rng.range(1, 8), 3],
    [rng.range(9, 200), 2],
    [rng.range(1000, 20000), 1],
  ]);
  const at = rng.chance(0.7) ? position(s, rng) / Math.max(1, s.source.length) : rng.next();
  s.byteOps.push({ kind: 'insert', at, bytes: randomBytes(rng, n) });
  return `${n} bytes at ${(at * 100).toFixed(1)}%`;
};

const mixedEncoding: Operator = (s, rng) => {
  if (s.encoding.kind !== 'utf8') return null;
  const len = s.source.length;
  if (len < 2) return null;
  let start: number;
  let end: number;
  if (s.kind === 'html' && rng.chance(0.5)) {
    const tables = htmlTables(s.source);
    const cells = tables.length ? htmlCells(s.source, rng.pick(tables)) : [];
    if (cells.length) {
      const a = rng.int(cells.length);
      const b = Math.min(cells.length - 1, a + rng.range(0, 30));
      start = cells[a]!.start;
      end = cells[b]!.end;
    } else {
      start = rng.int(len);
      end = Math.min(len, start + rng.range(1, 4000));
    }
  } else {
    start = rng.int(len);
    end = Math.min(len, start + rng.range(1, 4000));
  }
  s.encoding = { kind: 'gbk-splice', start, end };
  return `chars ${start}–${end} written in GBK inside UTF-8`;
};

const LYING_CHARSETS = ['gbk', 'gb2312', 'big5', 'shift_jis', 'iso-8859-1', 'windows-1252', 'utf-16le', 'euc-kr', 'koi8-r', 'no-such-charset'];

const lyingCharset: Operator = (s, rng) => {
  const variant = rng.int(s.kind === 'html' ? 4 : 2);
  const label = rng.pick(LYING_CHARSETS);
  if (variant === 0) {
    s.contentType = `${s.kind === 'html' ? 'text/html' : 'text/plain'}; charset=${label}`;
    return `Content-Type charset=${label}`;
  }
  if (variant === 1) {
    if (s.encoding.kind !== 'utf8') return null;
    s.encoding = rng.chance(0.5) ? { kind: 'gbk' } : { kind: 'utf8-bom' };
    if (s.encoding.kind === 'gbk' && rng.chance(0.5)) s.contentType = `text/${s.kind === 'html' ? 'html' : 'plain'}; charset=utf-8`;
    return s.encoding.kind === 'gbk' ? `whole document in GBK${s.contentType ? ' served as utf-8' : ''}` : 'UTF-8 with BOM';
  }
  if (variant === 2) {
    const m = /<meta[^>]*charset\s*=\s*["']?([\w-]+)/i.exec(s.source);
    if (m) {
      const at = m.index + m[0].length - m[1]!.length;
      splice(s, at, at + m[1]!.length, label);
    } else {
      const head = s.source.search(/<head\b[^>]*>/i);
      const at = head < 0 ? 0 : s.source.indexOf('>', head) + 1;
      splice(s, at, at, `<meta charset="${label}">`);
    }
    return `<meta charset> says ${label}`;
  }
  const at = Math.min(s.source.length, rng.int(2048));
  splice(s, at, at, `<meta http-equiv="Content-Type" content="text/html; charset=${label}">`);
  return `http-equiv charset ${label} at ${at}`;
};

const misname: Operator = (s, rng) => {
  const name = rng.pick([undefined, 'report.txt', 'report.html', 'report', 'report.htm?x=1', 'report.xml', 'report.pdf', 'report.doc', 'report.docx']);
  s.fileName = name;
  return `file name ${name ?? '(none)'}`;
};

// ---------------------------------------------------------------------------------------------
// HTML operators

function pickTable(s: MutationState, rng: Rng): Span | null {
  const tables = htmlTables(s.source);
  return tables.length ? rng.pick(tables) : null;
}

function pickCell(s: MutationState, rng: Rng): Span | null {
  const t = pickTable(s, rng);
  if (!t) return null;
  const cells = htmlCells(s.source, t);
  return cells.length ? rng.pick(cells) : null;
}

function pickRow(s: MutationState, rng: Rng): { table: Span; rows: Span[]; row: Span } | null {
  const t = pickTable(s, rng);
  if (!t) return null;
  const rows = htmlRows(s.source, t);
  return rows.length ? { table: t, rows, row: rng.pick(rows) } : null;
}

const deleteCell: Operator = (s, rng) => {
  const c = pickCell(s, rng);
  if (!c) return null;
  const text = s.source.slice(c.start, c.end);
  splice(s, c.start, c.end, '');
  return `cell ${preview(text.replace(/<[^>]*>/g, ''))} at ${c.start}`;
};

const duplicateCell: Operator = (s, rng) => {
  const c = pickCell(s, rng);
  if (!c) return null;
  const text = s.source.slice(c.start, c.end);
  splice(s, c.end, c.end, text);
  return `cell ${preview(text.replace(/<[^>]*>/g, ''))} at ${c.start}`;
};

const deleteRow: Operator = (s, rng) => {
  const r = pickRow(s, rng);
  if (!r) return null;
  const text = s.source.slice(r.row.start, r.row.end);
  splice(s, r.row.start, r.row.end, '');
  return `row ${preview(
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  )}`;
};

const duplicateRow: Operator = (s, rng) => {
  const r = pickRow(s, rng);
  if (!r) return null;
  const text = s.source.slice(r.row.start, r.row.end);
  const at = rng.chance(0.5) ? r.row.end : r.row.start;
  splice(s, at, at, text);
  return `row ${preview(
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  )} ${at === r.row.start ? 'before' : 'after'} itself`;
};

const shuffleRows: Operator = (s, rng) => {
  const r = pickRow(s, rng);
  if (!r || r.rows.length < 2) return null;
  const from = rng.int(r.rows.length - 1);
  const to = Math.min(r.rows.length, from + rng.range(2, 8));
  const window = r.rows.slice(from, to);
  const texts = window.map((w) => s.source.slice(w.start, w.end));
  const order = derange(rng, texts.length);
  // Rows of the window are adjacent up to whitespace: rebuild the window from the first to the last.
  const start = window[0]!.start;
  const end = window[window.length - 1]!.end;
  const gaps = window.slice(1).map((w, i) => s.source.slice(window[i]!.end, w.start));
  let rebuilt = '';
  order.forEach((k, i) => {
    rebuilt += texts[k]! + (gaps[i] ?? '');
  });
  splice(s, start, end, rebuilt);
  return `rows ${from}–${to - 1} in order ${order.join(',')}`;
};

const swapRows: Operator = (s, rng) => {
  const r = pickRow(s, rng);
  if (!r || r.rows.length < 2) return null;
  const i = rng.int(r.rows.length);
  let j = rng.int(r.rows.length - 1);
  if (j >= i) j++;
  const [a, b] = i < j ? [r.rows[i]!, r.rows[j]!] : [r.rows[j]!, r.rows[i]!];
  const ta = s.source.slice(a.start, a.end);
  const tb = s.source.slice(b.start, b.end);
  s.source = s.source.slice(0, a.start) + tb + s.source.slice(a.end, b.start) + ta + s.source.slice(b.end);
  return `rows ${Math.min(i, j)} and ${Math.max(i, j)}`;
};

const blankLabel: Operator = (s, rng) => {
  const labels = labelCells(s);
  if (!labels.length) return null;
  const l = rng.pick(labels);
  const text = s.source.slice(l.start, l.end);
  splice(s, l.start, l.end, rng.chance(0.5) ? '' : '<p>&nbsp;</p>');
  return `label ${preview(text.replace(/<[^>]*>/g, ''))} removed`;
};

const corruptLabel: Operator = (s, rng) => {
  const labels = labelCells(s);
  if (!labels.length) return null;
  const l = rng.pick(labels);
  const chars = s.kind === 'html' ? htmlTextChars(s.source, l).filter((c) => c.ch.trim() !== '') : [];
  const at = chars.length ? rng.pick(chars).at : rng.range(l.start, l.end);
  const text = junk(rng, rng.range(1, 3));
  splice(s, at, at, text);
  return `${preview(text)} inside label at ${at}`;
};

const HOSTILE_SPANS = ['100000', '100000', '2147483648', '1e9', '0', '-1', 'abc', '99999999999999999999', ' 100000 ', '100000.5'];

const hugeSpan: Operator = (s, rng) => {
  const t = pickTable(s, rng);
  if (!t) return null;
  const cells = htmlCells(s.source, t);
  if (!cells.length) return null;
  const all = rng.chance(0.15);
  const attr = rng.pick(['rowspan', 'colspan', 'both'] as const);
  const value = rng.pick(HOSTILE_SPANS);
  const targets = all ? cells : [rng.pick(cells)];
  spliceMany(
    s,
    targets.map((c) => {
      const openEnd = s.source.indexOf('>', c.start);
      let open = s.source.slice(c.start, openEnd);
      for (const a of attr === 'both' ? ['rowspan', 'colspan'] : [attr]) {
        const re = new RegExp(`\\s${a}\\s*=\\s*("[^"]*"|'[^']*'|[^\\s>]+)`, 'i');
        open = re.test(open) ? open.replace(re, ` ${a}="${value}"`) : `${open} ${a}="${value}"`;
      }
      return { start: c.start, end: openEnd, insert: open };
    }),
  );
  return `${attr}="${value}" on ${all ? `all ${cells.length} cells of a table` : 'one cell'}`;
};

const deepNesting: Operator = (s, rng) => {
  const depth = rng.pick([10000, 10000, 5000, 2000]);
  const variant = rng.int(5);
  if (variant === 0) {
    // Balanced div/span around one cell's content.
    const c = pickCell(s, rng);
    if (!c) return null;
    const inner = innerOf(s.source, c);
    splice(s, inner.end, inner.end, '</span></div>'.repeat(depth));
    splice(s, inner.start, inner.start, '<div><span>'.repeat(depth));
    return `${depth}× <div><span> around a cell's content`;
  }
  const at = textPosition(s.source, position(s, rng));
  if (variant === 1) {
    splice(s, at, at, '<div>'.repeat(depth));
    return `${depth} unclosed <div> at ${at}`;
  }
  if (variant === 2) {
    splice(s, at, at, '<b><i>'.repeat(depth / 2));
    return `${depth} unclosed inline tags at ${at}`;
  }
  if (variant === 3) {
    const n = Math.min(depth, 2000);
    splice(s, at, at, `${'<table><tr><td>'.repeat(n)}x${'</td></tr></table>'.repeat(n)}`);
    return `${n} nested tables at ${at}`;
  }
  splice(s, at, at, `${'<div>'.repeat(depth)}${'</div>'.repeat(depth)}`);
  return `${depth} balanced empty <div> at ${at}`;
};

const dropClosingTags: Operator = (s, rng) => {
  const tag = rng.pick(['td', 'tr', 'p', 'span', 'table', 'tbody', 'div', 't[dh]|tr']);
  const re = new RegExp(`</(?:${tag})\\s*>`, 'gi');
  const all = scan(s.source, re);
  if (!all.length) return null;
  const every = rng.chance(0.3);
  const chosen = every
    ? all
    : rng
        .shuffle([...all])
        .slice(0, rng.range(1, Math.min(5, all.length)))
        .sort((a, b) => a.start - b.start);
  spliceMany(
    s,
    chosen.map((m) => ({ start: m.start, end: m.end, insert: '' })),
  );
  return `${chosen.length} closing </${tag}> removed`;
};

/** Tables nested `n` deep around one letter: a table dropped inside a number's run of text. */
const nestedTables = (n: number) => `${'<table><tr><td>'.repeat(n)}x${'</td></tr></table>'.repeat(n)}`;
const SPLITTERS = [
  '</span><span>',
  '<!-- -->',
  '<span></span>',
  '<o:p></o:p>',
  '&nbsp;',
  '<br>',
  '<wbr>',
  '\u200b',
  '<font>&nbsp;</font>',
  '\n',
  nestedTables(1),
  nestedTables(2000),
];

/**
 * Markup between the digits of a number: the number must read the same (the oracle checks it
 * exactly: a finding does not excuse a changed value in a case that only split numbers).
 */
const splitNumber: Operator = (s, rng) => {
  const cells = htmlValueCells(s.source).filter((c) => c.digits.length >= 2);
  if (!cells.length) return null;
  const c = rng.pick(cells);
  const k = rng.range(1, c.digits.length - 1);
  const at = c.digits[k]!;
  const what = rng.pick(SPLITTERS);
  splice(s, at, at, what);
  const shown = what.length > 40 ? `${what.split('<table>').length - 1} nested tables` : JSON.stringify(what);
  return `${shown} inside ${c.text}`;
};

const UNCLOSED = ['<!--', '<script>', '<textarea>', '<style>', '<title>', '<noscript>', '<![CDATA[', '<xmp>', '<plaintext>', '<svg>', '<select>'];

/**
 * An unclosed comment, <script>, <textarea>… between rows, before a table or in the prose: it
 * hides what follows (up to the end, or until a parent closes it). Never inside a cell: markup
 * that hides a cell's number up to its </td> shows a blank cell, a legitimate different table.
 */
const unclosedRaw: Operator = (s, rng) => {
  const tables = htmlTables(s.source);
  const inTable = (i: number) => tables.some((t) => i > t.start && i < t.end);
  const spots = [
    ...scan(s.source, /<(?:tr|table)\b|<\/table\s*>/gi).map((m) => m.start),
    ...scan(s.source, /<p\b/gi)
      .map((m) => m.start)
      .filter((i) => !inTable(i)),
  ];
  const at = spots.length && rng.chance(0.8) ? rng.pick(spots) : textPosition(s.source, rng.int(s.source.length + 1));
  if (!spots.includes(at) && inTable(at)) return null;
  const what = rng.pick(UNCLOSED);
  splice(s, at, at, what);
  return `${what} at ${at}`;
};

const duplicateTable: Operator = (s, rng) => {
  const t = pickTable(s, rng);
  // Copying a table some other operator already blew up would only stack the sizes.
  if (!t || t.end - t.start > 100_000) return null;
  const text = s.source.slice(t.start, t.end);
  const at = rng.chance(0.5) ? t.end : rng.chance(0.5) ? t.start : textPosition(s.source, rng.int(s.source.length + 1));
  splice(s, at, at, text);
  return `table at ${t.start} copied to ${at}`;
};

const deleteTable: Operator = (s, rng) => {
  const t = pickTable(s, rng);
  if (!t) return null;
  splice(s, t.start, t.end, '');
  return `table at ${t.start}`;
};

const hugeStructure: Operator = (s, rng) => {
  const t = pickTable(s, rng);
  if (!t) return null;
  const rows = htmlRows(s.source, t);
  const at = rows.length ? rng.pick(rows).end : s.source.indexOf('>', t.start) + 1;
  const variant = rng.int(3);
  if (variant === 0) {
    const n = rng.pick([2000, 5000, 10000]);
    splice(s, at, at, `<tr>${'<td></td>'.repeat(n)}</tr>`);
    return `a row of ${n} empty cells`;
  }
  if (variant === 1) {
    const n = rng.pick([2000, 5000]);
    splice(s, at, at, '<tr><td>&nbsp;</td></tr>'.repeat(n));
    return `${n} empty rows`;
  }
  const n = 1000;
  splice(s, at, at, `<tr>${'<td rowspan="100000" colspan="100000">—</td>'.repeat(4)}</tr>`.repeat(n / 4));
  return `${n} cells with rowspan=colspan=100000`;
};

const bigFiller: Operator = (s, rng) => {
  const at = textPosition(s.source, rng.int(s.source.length + 1));
  const mb = rng.pick([1, 2, 4]);
  const para = `<p>${'政府信息公开工作'.repeat(30)}</p>\n`;
  splice(s, at, at, para.repeat(Math.ceil((mb * 1024 * 1024) / Buffer.byteLength(para))));
  return `${mb} MiB of prose at ${at}`;
};

// ---------------------------------------------------------------------------------------------
// Pipe-text operators

function pickLine(s: MutationState, rng: Rng, pipeOnly = false): Span | null {
  const lines = textLines(s.source).filter((l) => l.end > l.start && (!pipeOnly || isPipeLine(s.source, l)));
  return lines.length ? rng.pick(lines) : null;
}

const lineBreakAfter = (source: string, line: Span): number => {
  if (source.startsWith('\r\n', line.end)) return line.end + 2;
  if (source[line.end] === '\n' || source[line.end] === '\r') return line.end + 1;
  return line.end;
};

const deleteLine: Operator = (s, rng) => {
  const l = pickLine(s, rng, rng.chance(0.8));
  if (!l) return null;
  const text = s.source.slice(l.start, l.end);
  splice(s, l.start, lineBreakAfter(s.source, l), '');
  return `line ${preview(text)}`;
};

const duplicateLine: Operator = (s, rng) => {
  const l = pickLine(s, rng, rng.chance(0.8));
  if (!l) return null;
  const text = s.source.slice(l.start, l.end);
  splice(s, l.start, l.start, `${text}\n`);
  return `line ${preview(text)}`;
};

type LineKind = 'label' | 'values' | 'mixed' | 'prose';

function lineKind(text: string): LineKind {
  if (!/\|\s*$/.test(text)) return 'prose';
  const cells = text
    .split('|')
    .slice(0, -1)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const values = cells.filter((c) => /^[\d\s.,+\-—/无]*$/.test(c)).length;
  if (values === 0) return cells.length === 0 ? 'values' : 'label';
  return values === cells.length ? 'values' : 'mixed';
}

/**
 * The rows of a pipe text as groups of lines: label lines with the value (and bare) lines after
 * them. In one-cell-per-line text the line order is the only thing that ties a value to its
 * column, so shuffling single lines would rewrite the table (swap two values of a row); shuffling
 * whole groups moves rows, as shuffling <tr> does in HTML.
 */
export function rowGroups(source: string): Span[] {
  const groups: Span[] = [];
  let current: Span | null = null;
  let hasValues = false;
  for (const line of textLines(source)) {
    const text = source.slice(line.start, line.end);
    if (text.trim() === '') continue;
    const kind = lineKind(text);
    const startsGroup = current === null || kind === 'prose' || kind === 'mixed' || (kind === 'label' && hasValues);
    if (startsGroup) {
      if (current) groups.push(current);
      current = { start: line.start, end: line.end };
      hasValues = kind === 'mixed' || kind === 'values';
      if (kind === 'prose' || kind === 'mixed') {
        groups.push(current);
        current = null;
        hasValues = false;
      }
      continue;
    }
    current!.end = line.end;
    if (kind === 'values') hasValues = true;
  }
  if (current) groups.push(current);
  return groups;
}

const shuffleLines: Operator = (s, rng) => {
  const groups = rowGroups(s.source);
  if (groups.length < 2) return null;
  const from = rng.int(groups.length - 1);
  const window = groups.slice(from, Math.min(groups.length, from + rng.range(2, 8)));
  const texts = window.map((w) => s.source.slice(w.start, w.end));
  const order = derange(rng, texts.length);
  const start = window[0]!.start;
  const end = window[window.length - 1]!.end;
  const gaps = window.slice(1).map((w, i) => s.source.slice(window[i]!.end, w.start));
  let rebuilt = '';
  order.forEach((k, i) => {
    rebuilt += texts[k]! + (gaps[i] ?? '');
  });
  splice(s, start, end, rebuilt);
  return `${window.length} rows from ${preview(texts[0]!)} in order ${order.join(',')}`;
};

const deleteSegment: Operator = (s, rng) => {
  const segs = pipeSegments(s.source);
  if (!segs.length) return null;
  const seg = rng.pick(segs);
  const text = s.source.slice(seg.start, seg.end);
  splice(s, seg.start, seg.end + 1, '');
  return `cell ${preview(text.trim())}`;
};

const duplicateSegment: Operator = (s, rng) => {
  const segs = pipeSegments(s.source);
  if (!segs.length) return null;
  const seg = rng.pick(segs);
  const text = s.source.slice(seg.start, seg.end + 1);
  splice(s, seg.end + 1, seg.end + 1, text);
  return `cell ${preview(text.trim())}`;
};

const bareLines: Operator = (s, rng) => {
  if (rng.chance(0.5)) {
    const bare = textLines(s.source).filter((l) => /^\s*\|+\s*$/.test(s.source.slice(l.start, l.end)));
    if (!bare.length) return null;
    const l = rng.pick(bare);
    splice(s, l.start, lineBreakAfter(s.source, l), '');
    return 'a bare-pipe line removed';
  }
  const l = pickLine(s, rng);
  if (!l) return null;
  const bar = '|'.repeat(rng.range(1, 6));
  splice(s, l.start, l.start, `${bar}\n`);
  return `bare line ${bar} inserted`;
};

const lineEndings: Operator = (s, rng) => {
  const to = rng.pick(['\r\n', '\r', 'mixed'] as const);
  if (to === 'mixed') {
    s.source = s.source.replace(/\r?\n/g, () => (rng.chance(0.5) ? '\r\n' : '\n'));
  } else s.source = s.source.replace(/\r?\n/g, to);
  return `line endings ${JSON.stringify(to)}`;
};

const whitespaceNoise: Operator = (s, rng) => {
  const segs = pipeSegments(s.source);
  if (!segs.length) return null;
  const edits: { start: number; end: number; insert: string }[] = [];
  for (const seg of segs) {
    if (!rng.chance(0.2)) continue;
    const sp = rng.pick([' ', '\u00a0', '\u3000', '\t', '  ']);
    edits.push({ start: seg.start, end: seg.start, insert: sp }, { start: seg.end, end: seg.end, insert: sp });
  }
  spliceMany(s, edits);
  return `spaces around ${edits.length / 2} cells`;
};

const hugeText: Operator = (s, rng) => {
  const at = textLines(s.source).map((l) => l.start);
  const pos = at.length ? rng.pick(at) : 0;
  const variant = rng.int(3);
  if (variant === 0) {
    splice(s, pos, pos, `${'|'.repeat(200000)}\n`);
    return 'a line of 200,000 pipes';
  }
  if (variant === 1) {
    splice(s, pos, pos, '|\n'.repeat(10000));
    return '10,000 lone-pipe lines';
  }
  splice(s, pos, pos, `${'无 | '.repeat(20000)}\n`);
  return 'a row of 20,000 placeholder cells';
};

// ---------------------------------------------------------------------------------------------
// Digits in the prose (dates, years, text figures): tables unchanged

/**
 * A text line that is a table cell flattened by a converter, not prose: a number alone (`55`), or a
 * short label and one number (`行政许可 0`), as PDF-to-text tools leave table rows they could not
 * rebuild. The parser rightly reads them as cells, so they are not the prose this operator edits.
 */
const FLATTENED_CELL_LINE = /^\s*(?:[^\d|。，,]{1,20}[\s\u3000]+)?\d+(?:\.\d+)?\s*$/;

const proseDigitEdit: Operator = (s, rng) => {
  const tables = s.kind === 'html' ? htmlTables(s.source) : [];
  const lines =
    s.kind === 'text' ? textLines(s.source).filter((l) => !isPipeLine(s.source, l) && !FLATTENED_CELL_LINE.test(s.source.slice(l.start, l.end))) : [];
  const digits: number[] = [];
  const inTable = (i: number) => tables.some((t) => i >= t.start && i < t.end);
  if (s.kind === 'html') {
    for (const m of s.source.matchAll(/\d/g)) if (!inTable(m.index)) digits.push(m.index);
  } else {
    for (const l of lines) for (let i = l.start; i < l.end; i++) if (/\d/.test(s.source[i]!)) digits.push(i);
  }
  if (!digits.length) return null;
  const at = rng.pick(digits);
  const to = String((Number(s.source[at]) + 1 + rng.int(9)) % 10);
  splice(s, at, at + 1, to);
  return `prose digit at ${at} → ${to}`;
};

// ---------------------------------------------------------------------------------------------

/** Damage operators by document kind, with weights (how often each is picked). */
export const HTML_OPERATORS: readonly (readonly [string, Operator, number])[] = [
  ['truncate', truncate, 6],
  ['truncateBytes', truncateBytes, 3],
  ['deleteCell', deleteCell, 8],
  ['duplicateCell', duplicateCell, 8],
  ['deleteRow', deleteRow, 6],
  ['duplicateRow', duplicateRow, 5],
  ['shuffleRows', shuffleRows, 5],
  ['swapRows', swapRows, 4],
  ['blankLabel', blankLabel, 5],
  ['corruptLabel', corruptLabel, 4],
  ['hugeSpan', hugeSpan, 5],
  ['deepNesting', deepNesting, 4],
  ['dropClosingTags', dropClosingTags, 4],
  ['splitNumber', splitNumber, 4],
  ['insertJunk', insertJunk, 5],
  ['insertRandomBytes', insertRandomBytes, 5],
  ['mixedEncoding', mixedEncoding, 4],
  ['lyingCharset', lyingCharset, 3],
  ['misname', misname, 1],
  ['unclosedRaw', unclosedRaw, 3],
  ['duplicateTable', duplicateTable, 2],
  ['deleteTable', deleteTable, 2],
  ['hugeStructure', hugeStructure, 2],
  ['bigFiller', bigFiller, 1],
  ['proseDigitEdit', proseDigitEdit, 2],
];

export const TEXT_OPERATORS: readonly (readonly [string, Operator, number])[] = [
  ['truncate', truncate, 6],
  ['truncateBytes', truncateBytes, 3],
  ['deleteLine', deleteLine, 8],
  ['duplicateLine', duplicateLine, 6],
  ['shuffleLines', shuffleLines, 6],
  ['deleteSegment', deleteSegment, 6],
  ['duplicateSegment', duplicateSegment, 5],
  ['blankLabel', blankLabel, 5],
  ['corruptLabel', corruptLabel, 4],
  ['bareLines', bareLines, 4],
  ['insertJunk', insertJunk, 5],
  ['insertRandomBytes', insertRandomBytes, 5],
  ['mixedEncoding', mixedEncoding, 4],
  ['lyingCharset', lyingCharset, 2],
  ['misname', misname, 1],
  ['lineEndings', lineEndings, 3],
  ['whitespaceNoise', whitespaceNoise, 3],
  ['hugeText', hugeText, 2],
  ['proseDigitEdit', proseDigitEdit, 2],
];

// ---------------------------------------------------------------------------------------------
// Encoding

const utf8 = new TextEncoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The bytes of a mutated document: its text encoded per plan, then the byte-level operators. */
export function encodeState(s: MutationState): Uint8Array {
  let bytes: Uint8Array;
  const e = s.encoding;
  if (e.kind === 'gbk') bytes = new Uint8Array(iconv.encode(s.source, 'gbk'));
  else if (e.kind === 'utf8-bom') bytes = concat([new Uint8Array([0xef, 0xbb, 0xbf]), utf8.encode(s.source)]);
  else if (e.kind === 'gbk-splice') {
    const start = Math.min(e.start, s.source.length);
    const end = Math.min(Math.max(e.end, start), s.source.length);
    bytes = concat([utf8.encode(s.source.slice(0, start)), new Uint8Array(iconv.encode(s.source.slice(start, end), 'gbk')), utf8.encode(s.source.slice(end))]);
  } else bytes = utf8.encode(s.source);
  for (const op of s.byteOps) {
    const at = Math.min(bytes.length, Math.floor(op.at * bytes.length));
    if (op.kind === 'truncate') bytes = bytes.slice(0, at);
    else bytes = concat([bytes.slice(0, at), op.bytes, bytes.slice(at)]);
  }
  return bytes;
}
