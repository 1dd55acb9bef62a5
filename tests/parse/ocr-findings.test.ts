/**
 * The OCR findings (parsers/ocr.ts) on real report text: the text layer of a corpus PDF stands in
 * for what OCR read, and a word of it is declared unsure — the finding must name the cell that
 * word became, wherever the text reader put it. No OCR program is needed here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOW_CONFIDENCE, withOcrFindings, type OcrReading, type OcrWordRef } from '../../parsers/ocr.js';
import { parseTextReport } from '../../parsers/report.js';
import { parsedReportSchema } from '../../parsers/schema.js';
import { pdfToText } from '../../src/decode/pdf.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

const PDF_DIR = join(CORPUS_DIR, '..', 'pdf');

/** The digit words of a text, all read with confidence `conf` except those `unsure` lists. */
function readingOf(text: string, unsure: (line: string, word: string, before: string) => boolean): OcrReading {
  const digitWords: OcrWordRef[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) =>
    line.split(' ').forEach((word, j) => {
      if (/\d/.test(word)) digitWords.push({ line: i, word: j, text: word, conf: unsure(line, word, lines[i - 1] ?? '') ? 41 : 96 });
    }),
  );
  return { text, pages: 4, words: 2000, meanConfidence: 90.5, digitWords, skewDegrees: [0, 1.5, 0, 0], rotated: [0, 0, 0, 0] };
}

describe('OCR findings', () => {
  it("an unsure digit word is an ocr.low_confidence finding naming the cell it became; report.ocr says the report was OCR'd", async () => {
    const text = await pdfToText(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2021.pdf')));
    // Two unsure words: the 665 of 行政规范性文件 (现行有效件数), and the "6"s of 7.属于行政执法案卷
    // (自然人, 总计) — a row whose label LibreOffice wrapped around its values.
    const reading = readingOf(text, (line, word, before) => (before === '7.属于行政' && word === '6') || (line.startsWith('行政规范性文件') && word === '665'));
    const read = (t: string) => parseTextReport(t, { kind: 'pdf' });
    const report = withOcrFindings(read(text), reading, read);
    expect(() => parsedReportSchema.parse(report)).not.toThrow();
    const low = report.issues.filter((f) => f.rule === 'ocr.low_confidence');
    expect(low.map((f) => f.cells).sort()).toEqual([
      ['active.normative_documents.in_force'],
      ['requests.denied_enforcement_files.natural_person'],
      ['requests.denied_enforcement_files.total'],
    ]);
    expect(low[0]!.message).toMatch(new RegExp(`confidence of 41 % \\(below ${LOW_CONFIDENCE} %\\)`));
    // The values are the ones read, not the markers used to find the cells.
    expect(report.requests?.['denied_enforcement_files']?.['natural_person']).toBe(6);
    expect(report.active?.['normative_documents']?.['in_force']).toBe(665);
    const ocr = report.issues.find((f) => f.rule === 'report.ocr');
    expect(ocr?.severity).toBe('warning');
    expect(ocr?.message).toMatch(
      /read by OCR \(Tesseract\) from 4 page images, mean word confidence 90\.5 %, skew of up to 1\.5° straightened: .*3 cells flagged/,
    );
    expect(report.input).toEqual({ kind: 'pdf', charset: null, ocr: { pages: 4, meanConfidence: 90.5 } });
  });

  it('sure words give no ocr.low_confidence finding; a number read as no number leaves its cell named by a finding', async () => {
    const text = await pdfToText(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2021.pdf')));
    const read = (t: string) => parseTextReport(t, { kind: 'image' });
    const clean = withOcrFindings(
      read(text),
      readingOf(text, () => false),
      read,
    );
    expect(clean.issues.filter((f) => f.rule === 'ocr.low_confidence')).toEqual([]);
    // A digit read as a letter: "22g3" in the 行政许可 row — no silent error: the cell is named.
    const smudged = text.replace(/^行政许可 2293$/m, '行政许可 22g3');
    const report = withOcrFindings(
      read(smudged),
      readingOf(smudged, () => false),
      read,
    );
    expect(report.active?.['licensing']?.['decisions']).not.toBe(2293);
    expect(report.issues.filter((f) => f.cells.includes('active.licensing.decisions')).length).toBeGreaterThan(0);
  });
});
