/**
 * Reports as a PDF-to-markdown converter writes them (issue 18): the corpus's converter copy
 * (shanghai-szfbgt-2025.txt) and the corpus pages rendered with the converter's habits by
 * tests/helpers/markdown.ts must read exactly as their sidecars say.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTextReport } from '../../parsers/report.js';
import { textToStream } from '../../parsers/text/stream.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';
import { ALL_QUIRKS, toConverterMarkdown, type MarkdownQuirks } from '../helpers/markdown.js';

const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;

/** Cells of the sidecar's tables that the report does not read as expected. */
function misses(report: ReturnType<typeof parseTextReport>, want: Expected): string[] {
  const out: string[] = [];
  for (const t of ['active', 'requests', 'appeals'] as const) {
    for (const [row, cols] of Object.entries(want[t] ?? {})) {
      for (const [col, v] of Object.entries(cols)) if (report[t]?.[row]?.[col] !== v) out.push(`${t}.${row}.${col}: want ${v} got ${report[t]?.[row]?.[col]}`);
    }
  }
  return out;
}

const PAGES = ['fujian-pingtan-2019', 'fujian-pingtan-2021', 'fujian-pingtan-2023', 'fujian-pingtan-2025'];

describe('converter markdown', () => {
  it('reads the corpus converter copy completely', () => {
    const name = 'shanghai-szfbgt-2025';
    const report = parseTextReport(readFileSync(join(CORPUS_DIR, `${name}.txt`), 'utf8'));
    expect(misses(report, expected(name))).toEqual([]);
    expect(report.format).toBe('2021');
    // The two values recovered from loose two-line cells are said to be so.
    const placed = report.issues.filter((f) => f.rule === 'report.row_shape' && /two lines/.test(f.message));
    expect(placed.map((f) => f.scope)).toEqual(['regulations', 'normative_documents']);
  });

  for (const page of PAGES) {
    it(`reads ${page} rendered as converter markdown with every quirk`, () => {
      const md = toConverterMarkdown(join(CORPUS_DIR, `${page}.html`));
      // The rendering has the quirks it claims.
      expect(md).toMatch(/^— \d+ —$/m);
      expect(md).toMatch(/^\|---\|/m);
      expect(md).toMatch(/数据1 \| 数据2/);
      const report = parseTextReport(md);
      expect(misses(report, expected(page))).toEqual([]);
      expect(report.format).toBe(expected(page).format);
      // The only shape finding: the loose two-line cells, placed by their notes.
      const shape = report.issues.filter((f) => f.rule === 'report.row_shape' || f.rule === 'report.missing_row');
      expect(shape.every((f) => /two lines/.test(f.message))).toBe(true);
    });
  }

  for (const quirk of Object.keys(ALL_QUIRKS) as (keyof MarkdownQuirks)[]) {
    it(`reads fujian-pingtan-2025 with only ${quirk}`, () => {
      const md = toConverterMarkdown(join(CORPUS_DIR, 'fujian-pingtan-2025.html'), { [quirk]: true });
      expect(misses(parseTextReport(md), expected('fujian-pingtan-2025'))).toEqual([]);
    });
  }

  it('places a loose two-line cell only where its note names the column', () => {
    const table = (note: string) =>
      [
        '二、主动公开政府信息情况',
        '第二十条第（一）项',
        '7',
        note,
        '| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |',
        '|---|---|---|---|',
        '| 规章 | 3 | 40 |',
        '| 行政规范性文件 | 1 | 2 | 9 |',
        '|---|---|---|---|',
        '',
      ].join('\n');
    const named = parseTextReport(table('（含自然失效 5 件）'));
    expect(named.active?.regulations).toEqual({ issued: 3, repealed: 7, in_force: 40 });
    const unnamed = parseTextReport(table('（另见附件）'));
    // No column named: nothing placed, the short row is reported, no value invented.
    expect(unnamed.active?.regulations?.repealed).toBe(40);
    expect(unnamed.issues.some((f) => f.rule === 'report.row_shape' && f.scope === 'regulations')).toBe(true);
  });

  it('drops captions, separators and invented header rows, and keeps pipe text as it was', () => {
    const md = [
      '## 表三：收到和处理政府信息公开申请情况',
      '| 数据1 | 数据2 | 总计 |',
      '|---|---|---|',
      '| 1 | 2 | 3 |',
      '| - | - |',
      '|---|---|',
      '| 规章 | 1 |',
    ].join('\n');
    const texts = textToStream(md).tokens.map((t) => t.text);
    expect(texts).not.toContain('数据1');
    expect(texts).not.toContain('-');
    expect(texts.some((t) => t.includes('表三'))).toBe(false);
    // Pipe-flattened text (FORMAT.md §9) has no separator rows: not read as markdown.
    const pipe = textToStream(readFileSync(join(CORPUS_DIR, 'heilongjiang-acheng-feiketu-2023.txt'), 'utf8'));
    expect(pipe.tokens.some((t) => t.kind === 'bare')).toBe(true);
  });
});
