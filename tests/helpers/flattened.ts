/**
 * Renders a corpus page as an archive's space-flattened dump (issue 18): a header block
 * (`标题: …` / `发布时间: …`) and then the page's whole text on one line, the cells of its tables
 * joined by single spaces and blank cells dropped. `blank` empties chosen cells first (by their
 * table row's first cell and the cell's place in the row), to make rows that lost a blank.
 */
import { readFileSync } from 'node:fs';
import { flattenHtml } from '../../parsers/html/stream.js';

export interface FlattenOptions {
  title: string;
  published: string;
  /** Cells to empty before flattening: the row's first cell → indexes of its cells to empty. */
  blank?: Record<string, number[]>;
}

export function toSpaceFlattened(htmlPath: string, options: FlattenOptions): string {
  const words = flattenHtml(readFileSync(htmlPath, 'utf8'), 'row')
    .split('\n')
    .map((line) => {
      if (!line.includes('|')) return line.trim();
      const cells = line.split('|').map((c) => c.trim());
      const emptied = options.blank?.[cells[0]!] ?? [];
      return cells.filter((c, i) => c !== '' && !emptied.includes(i)).join(' ');
    })
    .filter(Boolean);
  return `标题: ${options.title}\n发布时间: ${options.published}\n${words.join(' ')}\n`;
}
