import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flattenHtml } from '../../parsers/html/stream.js';
import { parseHtmlReport, parseTextReport } from '../../parsers/report.js';
import { parseReport } from '../../src/parse/report.js';
import { corpusDocs } from '../helpers/corpus.js';

const docs = corpusDocs();

describe('corpus: every document reads exactly as hand-checked', () => {
  it('has the corpus copy', () => {
    expect(docs.length).toBeGreaterThanOrEqual(15);
  });

  for (const doc of docs) {
    it(doc.name, async () => {
      const report = await parseReport(readFileSync(doc.path), { fileName: doc.name });
      const want = doc.expected;
      for (const table of ['active', 'requests', 'appeals'] as const) {
        if (want[table]) expect(report[table], table).toEqual(want[table]);
        else expect(report[table], table).toBeUndefined();
      }
      if (want.stats) {
        expect(report.stats?.map(({ label, unit, value, cumulative }) => ({ label: label.replace(/\s+/g, ''), unit, value, cumulative }))).toEqual(
          want.stats.map(({ label, unit, value, cumulative }) => ({ label: label.replace(/\s+/g, ''), unit, value, cumulative })),
        );
      }
      expect(report.format).toBe(want.format);
      expect(report.year).toBe(want.year);
      expect(report.published).toBe(want.published ?? null);
      // The spaces a PDF's layout puts between digits and characters ("2025 年") are no part of a title.
      expect(report.title?.replace(/\s+/g, '')).toBe(want.title?.replace(/\s+/g, ''));
      expect(report.agency).toBe(want.agency);
      // Every table cell keeps its raw text.
      for (const cell of report.cells) expect(typeof cell.raw).toBe('string');
    });
  }
});

describe('HTML pages flattened to pipe text (FORMAT.md §9) read the same', () => {
  const htmlDocs = docs.filter((d) => d.name.endsWith('.html'));
  for (const doc of htmlDocs) {
    it(doc.name, () => {
      const html = readFileSync(doc.path, 'utf8');
      const fromHtml = parseHtmlReport(html);
      const rowPerLine = flattenHtml(html, 'row');
      const fromRows = parseTextReport(rowPerLine);
      const cellPerLine = flattenHtml(html, 'cell');
      const fromCells = parseTextReport(cellPerLine);
      for (const table of ['active', 'requests', 'appeals', 'stats'] as const) {
        expect(fromRows[table], `row per line: ${table}`).toEqual(fromHtml[table]);
        expect(fromCells[table], `cell per line: ${table}`).toEqual(fromHtml[table]);
      }
      // The table lines match the corpus's own flattening of the same page.
      const pipePath = doc.path.replace(/\.html$/, '.pipe.txt');
      const tableLines = (text: string) =>
        text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.endsWith('|'));
      expect(tableLines(cellPerLine)).toEqual(tableLines(readFileSync(pipePath, 'utf8')));
    });
  }
});
