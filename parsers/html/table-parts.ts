/**
 * The parts of an HTML table as the reader needs them: a table's own rows and a row's own cells
 * (not those of nested tables), a cell's text, and the blocks of text a cell holds around the
 * tables nested in it. Pure: works on a tree already parsed.
 */
import type { AnyNode, Element } from 'domhandler';
import { collapseSpaces } from '../normalize.js';
import { BLOCK, SKIP, isElement, traverse } from './dom-walk.js';

/**
 * Text of a subtree: inline runs concatenated, block boundaries as spaces, nested tables skipped.
 * Returns true when it skipped a nested table.
 */
export function cellText(root: AnyNode, parts: string[]): boolean {
  let nestedTable = false;
  traverse(
    root,
    (node) => {
      if (node.type === 'text') {
        parts.push((node as unknown as { data: string }).data);
        return false;
      }
      if (!isElement(node)) return false;
      const name = node.name;
      if (name === 'table' && node !== root) {
        nestedTable = true;
        return false;
      }
      if (SKIP.has(name)) return false;
      if (BLOCK.has(name)) parts.push(' ');
      return true;
    },
    (el) => {
      if (BLOCK.has(el.name)) parts.push(' ');
    },
  );
  return nestedTable;
}

/** The rows (tr) that belong to this table, not to tables nested in it. */
export function ownRows(table: Element): Element[] {
  const rows: Element[] = [];
  traverse(table, (node) => {
    if (!isElement(node)) return false;
    const name = node.name;
    if (name === 'table' && node !== table) return false;
    if (name === 'tr') {
      rows.push(node);
      return false;
    }
    return true;
  });
  return rows;
}

export function ownCells(tr: Element): Element[] {
  const cells: Element[] = [];
  traverse(tr, (node) => {
    if (!isElement(node)) return false;
    const name = node.name;
    if (name === 'td' || name === 'th') {
      cells.push(node);
      return false;
    }
    return node === tr || (name !== 'table' && name !== 'tr');
  });
  return cells;
}

/**
 * The blocks of text of a cell outside its nested tables: those before the first nested table and
 * those after it (nested tables' own text excluded; they are read as tables). A cell that
 * swallowed the rest of a page left open holds its own value first, then the page's paragraphs;
 * a data cell with a table pasted into it may hold its value after that table. With `joinRuns`, a
 * table that interrupts a run of text mid-block leaves that run whole (it is one block, kept in
 * `before`): "2<table>…</table>648" reads 2648, never the silent fragment "2"; so do digits split
 * by tables across a block boundary.
 */
export function blocksAroundTables(cell: Element, joinRuns = true): { before: string[]; after: string[] } {
  const before: string[] = [];
  const after: string[] = [];
  let parts: string[] = [];
  let passedTable = false;
  // The current block began before a nested table that interrupted it mid-run.
  let carried = false;
  const cut = (): void => {
    const text = collapseSpaces(parts.join(''));
    if (text) (passedTable && !carried ? after : before).push(text);
    parts = [];
    carried = false;
  };
  traverse(
    cell,
    (node) => {
      if (node.type === 'text') {
        parts.push((node as unknown as { data: string }).data);
        return false;
      }
      if (!isElement(node)) return false;
      const name = node.name;
      if (node !== cell && name === 'table') {
        // A table dropped inside a run of text ("2<table>…</table>648", no block boundary on
        // either side) does not end the run: the text around it is one value, not "2" then prose.
        if (joinRuns && collapseSpaces(parts.join(''))) carried = true;
        else cut();
        passedTable = true;
        return false;
      }
      if (SKIP.has(name)) return false;
      if (node !== cell && BLOCK.has(name)) cut();
      return true;
    },
    (el) => {
      if (el !== cell && BLOCK.has(el.name)) cut();
    },
  );
  cut();
  // Digits on both sides of the tables ("13</p><table>…</table>30": a table closes the <p>) are
  // one number the tables were dropped into, as markup between digits is (FORMAT.md §7.4).
  // Only bare digit fragments: a value followed by a note in its own block stays apart.
  if (joinRuns && before.length > 0 && after.length > 0 && /^[+-]?[\d,.]+$/.test(before[before.length - 1]!) && /^[\d,.]+$/.test(after[0]!)) {
    before[before.length - 1] += after.shift()!;
  }
  return { before, after };
}

/** Tables inside a cell that are not inside another table of that cell. */
export function ownNestedTables(cell: Element): Element[] {
  const found: Element[] = [];
  traverse(cell, (node) => {
    if (!isElement(node)) return false;
    if (node !== cell && node.name === 'table') {
      found.push(node);
      return false;
    }
    return true;
  });
  return found;
}
