/**
 * Labels of the known tables matched approximately in OCR'd text (parsers/ocr-labels.ts), and the
 * cells that hang on such a match flagged (parsers/ocr.ts): the text layer of a corpus PDF stands in
 * for what OCR read, with a character of a label misread as OCR misreads it. No OCR program needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { correctLabels, editDistance, matchLabel } from '../../parsers/ocr-labels.js';
import { readOcrReport, type OcrReading, type OcrWordRef } from '../../parsers/ocr.js';
import { parseReport } from '../../src/parse/report.js';
import { parseTextReport } from '../../parsers/report.js';
import { pdfToText } from '../../src/decode/pdf.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

const PDF_DIR = join(CORPUS_DIR, '..', 'pdf');

/** What OCR would hand over for `text`: every word read with confidence 95, except those `unsure` gives another. */
function readingOf(text: string, unsure: (word: string) => number | undefined = () => undefined): OcrReading {
  const digitWords: OcrWordRef[] = [];
  const labelWords: OcrWordRef[] = [];
  text.split('\n').forEach((line, i) =>
    line.split(' ').forEach((word, j) => {
      const ref = { line: i, word: j, text: word, conf: unsure(word) ?? 95 };
      if (/\d/.test(word))
        digitWords.push(ref); // as OCR hands them over: 3、信函、传真申请数 is a word with a digit
      else if (/\p{Script=Han}/u.test(word)) labelWords.push(ref);
    }),
  );
  return { text, pages: 4, words: 2000, meanConfidence: 90, digitWords, labelWords, skewDegrees: [], rotated: [] };
}

const lowCells = (issues: readonly { rule: string; cells: string[] }[]) =>
  issues
    .filter((f) => f.rule === 'ocr.low_confidence')
    .flatMap((f) => f.cells)
    .sort();

describe('labels read approximately by OCR', () => {
  it('a word one character off a known label is taken as it, only when no other label is as near', () => {
    expect(matchLabel('历年标计')).toEqual({ label: '历年累计', distance: 1 });
    expect(matchLabel('（一）予以公井')).toEqual({ label: '(一)予以公开', distance: 1 });
    expect(matchLabel('本年新收政府信息公开申请数重')).toEqual({ label: '本年新收政府信息公开申请数量', distance: 1 });
    // Read right, too short to tell, a statistics row one character longer than a header word, prose.
    expect(matchLabel('历年累计')).toBeNull();
    expect(matchLabel('总汁')).toBeNull();
    expect(matchLabel('行政复议数')).toBeNull();
    expect(matchLabel('继续加强督导协调工作')).toBeNull();
    // 历年X计 is as near to 历年累计 as to nothing else, but X年累计 is as near to 历年累计 as to 本年累计.
    expect(matchLabel('某年累计')).toBeNull();
    expect(editDistance([...'历年标计'], [...'本年累计'], 5)).toBe(2);
  });

  it('corrects words in place: the words of every line keep their places', () => {
    const { text, corrections } = correctLabels('指标名称 计量单位 历年标计\n主动公开文件数 条 3460 85376');
    expect(text).toBe('指标名称 计量单位 历年累计\n主动公开文件数 条 3460 85376');
    expect(corrections).toEqual([{ line: 0, word: 2, read: '历年标计', label: '历年累计', distance: 1 }]);
  });

  it('a statistics header read 历年标计: the table is read, and every cell that hangs on the correction is flagged', async () => {
    const layer = await pdfToText(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2016.pdf')));
    const reference = await parseReport(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2016.pdf')));
    expect(layer).toContain('历年累计');
    const misread = layer.replace('历年累计', '历年标计');
    const read = (t: string) => parseTextReport(t, { kind: 'image' });
    // Without the correction the statistics table is not found.
    expect(read(misread).stats ?? null).toBeNull();
    const report = readOcrReport(readingOf(misread), read);
    expect(report.stats).toEqual(reference.stats);
    const cells = report.stats!.flatMap((_, i) => [`stats.${i + 1}.value`, `stats.${i + 1}.cumulative`]).sort();
    expect(lowCells(report.issues)).toEqual(cells);
    expect(report.issues.find((f) => f.cells[0] === 'stats.1.cumulative')?.message).toMatch(/OCR read "历年标计", taken as the label 历年累计/);
  });

  it('a row label of table 2 one character off: its row is read and its cells flagged; born-digital text is never corrected', async () => {
    const pdf = readFileSync(join(PDF_DIR, 'fujian-pingtan-2021.pdf'));
    const layer = await pdfToText(pdf);
    const reference = await parseReport(pdf);
    expect(layer).toMatch(/^行政许可 2293$/m);
    const misread = layer.replace(/^行政许可 2293$/m, '行政许司 2293');
    const read = (t: string) => parseTextReport(t, { kind: 'image' });
    const report = readOcrReport(readingOf(misread), read);
    expect(report.active).toEqual(reference.active);
    expect(lowCells(report.issues)).toEqual(['active.licensing.decisions']);
    // The same text as a document's own text: not corrected, the row is not found (and no OCR finding).
    const asText = parseTextReport(misread, { kind: 'text' });
    expect(asText.active?.['licensing']).toBeUndefined();
    expect(lowCells(asText.issues)).toEqual([]);
  });

  it("a statistics row whose label OCR was unsure of: its numbers are flagged, the other rows' are not", async () => {
    const layer = await pdfToText(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2017.pdf')));
    const read = (t: string) => parseTextReport(t, { kind: 'image' });
    const label = layer
      .split('\n')
      .find((l) => l.includes('信函'))!
      .split(' ')[0]!;
    const report = readOcrReport(
      readingOf(layer, (w) => (w === label ? 12 : undefined)),
      read,
    );
    const ord = report.stats!.findIndex((s) => s.label === label) + 1;
    expect(ord).toBeGreaterThan(0);
    expect(lowCells(report.issues)).toEqual([`stats.${ord}.cumulative`, `stats.${ord}.value`]);
    expect(report.issues.find((f) => f.rule === 'ocr.low_confidence')?.message).toMatch(/label .* confidence of 12 %/);
  });

  it('a statistics row whose unit OCR glued to its label (a cell too few): its cells are flagged', async () => {
    const layer = await pdfToText(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2016.pdf')));
    expect(layer).toMatch(/^政府信息公开收费减免金额 元 0 0$/m);
    const glued = layer.replace(/^政府信息公开收费减免金额 元 0 0$/m, '政府信息公开收费减免金额元 0 0');
    const read = (t: string) => parseTextReport(t, { kind: 'image' });
    const report = readOcrReport(readingOf(glued), read);
    const ord = report.stats!.findIndex((s) => s.label.startsWith('政府信息公开收费减免金额')) + 1;
    expect(report.stats![ord - 1]!.cumulative).toBeNull();
    expect(lowCells(report.issues)).toEqual([`stats.${ord}.cumulative`, `stats.${ord}.value`]);
    // Read from the document's own text, the same row is left to the validator and the reader's findings.
    expect(lowCells(read(layer).issues)).toEqual([]);
  });
});
