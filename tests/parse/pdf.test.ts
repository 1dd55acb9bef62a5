/**
 * PDF reports (the most common attachment): the text layer is read with pdf.js, lines rebuilt
 * from the items' positions, then read by the plain-text reader. Fixtures: corpus pages printed
 * to PDF by Chromium (snapshots/pdf/README.md), checked against the corpus sidecars.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/decode/errors.js';
import { pdfToText } from '../../src/decode/pdf.js';
import { parseReport } from '../../src/parse/report.js';
import { parseTextReport } from '../../parsers/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const PDF_DIR = join(CORPUS_DIR, '..', 'pdf');
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;

describe('PDF reports', () => {
  for (const name of ['fujian-pingtan-2021', 'fujian-pingtan-2019']) {
    it(`${name}.pdf: metadata and every cell of the sidecar read`, async () => {
      const report = await parseReport(readFileSync(join(PDF_DIR, `${name}.pdf`)), { fileName: `${name}.pdf` });
      const want = expected(name);
      expect(report.input).toEqual({ kind: 'pdf', charset: null });
      expect([report.format, report.year, report.published, report.agency]).toEqual([want.format, want.year, want.published, '平潭综合实验区']);
      expect([report.active ?? null, report.requests ?? null, report.appeals ?? null]).toEqual([
        want.active ?? null,
        want.requests ?? null,
        want.appeals ?? null,
      ]);
    });
  }

  for (const name of [
    'fujian-pingtan-2025',
    'fujian-pingtan-2023',
    'fujian-pingtan-2021',
    'fujian-pingtan-2019',
    'fujian-pingtan-2017',
    'fujian-pingtan-2016',
  ]) {
    it(`office/${name}.pdf (exported by LibreOffice): metadata and every cell of the sidecar read`, async () => {
      const report = await parseReport(readFileSync(join(PDF_DIR, 'office', `${name}.pdf`)), { fileName: `${name}.pdf` });
      const want = expected(name);
      expect([report.format, report.year, report.published]).toEqual([want.format, want.year, want.published]);
      expect([report.active ?? null, report.requests ?? null, report.appeals ?? null]).toEqual([
        want.active ?? null,
        want.requests ?? null,
        want.appeals ?? null,
      ]);
      if (want.stats) expect(report.stats?.map((x) => [x.label, x.value, x.cumulative])).toEqual(want.stats.map((x) => [x.label, x.value, x.cumulative]));
      // Nothing is reported as wrong; the rows read by their place are named.
      expect(report.issues.filter((f) => f.severity === 'error')).toEqual([]);
      if (name === 'fujian-pingtan-2021') {
        const byPlace = report.issues.find((f) => f.rule === 'report.row_shape');
        expect(byPlace?.message).toMatch(/^Table 3 rows partially_granted, denied_state_secret, .* were read by their place in the table/);
      }
    });
  }

  it('reads table 3 by the place of its rows only when every line of values fits the table and agrees with the labels read', async () => {
    const text = await pdfToText(readFileSync(join(PDF_DIR, 'office', 'fujian-pingtan-2021.pdf')));
    const want = expected('fujian-pingtan-2021').requests!;
    const byPlace = (r: ReturnType<typeof parseTextReport>) => r.issues.some((f) => /read by their place/.test(f.message));
    const wrong = (r: ReturnType<typeof parseTextReport>) =>
      r.cells.filter((c) => c.table === 'requests' && want[c.row]?.[c.col] !== undefined && want[c.row]![c.col] !== c.value);
    const whole = parseTextReport(text);
    expect(byPlace(whole)).toBe(true);
    expect(whole.requests).toEqual(want);

    // One line of values fewer (24 rows for a 25-row table): no row is placed by guesswork.
    const lines = text.split('\n');
    const secret = lines.indexOf('1.属于国家');
    expect(lines[secret + 1]).toBe('0 0 0 0 0 0 0');
    const short = parseTextReport([...lines.slice(0, secret + 1), ...lines.slice(secret + 2)].join('\n'));
    expect(byPlace(short)).toBe(false);
    expect(wrong(short)).toEqual([]);
    expect(short.requests?.['denied_state_secret']).toBeUndefined();

    // A row read by its label whose values differ from the line at its place: left as read.
    const moved = text
      .replace('二、上年结转政府信息公\n0 0 0 0 0 0 0', '二、上年结转政府信息公\n0 0 0 0 0 0 0\n0 0 0 0 0 0 0')
      .replace('1.属于国家\n0 0 0 0 0 0 0\n', '1.属于国家\n');
    const disagree = parseTextReport(moved);
    expect(byPlace(disagree)).toBe(false);
    expect(wrong(disagree)).toEqual([]);
  });

  it('rebuilds table rows as lines: label, then the values in column order', async () => {
    const text = await pdfToText(readFileSync(join(PDF_DIR, 'fujian-pingtan-2021.pdf')));
    expect(text.split('\n')).toContain('一、本年新收政府信息公开申请数量 64 0 0 2 0 4 70');
    expect(text.split('\n')).toContain('行政规范性文件 69 3 665');
  });

  it('a PDF without a text layer is NB_PARSE_EMPTY with the advice to OCR it; a broken one NB_PARSE_UNSUPPORTED', async () => {
    const blank = Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
        '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
      'latin1',
    );
    const scan = await parseReport(blank, { fileName: 'scan.pdf', ocr: 'off' }).catch((e: unknown) => e);
    expect(scan).toBeInstanceOf(DecodeError);
    expect((scan as DecodeError).code).toBe('NB_PARSE_EMPTY');
    expect((scan as DecodeError).message).toMatch(/^scan\.pdf: is a PDF without a text layer.*OCR/);
    const cut = readFileSync(join(PDF_DIR, 'fujian-pingtan-2021.pdf')).subarray(0, 2000);
    const broken = await parseReport(cut, { fileName: 'cut.pdf' }).catch((e: unknown) => e);
    expect((broken as DecodeError).code).toBe('NB_PARSE_UNSUPPORTED');
  });
});
