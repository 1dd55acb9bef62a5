/**
 * What the full-text index holds for a report besides its title and agency: the prose (table
 * rows left out, see `proseText` in writer.ts) followed by one line naming the report's tables'
 * rows and columns by their official Chinese labels (parsers/keys.ts) and the labels of a
 * pre-2019 statistics table as the report words them. A search for 本机关不掌握 or 行政复议数 so
 * finds the reports that have such a row, not only those whose prose mentions it. Migration 5
 * writes the same line for reports stored before it.
 */
import { canonicalLabels } from './db.js';

/** Starts the labels line (also in migration 5's SQL). */
export const LABELS_PREFIX = '表格项目：';
/** Separates labels on the line (also in migration 5's SQL). */
export const LABELS_SEPARATOR = '；';

/** Label by table, then `row`/`col`, then key. */
let byKey: Map<string, Map<string, string>> | null = null;
const labelsOf = (table: string, dimension: 'row' | 'col'): Map<string, string> | undefined => {
  if (!byKey) {
    byKey = new Map();
    for (const l of canonicalLabels()) {
      const k = `${l.table_name}\u0000${l.dimension}`;
      let m = byKey.get(k);
      if (!m) byKey.set(k, (m = new Map()));
      m.set(l.key, l.label);
    }
  }
  return byKey.get(`${table}\u0000${dimension}`);
};

/**
 * The labels line of a report: row labels (in the order of the cells), then column labels, then
 * the statistics labels; each once. Empty when the report has no table.
 */
export function tableLabelsLine(cells: readonly { table: string; row: string; col: string }[], stats: readonly { label: string }[] = []): string {
  const rows = new Set<string>();
  const cols = new Set<string>();
  let table = '';
  let rowLabels: Map<string, string> | undefined;
  let colLabels: Map<string, string> | undefined;
  for (const c of cells) {
    if (c.table !== table) {
      table = c.table;
      rowLabels = labelsOf(table, 'row');
      colLabels = labelsOf(table, 'col');
    }
    const r = rowLabels?.get(c.row);
    if (r !== undefined) rows.add(r);
    const k = colLabels?.get(c.col);
    if (k !== undefined) cols.add(k);
  }
  const labels = [...rows, ...cols, ...new Set(stats.map((s) => s.label))];
  return labels.length === 0 ? '' : `${LABELS_PREFIX}${labels.join(LABELS_SEPARATOR)}`;
}

/** The indexed text: prose, then the labels line (if any) on its own line. */
export function indexedText(prose: string, labelsLine: string): string {
  return labelsLine ? `${prose}\n${labelsLine}` : prose;
}
