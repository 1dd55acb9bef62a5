/**
 * The document as a flat stream of tokens in reading order: paragraphs of prose and table
 * cells. HTML pages and pipe-flattened or plain text are both turned into this stream, and the
 * table extractors work on it by label anchors, so they do not depend on where a table sits.
 */
import { normalizeLabel } from './normalize.js';
import { isValueText } from './number.js';

/** Paragraphs longer than this are prose: not normalised for label or heading matching. */
export const LONG_PARAGRAPH = 120;

export type TokenKind = 'para' | 'cell' | 'bare';

export interface Token {
  kind: TokenKind;
  /** Text as found, whitespace collapsed ('' for an empty cell). */
  text: string;
  /** Matching form (see normalizeLabel); empty for value cells and for paragraphs over LONG_PARAGRAPH characters, which are never labels or headings. */
  norm: string;
  /** Source table index (HTML) or null. */
  table: number | null;
  /** Row id, unique in the document; meaningful only when rowKnown. */
  row: number;
  /** True when row boundaries are known (HTML rows, one-row-per-line text). */
  rowKnown: boolean;
  gridRow: number | null;
  gridCol: number | null;
  /** A lone "|" line in pipe text: an empty cell, or one covered grid slot. */
  ambiguous?: boolean;
  /**
   * A value cell found outside any row (plain text): a cell of two lines that a converter left as
   * loose lines ("22" + "（其中修订 16 件）"). Its row is the table's row that lacks one value.
   */
  loose?: boolean;
  /** Cached: the cell reads as a value (number, blank, placeholder). */
  value: boolean;
}

export function makeToken(
  kind: TokenKind,
  text: string,
  pos: { table: number | null; row: number; rowKnown: boolean; gridRow: number | null; gridCol: number | null },
  ambiguous = false,
): Token {
  const value = kind === 'cell' && isValueText(text);
  // Values are never matched as labels: only label cells and short paragraphs are normalised.
  const labelLike = kind === 'cell' ? !value : kind === 'para' && text.length <= LONG_PARAGRAPH;
  const t: Token = {
    kind,
    text,
    norm: labelLike ? normalizeLabel(text) : '',
    table: pos.table,
    row: pos.row,
    rowKnown: pos.rowKnown,
    gridRow: pos.gridRow,
    gridCol: pos.gridCol,
    value,
  };
  if (ambiguous) t.ambiguous = true;
  return t;
}

/** Metadata signals gathered while reading the document (meta tags, <title>, visible fields). */
export interface DocumentSignals {
  meta: Record<string, string>;
  htmlTitle: string | null;
  visibleTitle: string | null;
}

/** A line of the document: a paragraph, or a table row with its covered grid slots (FORMAT.md §9). */
export type TextBlock = { para: string } | { cells: string[]; covered: number };

export interface TokenStream {
  tokens: Token[];
  signals: DocumentSignals;
  /** Plain text of the document: paragraphs, table rows as pipe text, one row per line. */
  text: string;
  /** Data tables (by index) not closed by their own `</table>`: the page is cut off or hidden inside them. */
  unclosedTables?: number[];
}

/**
 * Writes blocks as pipe-flattened text (FORMAT.md §9): each cell followed by " |", an empty cell
 * as "|", then one bare "|" per covered slot; `row` puts a table row on one line, `cell` puts
 * every cell (and the bare run) on its own line, as the stored copies of report pages do.
 */
export function formatPipeText(blocks: readonly TextBlock[], style: 'row' | 'cell' = 'row'): string {
  const lines: string[] = [];
  for (const block of blocks) {
    if ('para' in block) {
      lines.push(block.para);
      continue;
    }
    const cells = block.cells.map((c) => (c ? `${c} |` : '|'));
    const bare = block.covered > 0 ? '|'.repeat(block.covered) : '';
    if (style === 'cell') {
      lines.push(...cells);
      if (bare) lines.push(bare);
    } else {
      lines.push([...cells, bare].filter(Boolean).join(' '));
    }
  }
  return lines.join('\n');
}
