/**
 * HTML page → token stream. One pass over the DOM (cheerio with the htmlparser2 backend):
 * block elements end paragraphs, each data `<table>` is rebuilt as a grid (rowspan/colspan) and
 * emitted cell by cell, tables used only for layout are read through as containers. The walk is
 * in dom-walk.ts, a table's rows, cells and cell text in table-parts.ts.
 */
import { load } from 'cheerio';
import type { AnyNode, Document, Element } from 'domhandler';
import type { BudgetMeter } from '../budget.js';
import { collapseSpaces } from '../normalize.js';
import { formatPipeText, makeToken, type DocumentSignals, type TextBlock, type Token, type TokenStream } from '../stream.js';
import { HTML_PARSER_OPTIONS, parseHtmlDocument } from './budget.js';
import { BLOCK, SKIP, isElement, traverse } from './dom-walk.js';
import { buildGrid } from './grid.js';
import { blocksAroundTables, cellText, ownCells, ownNestedTables, ownRows } from './table-parts.js';

/** Layout tables read as containers up to this nesting depth; deeper ones as plain text (no recursion). */
const MAX_LAYOUT_DEPTH = 64;

/** Parses HTML with the same cheerio backend the project uses everywhere (htmlparser2). */
export function loadHtml(html: string) {
  // End indices tell a table closed by `</table>` from one closed implicitly (a cut-off page).
  return load(html, { xml: HTML_PARSER_OPTIONS });
}

/**
 * Reads an HTML page into a token stream plus the metadata signals around the article. With a
 * `meter`, the page is held to its budget while its DOM is built (NB_PARSE_TOO_LARGE).
 */
