/**
 * A parsed report as readable text: metadata, each table with its Chinese labels in aligned
 * columns, then the validation findings.
 */
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from '../../parsers/keys.js';
import type { KeyedTable, ParsedReport } from '../../parsers/types.js';
import { renderTable } from './width.js';

const show = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : String(v));

function activeLabels(): Map<string, string> {
  const labels = new Map<string, string>();
  for (const row of ACTIVE_ROWS) for (const cols of Object.values(row.columns)) for (const c of cols ?? []) labels.set(c.key, c.label);
  return labels;
}

function renderActive(active: KeyedTable): string {
  const labels = activeLabels();
  const blocks: string[] = [];
  let current: string[][] = [];
  let currentCols = '';
  for (const def of ACTIVE_ROWS) {
    const row = active[def.key];
    if (!row) continue;
    const cols = Object.keys(row);
    if (cols.join() !== currentCols) {
      if (current.length) blocks.push(renderTable(current));
      current = [['信息内容', ...cols.map((c) => labels.get(c) ?? c)]];
      currentCols = cols.join();
    }
    current.push([def.label, ...cols.map((c) => show(row[c]))]);
  }
  if (current.length) blocks.push(renderTable(current));
  return blocks.join('\n\n');
}

function renderRequests(requests: KeyedTable): string {
  const rows: string[][] = [['', ...REQUEST_COLUMNS.map((c) => c.label)]];
  for (const def of REQUEST_ROWS) {
    const row = requests[def.key];
    if (!row) continue;
    const label = def.label.length > 24 ? `${def.label.slice(0, 23)}…` : def.label;
    rows.push([label, ...REQUEST_COLUMNS.map((c) => show(row[c.key]))]);
  }
  return renderTable(rows);
}

function renderAppeals(appeals: KeyedTable): string {
  const rows: string[][] = [['', ...APPEAL_COLUMNS.map((c) => c.label)]];
  for (const g of APPEAL_GROUPS) {
    const row = appeals[g.key];
    if (row) rows.push([g.label, ...APPEAL_COLUMNS.map((c) => show(row[c.key]))]);
  }
  return renderTable(rows);
}

export function renderReport(report: ParsedReport, file: string): string {
  const out: string[] = [];
  out.push(`== ${file}`);
  out.push(report.title ?? '(no title)');
  out.push(
    `format ${report.format} · agency ${report.agency ?? '—'} · year ${report.year ?? '—'} · published ${report.published ?? '—'}`,
  );
  if (report.active) out.push('', '表二 主动公开政府信息情况', renderActive(report.active));
  if (report.requests) out.push('', '表三 收到和处理政府信息公开申请情况', renderRequests(report.requests));
  if (report.appeals) out.push('', '表四 政府信息公开行政复议、行政诉讼情况', renderAppeals(report.appeals));
  if (report.stats) {
    const rows = [['指标', '单位', '本年', '累计'], ...report.stats.map((s) => [s.label, s.unit ?? '', show(s.value), show(s.cumulative)])];
    out.push('', '统计表', renderTable(rows));
  }
  const shown = report.issues.filter((f) => f.severity !== 'not_assessable');
  const notAssessable = report.issues.length - shown.length;
  out.push('', `Findings: ${shown.length === 0 ? 'none' : shown.length}${notAssessable ? ` (+${notAssessable} not assessable: blank totals)` : ''}`);
  for (const f of shown) out.push(`  ${f.severity.padEnd(7)} ${f.rule}  ${f.message}`);
  return out.join('\n');
}
