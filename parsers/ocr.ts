/**
 * Findings of a report read by OCR (pure: no I/O). The decode stage hands over what OCR read (the
 * text, and every word holding a digit with its line, its place on the line and Tesseract's
 * confidence); here those words are tied to the cells they became, and the report says it was OCR'd:
 *
 * - `report.ocr` (warning): the report was read from page images, with the pages and the mean
 *   confidence;
 * - `ocr.low_confidence` (warning), one per cell: a number OCR was unsure of (a word below
 *   {@link LOW_CONFIDENCE}), or a cell of the tables OCR read as something that is not a number.
 *
 * Which cell a word became is found without knowing how the text reader works: every unsure word
 * is replaced by a marker number of its own (digits for digits, so the line reads the same way)
 * and the text is read again; a cell whose text holds a marker came from that word.
 */
import type { Finding, ParsedReport } from './types.js';

/** A word of the OCR text that holds a digit. */
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
  /** Skew measured (and corrected) on each page, degrees. */
  skewDegrees: number[];
  /** Clockwise turn applied to each page (0 when it was upright). */
  rotated: number[];
}

/** A word holding a digit read with a confidence below this (0–100) makes its cell an `ocr.low_confidence` finding. */
export const LOW_CONFIDENCE = 80;

/** A word that reads as a number on its own: the words a marker may stand in for. */
const NUMBER_WORD = /^\d[\d,]*(?:\.\d+)?$/;

/** The marker of the k-th unsure word: eight digits no report table holds by chance. */
const marker = (k: number): string => `97${String(k).padStart(5, '0')}3`;

/** Cell paths (`table.row.col`, `stats.N.value|cumulative`) whose text holds `needle`. */
function cellsHolding(report: ParsedReport, needle: string): string[] {
  const out = report.cells.filter((c) => c.raw.includes(needle)).map((c) => `${c.table}.${c.row}.${c.col}`);
  report.stats?.forEach((row, i) => {
    if (row.value !== null && String(row.value).includes(needle)) out.push(`stats.${i}.value`);
    if (row.cumulative !== undefined && row.cumulative !== null && String(row.cumulative).includes(needle)) out.push(`stats.${i}.cumulative`);
  });
  return out;
}

/**
 * Adds the OCR findings to a report read from `reading.text`. `reread` reads a text the way the
 * report was read (the same reader, the same input) — it is given the text with the unsure words
 * replaced by markers.
 */
export function withOcrFindings(report: ParsedReport, reading: OcrReading, reread: (text: string) => ParsedReport): ParsedReport {
  const unsure = reading.digitWords.filter((w) => w.conf < LOW_CONFIDENCE && NUMBER_WORD.test(w.text));
  const findings: Finding[] = [];
  const flagged = new Set<string>();
  if (unsure.length > 0) {
    const lines = reading.text.split('\n');
    unsure.forEach((w, k) => {
      const words = lines[w.line]!.split(' ');
      words[w.word] = marker(k);
      lines[w.line] = words.join(' ');
    });
    const marked = reread(lines.join('\n'));
    unsure.forEach((w, k) => {
      for (const path of cellsHolding(marked, marker(k))) {
        if (flagged.has(path)) continue;
        flagged.add(path);
        findings.push({
          rule: 'ocr.low_confidence',
          severity: 'warning',
          message: `OCR read "${w.text}" here with a confidence of ${Math.round(w.conf)} % (below ${LOW_CONFIDENCE} %): check the number against the original.`,
          cells: [path],
          scope: 'ocr',
        });
      }
    });
  }
  // A table cell OCR read as something that is not a number (a smudge, a digit read as a letter).
  for (const c of report.cells) {
    const path = `${c.table}.${c.row}.${c.col}`;
    if (flagged.has(path) || !(c.flags.includes('unreadable') || c.flags.includes('noise'))) continue;
    flagged.add(path);
    findings.push({
      rule: 'ocr.low_confidence',
      severity: 'warning',
      message: `OCR read "${c.raw}" here, which is not a clean number: check the cell against the original.`,
      cells: [path],
      scope: 'ocr',
    });
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
