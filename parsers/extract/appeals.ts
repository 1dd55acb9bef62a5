/**
 * Table 4 (行政复议、行政诉讼) from the token stream. Its data row has no label: after the
 * 行政复议/行政诉讼 header, take the first run of 15 value cells and assign them by the fixed
 * order of FORMAT.md §3.4 (headers are often split per character and are not read).
 */
import { APPEAL_COLUMNS, APPEAL_GROUPS } from '../keys.js';
import type { Token } from '../stream.js';
import { TableBuilder } from './values.js';

const WIDTH = APPEAL_GROUPS.length * APPEAL_COLUMNS.length;
const WINDOW = 120;

function isAnchor(t: Token): boolean {
  if (t.kind === 'cell') return /^行政复议(?:情况)?$/.test(t.norm);
  return t.kind === 'para' && t.norm.includes('行政复议') && t.norm.includes('行政诉讼');
}

/**
 * The first run of ≥15 consecutive value cells after `start` (prose allowed only in plain text).
 * `surplus` receives the non-blank value cells of the run beyond the 15 read.
 */
function findRun(tokens: readonly Token[], start: number, allowProse: boolean, surplus: Token[]): Token[] | null {
  let run: Token[] = [];
  const end = Math.min(tokens.length, start + WINDOW);
  for (let i = start + 1; i <= end; i++) {
    const t = tokens[i];
    const breaks = !t || t.kind === 'para' || (t.kind === 'cell' && !t.value);
    const rowChange = t && run.length > 0 && t.rowKnown && run[0]!.rowKnown && t.row !== run[run.length - 1]!.row;
    if (breaks || rowChange) {
      if (run.length >= WIDTH) {
        while (run.length > WIDTH && (run[0]!.ambiguous || run[0]!.text === '')) run.shift();
        surplus.push(...run.slice(WIDTH).filter((t) => !t.ambiguous && t.text !== ''));
        return run.slice(0, WIDTH);
      }
      run = [];
      if (t && t.kind === 'para' && !allowProse) return null;
      if (rowChange && t.kind === 'cell' && t.value) run.push(t);
      continue;
    }
    if (t.kind === 'bare') continue;
    run.push(t);
  }
  return null;
}

export function extractAppeals(tokens: readonly Token[]): TableBuilder {
  const builder = new TableBuilder('appeals');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!isAnchor(t)) continue;
    const surplus: Token[] = [];
    const run = findRun(tokens, i, t.kind === 'para', surplus);
    if (!run) continue;
    APPEAL_GROUPS.forEach((group, g) =>
      APPEAL_COLUMNS.forEach((col, c) => builder.set(group.key, col.key, run[g * APPEAL_COLUMNS.length + c])),
    );
    if (surplus.length > 0) {
      builder.note(
        APPEAL_GROUPS.map((g) => g.key),
        `Table 4 has ${WIDTH + surplus.length} values in its data row where it has ${WIDTH} columns: the first ${WIDTH} were read, so they may be misplaced.`,
      );
    }
    break;
  }
  return builder;
}
