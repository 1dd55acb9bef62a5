/**
 * Findings of a report read by OCR (pure: no I/O). The decode stage hands over what OCR read (the
 * text, and every word holding a digit with its line, its place on the line and Tesseract's
 * confidence); here those words are tied to the cells they became, and the report says it was OCR'd:
 *
 * - `report.ocr` (warning): the report was read from page images, with the pages and the mean
 *   confidence;
 * - `ocr.low_confidence` (warning), one per cell: a number OCR was unsure of (a word below
 *   {@link LOW_CONFIDENCE}, or read differently by the digits-only second reading), a statistics
 *   row whose label OCR was unsure of (a word below {@link LOW_LABEL_CONFIDENCE}: such a row is
 *   known by its label alone), a cell that hangs on a label matched only approximately
 *   (`ocr-labels.ts`), or a cell of the tables OCR read as something that is not a number.
 *
 * Which cell a word became is found without knowing how the text reader works: every unsure word
 * is replaced by a marker number of its own (digits for digits, so the line reads the same way)
 * and the text is read again; a cell whose text holds a marker came from that word.
 */
import { correctLabels, type LabelCorrection } from './ocr-labels.js';
import type { Finding, ParsedReport } from './types.js';

/** A word of the OCR text (one that holds a digit, or one of Chinese text). */
export interface OcrWordRef {
  /** Line in `OcrReading.text` (0-based). */
  line: number;
  /** Place of the word on its line (0-based; words are separated by single spaces). */
  word: number;
  text: string;
  /** Tesseract's confidence, 0–100 (the lowest of the words it was joined from). */
  conf: number;
}

/** What OCR read of a document. */
export interface OcrReading {
  /** The text, lines rebuilt from the words' positions, pages separated by a blank line. */
  text: string;
  pages: number;
  /** Words Tesseract read, all pages. */
  words: number;
  /** Mean confidence of the words, 0–100. */
  meanConfidence: number;
  /** Every word holding a digit. */
  digitWords: OcrWordRef[];
  /** Every word of Chinese text without a digit (labels, headers, prose). @default none */
  labelWords?: OcrWordRef[];
  /** Skew measured (and corrected) on each page, degrees. */
  skewDegrees: number[];
  /** Clockwise turn applied to each page (0 when it was upright). */
  rotated: number[];
}

/** A word holding a digit read with a confidence below this (0–100) makes its cell an `ocr.low_confidence` finding. */
export const LOW_CONFIDENCE = 80;

/** A word of a label (Chinese, no digit) read with a confidence below this (0–100) makes the statistics cells on its line `ocr.low_confidence` findings. */
export const LOW_LABEL_CONFIDENCE = 60;

const HAN = /\p{Script=Han}/u;

/** A word that reads as a number on its own: the words a marker may stand in for. */
const NUMBER_WORD = /^\d[\d,]*(?:\.\d+)?$/;

/** The marker of the k-th unsure word: eight digits no report table holds by chance. */
const marker = (k: number): string => `97${String(k).padStart(5, '0')}3`;

/** Cell paths (`table.row.col`, `stats.N.value|cumulative`, N 1-based) whose text holds `needle`. */
function cellsHolding(report: ParsedReport, needle: string): string[] {
  const out = report.cells.filter((c) => c.raw.includes(needle)).map((c) => `${c.table}.${c.row}.${c.col}`);
  report.stats?.forEach((row, i) => {
    if (row.value !== null && String(row.value).includes(needle)) out.push(`stats.${i + 1}.value`);
    if (row.cumulative !== undefined && row.cumulative !== null && String(row.cumulative).includes(needle)) out.push(`stats.${i + 1}.cumulative`);
  });
  return out;
}

/** Every cell of a report, path → what was read (a statistics row's label with its value). */
function cellReadings(report: ParsedReport): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of ['active', 'requests', 'appeals'] as const) {
    for (const [row, cols] of Object.entries(report[name] ?? {})) for (const [col, v] of Object.entries(cols)) out.set(`${name}.${row}.${col}`, String(v));
  }
  report.stats?.forEach((row, i) => {
    out.set(`stats.${i + 1}.value`, `${row.label}|${row.value}`);
    if (row.cumulative !== undefined) out.set(`stats.${i + 1}.cumulative`, `${row.label}|${row.cumulative}`);
  });
  return out;
}

/** More label corrections than this are undone all at once (one reading) to find the cells that hang on them. */
const MAX_SEPARATE_CORRECTIONS = 20;

/**
 * The cells that hang on labels read approximately: read once more with a correction undone (the
 * label as OCR read it), every cell that is then missing or different depended on it.
 */
function cellsOfCorrections(report: ParsedReport, reading: OcrReading, corrections: readonly LabelCorrection[], reread: (text: string) => ParsedReport) {
  const out: { path: string; correction: LabelCorrection }[] = [];
  const cells = cellReadings(report);
  const groups = corrections.length > MAX_SEPARATE_CORRECTIONS ? [corrections] : corrections.map((c) => [c]);
  for (const group of groups) {
    const lines = reading.text.split('\n');
    for (const c of group) {
      const words = lines[c.line]!.split(' ');
      words[c.word] = c.read;
      lines[c.line] = words.join(' ');
    }
    const without = cellReadings(reread(lines.join('\n')));
    for (const [path, value] of cells) if (without.get(path) !== value) out.push({ path, correction: group[0]! });
  }
  return out;
}

