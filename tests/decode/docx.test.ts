import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { docxToHtml } from '../../src/decode/docx.js';
import { DecodeError } from '../../src/decode/errors.js';
import { corpusPages } from './_corpus.js';
import { type DocxCell, docxParagraph, docxTable, makeDocx, makeZip } from './_zip.js';

/** A cell as read back from HTML: collapsed text and spans. */
interface Cell {
  text: string;
  colspan: number;
  rowspan: number;
}

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Rows of every top-level table of an HTML document, as cells with their spans. */
function tablesOf(html: string): Cell[][][] {
  const $ = cheerio.load(html);
  return $('table')
    .filter((_, t) => $(t).parents('table').length === 0)
    .toArray()
    .map((table) =>
      $(table)
        .find('tr')
        .filter((_, tr) => $(tr).closest('table').is(table))
        .toArray()
        .map((tr) =>
          $(tr)
            .children('td, th')
            .toArray()
            .map((td) => ({
              text: collapse($(td).text()),
              colspan: Number($(td).attr('colspan') ?? 1),
              rowspan: Number($(td).attr('rowspan') ?? 1),
            })),
        ),
    );
}

/**
 * Word table rows for an HTML table: horizontal spans become `gridSpan`; a rowspan becomes a `restart`
 * cell plus `continue` cells at the same grid column in the rows below, as Word writes them.
 */
function toDocxRows(rows: Cell[][]): DocxCell[][] {
  const pending = new Map<number, Map<number, number>>(); // row → grid column → gridSpan of the merged cell
  return rows.map((row, r) => {
    const out: DocxCell[] = [];
    const carried = pending.get(r) ?? new Map<number, number>();
    let col = 0;
    const flushCarried = (): void => {
      for (let span = carried.get(col); span !== undefined; span = carried.get(col)) {
        out.push({ text: '', gridSpan: span > 1 ? span : undefined, vMerge: 'continue' } as DocxCell);
        carried.delete(col);
        col += span;
      }
    };
    for (const cell of row) {
      flushCarried();
      out.push({ text: cell.text, ...(cell.colspan > 1 ? { gridSpan: cell.colspan } : {}), ...(cell.rowspan > 1 ? { vMerge: 'restart' as const } : {}) });
      for (let below = r + 1; below < r + cell.rowspan; below++) {
        const m = pending.get(below) ?? new Map<number, number>();
        m.set(col, cell.colspan);
        pending.set(below, m);
      }
      col += cell.colspan;
    }
    flushCarried();
    return out;
  });
}

describe('docxToHtml (mammoth)', () => {
  it('keeps a table with Chinese text, colspan and rowspan', async () => {
    const docx = makeDocx(
      docxParagraph('三、收到和处理政府信息公开申请情况') +
        docxTable([
          [
            { text: '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', gridSpan: 2, vMerge: 'restart' },
            { text: '申请人情况', gridSpan: 2 },
          ],
          [{ text: '', gridSpan: 2, vMerge: 'continue' }, { text: '自然人' }, { text: '法人或其他组织' }],
          [{ text: '一、本年新收政府信息公开申请数量', gridSpan: 2 }, { text: '23' }, { text: '0' }],
          [{ text: '三、本年度办理结果', vMerge: 'restart' }, { text: '（一）予以公开' }, { text: '7' }, { text: '' }],
          [{ text: '', vMerge: 'continue' }, { text: '（二）部分公开' }, { text: '1' }, { text: '—' }],
        ]),
    );
    const html = await docxToHtml(docx);
    expect(html).toContain('<p>三、收到和处理政府信息公开申请情况</p>');
    const [table, ...others] = tablesOf(html);
    expect(others).toHaveLength(0);
    expect(table).toEqual([
      [
        { text: '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', colspan: 2, rowspan: 2 },
        { text: '申请人情况', colspan: 2, rowspan: 1 },
      ],
      [
        { text: '自然人', colspan: 1, rowspan: 1 },
        { text: '法人或其他组织', colspan: 1, rowspan: 1 },
      ],
      [
        { text: '一、本年新收政府信息公开申请数量', colspan: 2, rowspan: 1 },
        { text: '23', colspan: 1, rowspan: 1 },
        { text: '0', colspan: 1, rowspan: 1 },
      ],
      [
        { text: '三、本年度办理结果', colspan: 1, rowspan: 2 },
        { text: '（一）予以公开', colspan: 1, rowspan: 1 },
        { text: '7', colspan: 1, rowspan: 1 },
        { text: '', colspan: 1, rowspan: 1 },
      ],
      [
        { text: '（二）部分公开', colspan: 1, rowspan: 1 },
        { text: '1', colspan: 1, rowspan: 1 },
        { text: '—', colspan: 1, rowspan: 1 },
      ],
    ]);
  });

  // Real report tables (text and merged cells of the corpus pages) written into a .docx the way Word
  // stores them, then read back: mammoth must give the same cells, texts and spans.
  // One page per template: pre-2019 statistics table, Word-export 2019 tables, the irregular 2021 grid,
  // the TRS-editor 2025 tables.
  const wanted = ['fujian-pingtan-2016.html', 'fujian-pingtan-2019.html', 'fujian-pingtan-2021.html', 'fujian-pingtan-2025.html'];
  const pages = corpusPages().filter((p) => wanted.includes(p.name));
  it('has the corpus pages, with tables', () => {
    expect(pages.map((p) => p.name)).toEqual(wanted);
    for (const p of pages) expect(tablesOf(p.text).length).toBeGreaterThanOrEqual(1);
  });
  it.each(pages.map((p) => [p.name, p.text] as const))('round-trips the tables of %s', async (_name, page) => {
    const tables = tablesOf(page);
    const body = tables.map((t) => docxParagraph('表') + docxTable(toDocxRows(t))).join('');
    const html = await docxToHtml(makeDocx(body));
    expect(tablesOf(html)).toEqual(tables);
  });

  it('throws NB_PARSE_UNSUPPORTED for a zip that is not a readable DOCX', async () => {
    const broken = makeZip([{ name: 'word/document.xml', data: '<w:document' }]);
    const err = await docxToHtml(broken, { fileName: 'broken.docx' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).code).toBe('NB_PARSE_UNSUPPORTED');
    expect((err as DecodeError).message).toMatch(/^broken\.docx: .*\.docx/);
  });

  it('throws NB_PARSE_UNSUPPORTED for truncated bytes', async () => {
    const docx = makeDocx(docxParagraph('报告'));
    const err = await docxToHtml(docx.subarray(0, docx.length - 40)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).code).toBe('NB_PARSE_UNSUPPORTED');
  });
});
