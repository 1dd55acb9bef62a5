/**
 * Pipe-flattened or plain text → token stream (FORMAT.md §9).
 *
 * Pipe text: every cell is followed by " |"; a line of bare "|" counts grid slots covered by
 * spans. Lines may hold one cell ("规章 |") or a whole row ("规章 | 0 | 0 | 0 |"). A whole-row
 * line gives its row boundary; one-cell lines do not, so the extractors rebuild rows from the
 * known templates (value counts after each label). A lone "|" is ambiguous (empty cell or one
 * covered slot) and is marked so.
 *
 * Plain text (e.g. copied from a PDF): a line "label 1 2 3" becomes a row of cells, a line of
 * numbers only becomes a row of value cells, anything else is a paragraph.
 */
import { collapseSpaces } from '../normalize.js';
import { makeToken, type Token, type TokenStream } from '../stream.js';

const BARE = /^\|+$/;
const NUMERIC_WORD = /^[+\-−]?(?:\d[\d,，]*(?:\.\d+)?|[-—–/／])$/;

/** True when the text looks pipe-flattened (enough lines end with "|"). */
export function isPipeText(text: string): boolean {
  let pipeLines = 0;
  for (const line of text.split(/\r?\n/)) if (/\|\s*$/.test(line)) pipeLines++;
  return pipeLines >= 5;
}

export function textToStream(text: string): TokenStream {
  const pipe = isPipeText(text);
  const tokens: Token[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  let rowId = 0;
  lines.forEach((rawLine, lineNo) => {
    const line = rawLine.replace(/[\u00a0\u3000]/g, ' ').trim();
    if (!line) return;
    rowId++;
    const pos = (known: boolean, col: number | null) => ({
      table: null,
      row: rowId,
      rowKnown: known,
      gridRow: lineNo + 1,
      gridCol: col,
    });
    if (pipe && line.endsWith('|')) {
      if (BARE.test(line)) {
        if (line.length === 1) tokens.push(makeToken('cell', '', pos(false, 0), true));
        else tokens.push(makeToken('bare', line, pos(false, null)));
        return;
      }
      const segments = line.split('|');
      segments.pop(); // text after the last pipe (empty)
      // The trailing run of empty segments after the last cell are covered slots.
      let lastCell = segments.length - 1;
      while (lastCell >= 0 && segments[lastCell]!.trim() === '') lastCell--;
      const cells = segments.slice(0, lastCell + 1).map((s) => collapseSpaces(s));
      const known = cells.length > 1;
      cells.forEach((cell, i) => tokens.push(makeToken('cell', cell, pos(known, i))));
      const covered = segments.length - 1 - lastCell;
      if (covered > 0) tokens.push(makeToken('bare', '|'.repeat(covered), pos(known, null)));
      return;
    }
    const collapsed = collapseSpaces(line);
    const words = collapsed.split(' ');
    if (!pipe && words.length >= 2) {
      // "label n n n" or "n n n": a table row in plain text.
      let firstNumber = words.length;
      while (firstNumber > 0 && NUMERIC_WORD.test(words[firstNumber - 1]!)) firstNumber--;
      const numbers = words.length - firstNumber;
      const label = words.slice(0, firstNumber).join('');
      if (numbers >= 2 || (numbers === 1 && firstNumber > 0 && label.length <= 60 && /^[\p{Script=Han}（(一二三四五六七八九十\d.、)）"“”]+$/u.test(label))) {
        let col = 0;
        if (label) tokens.push(makeToken('cell', words.slice(0, firstNumber).join(' '), pos(true, col++)));
        for (const w of words.slice(firstNumber)) tokens.push(makeToken('cell', w, pos(true, col++)));
        return;
      }
    }
    tokens.push(makeToken('para', collapsed, pos(true, null)));
  });
  return { tokens, signals: { meta: {}, htmlTitle: null, visibleTitle: null }, text: text.replace(/^\ufeff/, '') };
}