/**
 * Adds the OCR findings to a report read from `reading.text`. `reread` reads a text the way the
 * report was read (the same reader, the same input) — it is given the text with the unsure words
 * replaced by markers, or with a corrected label as OCR read it. `corrections` are the labels the
 * text was corrected to (`ocr-labels.ts`, already in `reading.text`).
 */
export function withOcrFindings(
  report: ParsedReport,
  reading: OcrReading,
  reread: (text: string) => ParsedReport,
  corrections: readonly LabelCorrection[] = [],
): ParsedReport {
  const unsure = reading.digitWords.filter((w) => w.conf < LOW_CONFIDENCE && NUMBER_WORD.test(w.text));
  // A statistics row is known by its label alone (there is no table of them): a label word OCR was
  // unsure of makes the numbers on its line unsure.
  const unsureLines = new Map<number, OcrWordRef>();
  const labelWords = [...(reading.labelWords ?? []), ...reading.digitWords.filter((w) => HAN.test(w.text))];
  for (const w of labelWords) if (w.conf < LOW_LABEL_CONFIDENCE && !unsureLines.has(w.line)) unsureLines.set(w.line, w);
  const onUnsureLine = reading.digitWords.filter((w) => unsureLines.has(w.line) && NUMBER_WORD.test(w.text) && !unsure.includes(w));
  const findings: Finding[] = [];
  const flagged = new Set<string>();
  const flag = (path: string, message: string) => {
    if (flagged.has(path)) return;
    flagged.add(path);
    findings.push({ rule: 'ocr.low_confidence', severity: 'warning', message, cells: [path], scope: 'ocr' });
  };
  const marked = [...unsure, ...onUnsureLine];
  if (marked.length > 0) {
    const lines = reading.text.split('\n');
    marked.forEach((w, k) => {
      const words = lines[w.line]!.split(' ');
      words[w.word] = marker(k);
      lines[w.line] = words.join(' ');
    });
    const reread_ = reread(lines.join('\n'));
    marked.forEach((w, k) => {
      const label = k >= unsure.length ? unsureLines.get(w.line)! : undefined;
      for (const path of cellsHolding(reread_, marker(k))) {
        if (!label) {
          flag(
            path,
            `OCR read "${w.text}" here with a confidence of ${Math.round(w.conf)} % (below ${LOW_CONFIDENCE} %): check the number against the original.`,
          );
        } else if (path.startsWith('stats.')) {
          flag(
            path,
            `OCR read the row's label "${label.text}" with a confidence of ${Math.round(label.conf)} % (below ${LOW_LABEL_CONFIDENCE} %): check the label and the number against the original.`,
          );
        }
      }
    });
  }
  for (const { path, correction: c } of cellsOfCorrections(report, reading, corrections, reread)) {
    flag(
      path,
      `OCR read "${c.read}", taken as the label ${c.label} (${c.distance} character${c.distance === 1 ? '' : 's'} differ): check the cell against the original.`,
    );
  }
  // A statistics row read with a cell too few (its unit glued to its label: the number in the unit's
  // column and a value lost): nothing else would say so, as the table has no sums.
  report.stats?.forEach((row, i) => {
    if (!(NUMBER_WORD.test(row.unit ?? '') || row.value === null || row.cumulative === null)) return;
    const message = `OCR read the row 「${row.label}」 with a cell too few or out of place (${row.raw}): check the row against the original.`;
    flag(`stats.${i + 1}.value`, message);
    if (row.cumulative !== undefined) flag(`stats.${i + 1}.cumulative`, message);
  });
  // A table cell OCR read as something that is not a number (a smudge, a digit read as a letter).
  for (const c of report.cells) {
    const path = `${c.table}.${c.row}.${c.col}`;
    if (!(c.flags.includes('unreadable') || c.flags.includes('noise'))) continue;
    flag(path, `OCR read "${c.raw}" here, which is not a clean number: check the cell against the original.`);
  }
  const turned = reading.rotated.filter((r) => r !== 0).length;
  const skewed = reading.skewDegrees.filter((d) => Math.abs(d) >= 0.2);
  report.issues.push({
    rule: 'report.ocr',
    severity: 'warning',
    message:
      `This report was read by OCR (Tesseract) from ${reading.pages} page image${reading.pages === 1 ? '' : 's'}, mean word confidence ${reading.meanConfidence} %` +
      (turned > 0 ? `, ${turned} page(s) turned upright` : '') +
      (skewed.length > 0 ? `, skew of up to ${Math.max(...skewed.map(Math.abs))}° straightened` : '') +
      `: its numbers may hold misreadings (${findings.length} cell${findings.length === 1 ? '' : 's'} flagged ocr.low_confidence); check them against the original.`,
    cells: [],
  });
  report.issues.push(...findings);
  report.input.ocr = { pages: reading.pages, meanConfidence: reading.meanConfidence };
  return report;
}

/**
 * A report read from what OCR read: the labels of the known tables in its text corrected where
 * OCR misread a character (`ocr-labels.ts`), read by `read` (the text reader, for the document's
 * input), and the OCR findings added — the cells that hang on a corrected label among them.
 */
export function readOcrReport(reading: OcrReading, read: (text: string) => ParsedReport): ParsedReport {
  const { text, corrections } = correctLabels(reading.text);
  const corrected = { ...reading, text };
  return withOcrFindings(read(text), corrected, read, corrections);
}