export function htmlToStream(html: string, meter?: BudgetMeter): TokenStream & { blocks: TextBlock[] } {
  const doc = parseHtmlDocument(html, meter);
  let root: AnyNode = doc.root;
  // Pages that never close their tags (a cell nested in a cell, seen while the tree was built):
  // parse5 (the HTML standard's tree builder) closes cells and rows where browsers do, so read
  // those pages with it instead.
  if (doc.nestedCells) root = load(html, { sourceCodeLocationInfo: true }).root()[0]!;
  const tokens: Token[] = [];
  const blocks: TextBlock[] = [];
  let buffer: string[] = [];
  let rowId = 0;
  let tableIndex = 0;
  let layoutDepth = 0;
  const unclosed: number[] = [];

  const flush = (): void => {
    if (buffer.length === 0) return;
    const text = collapseSpaces(buffer.join(''));
    buffer = [];
    if (!text) return;
    rowId++;
    tokens.push(makeToken('para', text, { table: null, row: rowId, rowKnown: true, gridRow: null, gridCol: null }));
    blocks.push({ para: text });
  };

  const emitTable = (table: Element): void => {
    const rows = ownRows(table);
    const cellRows = rows.map(ownCells);
    // Each cell's own text (nested tables left out), and the cells that hold a table.
    const texts = new Map<Element, string>();
    const nested = new Set<Element>();
    for (const row of cellRows)
      for (const cell of row) {
        const parts: string[] = [];
        if (cellText(cell, parts)) nested.add(cell);
        texts.set(cell, collapseSpaces(parts.join('')));
      }
    // A table holding other tables (or a single cell) lays out the page — unless its own cells
    // hold a report table's figures: a page that leaves its tables open nests the next table in
    // the last cell of the previous one. Tables nested in a data table are read after it.
    let layout = texts.size <= 1;
    if (!layout && nested.size > 0) {
      let figures = 0;
      for (const [cell, text] of texts) if (!nested.has(cell) && /^\d[\d,.]*$/.test(text)) figures++;
      layout = figures < 3;
    }
    if (layout) {
      if (layoutDepth >= MAX_LAYOUT_DEPTH) {
        // Layout tables nested this deep are hostile (each level recurses): keep their text as prose.
        const parts: string[] = [];
        traverse(table, (node) => {
          if (node.type === 'text') parts.push((node as unknown as { data: string }).data, ' ');
          return isElement(node) && !SKIP.has(node.name);
        });
        buffer.push(parts.join(''));
        flush();
        return;
      }
      // A table used for page layout: read its cells as ordinary containers.
      layoutDepth++;
      for (const row of cellRows)
        for (const cell of row) {
          walk(cell);
          flush();
        }
      layoutDepth--;
      return;
    }
    const index = tableIndex++;
    // Not closed by its own </table>: the page is cut off inside it, or an unclosed comment or
    // <script> hides the rest, so its last row may be incomplete.
    const end = table.endIndex ?? html.length;
    if (end >= html.length || !/^<\/table\b/i.test(html.slice(html.lastIndexOf('<', end), end + 1))) unclosed.push(index);
    const grid = buildGrid(cellRows.map((row) => row.map((cell) => ({ item: cell, rowspan: cell.attribs['rowspan'], colspan: cell.attribs['colspan'] }))));
    const lineCells: string[][] = cellRows.map(() => []);
    const rowBase = rowId + 1;
    const proseAfter = new Map<Element, string[]>();
    const proseAfterTables = new Map<Element, string[]>();
    // The last cell of a table left open swallowed the rest of the page: keep its first block.
    const lastCell = unclosed.includes(index) ? grid.cells[grid.cells.length - 1]?.item : undefined;
    for (const placed of grid.cells) {
      let text: string;
      if (placed.item === lastCell) {
        const [own = '', ...rest] = blocksAroundTables(placed.item, false).before;
        text = own;
        proseAfter.set(placed.item, rest);
      } else if (nested.has(placed.item)) {
        // A table inside a data cell: the cell's value is its first block outside that table.
        const { before, after } = blocksAroundTables(placed.item);
        const [own = '', ...rest] = before.length > 0 ? before : after;
        text = own;
        proseAfter.set(placed.item, before.length > 0 ? rest : []);
        proseAfterTables.set(placed.item, before.length > 0 ? after : rest);
      } else {
        text = texts.get(placed.item)!;
      }
      lineCells[placed.row]!.push(text);
      tokens.push(
        makeToken('cell', text, {
          table: index,
          row: rowBase + placed.row,
          rowKnown: true,
          gridRow: placed.row,
          gridCol: placed.col,
        }),
      );
    }
    lineCells.forEach((cells, r) => {
      const covered = grid.coveredSlots[r] ?? 0;
      if (cells.length || covered) blocks.push({ cells, covered });
    });
    rowId = rowBase + rows.length;
    if (lastCell && !nested.has(lastCell)) {
      for (const para of proseAfter.get(lastCell) ?? []) {
        buffer.push(para);
        flush();
      }
    }
    if (nested.size > 0 && layoutDepth < MAX_LAYOUT_DEPTH) {
      layoutDepth++;
      for (const cell of nested) {
        for (const para of proseAfter.get(cell) ?? []) {
          buffer.push(para);
          flush();
        }
        for (const inner of ownNestedTables(cell)) emitTable(inner);
        for (const para of proseAfterTables.get(cell) ?? []) {
          buffer.push(para);
          flush();
        }
      }
      layoutDepth--;
    }
  };

  // Metadata signals are picked up on the same pass: <meta name>, <title>, the visible title.
  const meta: Record<string, string> = {};
  let htmlTitle: string | null = null;
  let visibleTitle: string | null = null;
  const textOf = (el: Element): string => {
    const parts: string[] = [];
    cellText(el, parts);
    return collapseSpaces(parts.join(''));
  };

  const walk = (root: AnyNode): void =>
    traverse(
      root,
      (node) => {
        if (node.type === 'text') {
          buffer.push((node as unknown as { data: string }).data);
          return false;
        }
        if (!isElement(node)) return false;
        const name = node.name;
        if (name === 'meta') {
          const key = (node.attribs['name'] ?? '').trim().toLowerCase();
          if (key && !(key in meta)) meta[key] = collapseSpaces(node.attribs['content'] ?? '');
          return false;
        }
        if (name === 'title') {
          htmlTitle ??= textOf(node) || null;
          return false;
        }
        if (SKIP.has(name)) return false;
        if (name === 'table') {
          flush();
          emitTable(node);
          return false;
        }
        if (visibleTitle === null && (name === 'h1' || /\barticle[_-]title\b/.test(node.attribs['class'] ?? ''))) {
          visibleTitle = textOf(node) || null;
        }
        if (BLOCK.has(name)) flush();
        return true;
      },
      (el) => {
        if (BLOCK.has(el.name)) flush();
      },
    );

  for (const node of (root as Document).children) walk(node);
  flush();
  const signals: DocumentSignals = { meta, htmlTitle, visibleTitle };
  const stream: TokenStream & { blocks: TextBlock[] } = { tokens, signals, text: formatPipeText(blocks), blocks };
  if (unclosed.length > 0) stream.unclosedTables = unclosed;
  return stream;
}

/** An HTML page as pipe-flattened text (FORMAT.md §9), one row or one cell per line. */
export function flattenHtml(html: string, style: 'row' | 'cell' = 'row'): string {
  return formatPipeText(htmlToStream(html).blocks, style);
}
