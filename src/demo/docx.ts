/**
 * Builds a real Word document (WordprocessingML in a ZIP, readable by mammoth and Word) from an
 * HTML report page: the title, every paragraph and every table of the body, with row and column
 * spans turned into `w:vMerge` / `w:gridSpan`. Used by the demo portal to serve a report as a DOCX
 * attachment generated from a corpus page, so its values are known.
 */
import JSZip from 'jszip';
import * as cheerio from 'cheerio';
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
/** Fixed timestamp for the ZIP entries, so the same input always gives the same bytes. */
const FIXED_DATE = new Date(Date.UTC(2024, 2, 8, 0, 0, 0));

function xmlEscape(s: string): string {
  // Drop characters XML 1.0 forbids, then escape.
  return (
    s
      // eslint-disable-next-line no-control-regex -- control characters are what this pattern matches
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

function run(text: string, bold = false): string {
  const parts = text.split('\n');
  const inner = parts.map((p, i) => `${i > 0 ? '<w:br/>' : ''}<w:t xml:space="preserve">${xmlEscape(p)}</w:t>`).join('');
  return `<w:r>${bold ? '<w:rPr><w:b/></w:rPr>' : ''}${inner}</w:r>`;
}

function paragraph(text: string, opts: { bold?: boolean; center?: boolean } = {}): string {
  const ppr = opts.center ? '<w:pPr><w:jc w:val="center"/></w:pPr>' : '';
  return `<w:p>${ppr}${text ? run(text, opts.bold) : ''}</w:p>`;
}

/** Text of an element with `<br>` kept as line breaks and whitespace collapsed per line. */
function textWithBreaks($: CheerioAPI, el: AnyNode): string {
  const clone = $(el).clone();
  clone.find('br').replaceWith('\n');
  return clone
    .text()
    .split('\n')
    .map((l) => l.replace(/[ \t\r\f\u00a0\u3000]+/g, ' ').trim())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

interface GridCell {
  row: number;
  col: number;
  rowspan: number;
  colspan: number;
  paragraphs: string[];
}

function tableXml($: CheerioAPI, table: Element): string {
  const rows = $(table)
    .find('tr')
    .toArray()
    .filter((tr) => $(tr).closest('table')[0] === table);
  const cells: GridCell[] = [];
  const occupied: boolean[][] = [];
  rows.forEach((tr, r) => {
    let c = 0;
    for (const td of $(tr).children('td, th').toArray()) {
      occupied[r] ??= [];
      while (occupied[r]![c]) c++;
      const rowspan = Math.max(1, Math.min(Number($(td).attr('rowspan') ?? 1) || 1, rows.length - r));
      const colspan = Math.max(1, Math.min(Number($(td).attr('colspan') ?? 1) || 1, 63));
      const ps = $(td).find('p').toArray();
      const paragraphs = ps.length ? ps.map((p) => textWithBreaks($, p)) : [textWithBreaks($, td)];
      cells.push({ row: r, col: c, rowspan, colspan, paragraphs });
      for (let rr = r; rr < r + rowspan; rr++) {
        occupied[rr] ??= [];
        for (let cc = c; cc < c + colspan; cc++) occupied[rr]![cc] = true;
      }
      c += colspan;
    }
  });
  const ncols = Math.max(1, ...occupied.map((o) => o?.length ?? 0));
  const colW = Math.floor(9000 / ncols);
  const border =
    '<w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>';
  let xml = `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>${border}</w:tblBorders></w:tblPr><w:tblGrid>`;
  for (let c = 0; c < ncols; c++) xml += `<w:gridCol w:w="${colW}"/>`;
  xml += '</w:tblGrid>';
  for (let r = 0; r < rows.length; r++) {
    xml += '<w:tr>';
    let c = 0;
    while (c < ncols) {
      const start = cells.find((x) => x.row === r && x.col === c);
      const above = cells.find((x) => x.row < r && x.row + x.rowspan > r && x.col === c);
      if (start) {
        const pr = `${start.colspan > 1 ? `<w:gridSpan w:val="${start.colspan}"/>` : ''}${start.rowspan > 1 ? '<w:vMerge w:val="restart"/>' : ''}`;
        xml += `<w:tc><w:tcPr><w:tcW w:w="${colW * start.colspan}" w:type="dxa"/>${pr}</w:tcPr>${start.paragraphs.map((p) => paragraph(p)).join('') || '<w:p/>'}</w:tc>`;
        c += start.colspan;
      } else if (above) {
        const pr = `${above.colspan > 1 ? `<w:gridSpan w:val="${above.colspan}"/>` : ''}<w:vMerge/>`;
        xml += `<w:tc><w:tcPr><w:tcW w:w="${colW * above.colspan}" w:type="dxa"/>${pr}</w:tcPr><w:p/></w:tc>`;
        c += above.colspan;
      } else {
        xml += `<w:tc><w:tcPr><w:tcW w:w="${colW}" w:type="dxa"/></w:tcPr><w:p/></w:tc>`;
        c += 1;
      }
    }
    xml += '</w:tr>';
  }
  return `${xml}</w:tbl>`;
}

const BLOCKS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'div', 'section', 'article', 'blockquote', 'pre']);

function bodyXml($: CheerioAPI, root: Element): string {
  let xml = '';
  const walk = (node: AnyNode) => {
    if (node.type !== 'tag') return;
    const el = node as Element;
    if (el.name === 'table') {
      xml += tableXml($, el);
      xml += '<w:p/>';
      return;
    }
    if (el.name === 'script' || el.name === 'style') return;
    const hasBlockChild = $(el)
      .children()
      .toArray()
      .some((c) => c.type === 'tag' && (BLOCKS.has((c as Element).name) || (c as Element).name === 'table'));
    if (BLOCKS.has(el.name) && !hasBlockChild) {
      const text = textWithBreaks($, el);
      if (text) {
        const bold = $(el).find('strong, b').length > 0 && $(el).find('strong, b').text().trim() === $(el).text().trim();
        xml += paragraph(text, { bold });
      }
      return;
    }
    for (const child of el.children) walk(child);
  };
  for (const child of root.children) walk(child);
  return xml;
}

/** Title and body element of an HTML report page. */
export function reportParts(html: string): { $: CheerioAPI; title: string; body: Element } {
  const $ = cheerio.load(html);
  const title = $('meta[name="ArticleTitle"]').attr('content')?.trim() || $('.article_title').first().text().trim() || $('title').text().split('_')[0]!.trim();
  const body = ($('.TRS_Editor').first()[0] ?? $('.article_content').first()[0] ?? $('body')[0]) as Element;
  return { $, title, body };
}

/** A DOCX (as bytes) holding the title, paragraphs and tables of an HTML report page. */
export async function htmlReportToDocx(html: string, opts: { author?: string } = {}): Promise<Buffer> {
  const { $, title, body } = reportParts(html);
  const document =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<w:document xmlns:w="${W_NS}"><w:body>` +
    paragraph(title, { bold: true, center: true }) +
    bodyXml($, body) +
    `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>` +
    `</w:body></w:document>`;
  const contentTypes =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
    `<Default Extension="xml" ContentType="application/xml"/>` +
    `<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
    `<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
    `</Types>`;
  const rels =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
    `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
    `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
    `</Relationships>`;
  const docRels =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>`;
  const core =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<dc:title>${xmlEscape(title)}</dc:title><dc:creator>${xmlEscape(opts.author ?? '')}</dc:creator>` +
    `</cp:coreProperties>`;
  const zip = new JSZip();
  const o = { date: FIXED_DATE };
  zip.file('[Content_Types].xml', contentTypes, o);
  zip.file('_rels/.rels', rels, o);
  zip.file('word/document.xml', document, o);
  zip.file('word/_rels/document.xml.rels', docRels, o);
  zip.file('docProps/core.xml', core, o);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
