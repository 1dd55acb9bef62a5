/**
 * Labels of the known tables in text read by OCR, matched with a bounded edit distance (pure).
 *
 * OCR misreads a character of a label now and then (历年累计 read 历年标计, 予以公开 read 予以公井):
 * the parser's label patterns then miss the row or the header, and a table or a row is lost. Text
 * read by OCR — never a document's own text — is therefore corrected word by word against the
 * labels of the format (the parser's label tables, parsers/keys.ts, and the tables' header words):
 * a word (its numbering, 一、 （一） 1. 其中：, aside) within {@link maxDistance} edits of one known
 * label, and clearly nearer to it than to any other (the second best is further), becomes that
 * label. Each correction is kept, so that the cells that depend on it are flagged
 * (`ocr.low_confidence`, parsers/ocr.ts): a label matched only approximately may be the wrong one.
 */
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from './keys.js';
import { normalizeLabel } from './normalize.js';

/** Header and group words of the tables that are not row labels of keys.ts (FORMAT.md §2–§5). */
const HEADER_WORDS = [
  '信息内容',
  '申请人情况',
  '法人或其他组织',
  '三、本年度办理结果',
  '（三）不予公开',
  '（四）无法提供',
  '（五）不予处理',
  '（六）其他处理',
  '行政复议',
  '行政诉讼',
  '未经复议直接起诉',
  '复议后起诉',
  '指标名称',
  '统计指标',
  '计量单位',
  '历年累计',
  '本年累计',
  '本期实际',
];

/** A label's numbering (after normalizeLabel): （一） 一、 1. 其中： — kept as OCR read it. */
const NUMBERING = /^(?:\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}、|\d{1,2}\.|其中:)+/;
const HAN = /\p{Script=Han}/gu;
const HAS_HAN = /\p{Script=Han}/u;
/** Words with fewer Chinese characters than this are not corrected: one edit is too much of them. */
const MIN_HAN = 4;

/** The body of a normalised label: its numbering taken off. */
const bodyOf = (norm: string): string => norm.replace(NUMBERING, '');

/** Edits allowed for a body of `length` characters: one per four. */
export const maxDistance = (length: number): number => Math.floor(length / 4);
/**
 * Bodies shorter than this are matched by misread characters only, none left out or added: a
 * statistics row 行政复议数 is not the header word 行政复议 read with one character too many.
 */
const MIN_INDEL_LENGTH = 8;

function knownBodies(): string[] {
  const labels = [
    ...REQUEST_ROWS.map((r) => r.label),
    ...REQUEST_COLUMNS.map((c) => c.label),
    ...APPEAL_COLUMNS.map((c) => c.label),
    ...APPEAL_GROUPS.flatMap((g) => g.label.split(' · ')),
    ...ACTIVE_ROWS.flatMap((r) => [r.label, ...Object.values(r.columns).flatMap((cols) => cols.map((c) => c.label))]),
    ...HEADER_WORDS,
  ];
  const bodies = new Set<string>();
  for (const label of labels) {
    const body = bodyOf(normalizeLabel(label));
    bodies.add(body);
    // A label with a note in brackets is often printed without it, or wraps before it.
    const bare = body.replace(/\(.*$/, '');
    if (bare !== body) bodies.add(bare);
  }
  return [...bodies].filter((b) => (b.match(HAN)?.length ?? 0) >= MIN_HAN);
}

let bodies: string[] | undefined;

/** Levenshtein distance of two code-point arrays, or `limit + 1` as soon as it must exceed `limit`. */
export function editDistance(a: readonly string[], b: readonly string[], limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

export interface LabelMatch {
  /** The word as the known label (normalised), its numbering as OCR read it. */
  label: string;
  distance: number;
}

/** The known label `word` is an approximate reading of; null when it is one exactly, is none, or could be either of two. */
export function matchLabel(word: string): LabelMatch | null {
  const norm = normalizeLabel(word);
  const body = bodyOf(norm);
  if ((body.match(HAN)?.length ?? 0) < MIN_HAN) return null;
  bodies ??= knownBodies();
  const chars = [...body];
  const limit = maxDistance(chars.length);
  if (limit === 0) return null;
  let best: { body: string; distance: number } | undefined;
  let second = Infinity;
  for (const known of bodies) {
    const knownChars = [...known];
    if (chars.length < MIN_INDEL_LENGTH && knownChars.length !== chars.length) continue;
    const d = editDistance(chars, knownChars, limit + 1);
    if (d === 0) return null; // read right
    if (!best || d < best.distance) {
      second = best?.distance ?? Infinity;
      best = { body: known, distance: d };
    } else if (d < second) second = d;
  }
  if (!best || best.distance > limit || second <= best.distance) return null;
  return { label: norm.slice(0, norm.length - body.length) + best.body, distance: best.distance };
}

/** A word of the OCR text taken as a known label. */
export interface LabelCorrection {
  /** Line of the text (0-based) and place of the word on it (words are separated by single spaces). */
  line: number;
  word: number;
  /** As OCR read it. */
  read: string;
  /** As it was taken. */
  label: string;
  distance: number;
}

/** The OCR text with every word that is an approximate reading of a known label replaced by it; the words' places are unchanged. */
export function correctLabels(text: string): { text: string; corrections: LabelCorrection[] } {
  const corrections: LabelCorrection[] = [];
  const lines = text.split('\n').map((line, i) => {
    if (!HAS_HAN.test(line)) return line;
    const words = line.split(' ');
    words.forEach((w, j) => {
      const m = matchLabel(w);
      if (!m) return;
      corrections.push({ line: i, word: j, read: w, label: m.label, distance: m.distance });
      words[j] = m.label;
    });
    return words.join(' ');
  });
  return { text: lines.join('\n'), corrections };
}
