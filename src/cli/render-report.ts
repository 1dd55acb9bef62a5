/**
 * A parsed report as readable text: metadata, each table with its Chinese labels in aligned
 * columns, then the validation findings.
 */
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS, type RowDef } from '../../parsers/keys.js';
import type { KeyedTable, ParsedReport } from '../../parsers/types.js';
import { terminalSafe } from '../store/terminal-safe.js';
import { renderTable } from './width.js';

export interface RenderReportOptions {
  /** Terminal columns: long labels wrap to fit. @default no limit (one line per row) */
  width?: number | undefined;
}

const show = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : String(v));

/** Column labels by key, the report's own format first (2019 and 2021 word some columns differently). */
function activeLabels(format: string): Map<string, string> {
  const labels = new Map<string, string>();
  const formats = format === '2019' ? (['2021', '2019'] as const) : (['2019', '2021'] as const);
  for (const f of formats) for (const row of ACTIVE_ROWS) for (const c of row.columns[f] ?? []) labels.set(c.key, c.label);
  return labels;
}

function renderActive(active: KeyedTable, format: string, width: number | undefined): string {
  const labels = activeLabels(format);
  const blocks: string[] = [];
  let current: string[][] = [];
  let currentCols = '';
  for (const def of ACTIVE_ROWS) {
    const row = active[def.key];
    if (!row) continue;
    const cols = Object.keys(row);
    if (cols.join() !== currentCols) {
      if (current.length) blocks.push(renderTable(current, { maxWidth: width }));
      current = [['信息内容', ...cols.map((c) => labels.get(c) ?? c)]];
      currentCols = cols.join();
    }
    const label = format === '2019' && def.key === 'normative_documents' ? '规范性文件' : def.label;
    current.push([label, ...cols.map((c) => show(row[c]))]);
  }
  if (current.length) blocks.push(renderTable(current, { maxWidth: width }));
  return blocks.join('\n\n');
}

/**
 * Group headings of table 3 as the report has them, shown before the first row of their group
 * (rows of no group stand at the left; a group's numbered rows are indented under its heading).
 */
const REQUEST_HEADINGS: Partial<Record<NonNullable<RowDef['group']>, string>> = {
  denied: '（三）不予公开',
  unavailable: '（四）无法提供',
  rejected: '（五）不予处理',
};

function renderRequests(requests: KeyedTable, width: number | undefined): string {
  const rows: string[][] = [['', ...REQUEST_COLUMNS.map((c) => c.label)]];
  const blank = REQUEST_COLUMNS.map(() => '');
  const shownHeadings = new Set<string>();
  for (const def of REQUEST_ROWS) {
    const row = requests[def.key];
    if (def.key === 'granted') rows.push(['三、本年度办理结果', ...blank]);
    const heading = def.group ? REQUEST_HEADINGS[def.group] : undefined;
    if (heading && row && !shownHeadings.has(heading)) {
      shownHeadings.add(heading);
      rows.push([`  ${heading}`, ...blank]);
    }
    // （六）其他处理 has values of its own in 2019 reports and is the heading of its sub-rows.
    if (def.group === 'other' && def.key !== 'other' && row && !requests['other'] && !shownHeadings.has('other')) {
      shownHeadings.add('other');
      rows.push(['  （六）其他处理', ...blank]);
    }
    if (!row) continue;
    if (def.key === 'other') shownHeadings.add('other');
    const inResults = def.group !== undefined;
    const sub = /^\d/.test(def.label);
    const indent = sub ? '    ' : inResults ? '  ' : '';
    rows.push([indent + def.label, ...REQUEST_COLUMNS.map((c) => show(row[c.key]))]);
  }
  return renderTable(rows, { maxWidth: width });
}

function renderAppeals(appeals: KeyedTable, width: number | undefined): string {
  const rows: string[][] = [['', ...APPEAL_COLUMNS.map((c) => c.label)]];
  for (const g of APPEAL_GROUPS) {
    const row = appeals[g.key];
    if (row) rows.push([g.label, ...APPEAL_COLUMNS.map((c) => show(row[c.key]))]);
  }
  return renderTable(rows, { maxWidth: width });
}

/** Untrusted text of the document (title, agency, labels, file names) as one terminal-safe line. */
const safe = (s: string): string => terminalSafe(s, { oneLine: true }).replace(/\t/g, ' ');

/** The report as text for a terminal: every text taken from the document is shown escaped (`terminalSafe`). */
export function renderReport(report: ParsedReport, file: string, options: RenderReportOptions = {}): string {
  const width = options.width;
  const out: string[] = [];
  out.push(`== ${safe(file)}`);
  out.push(report.title === null ? '(no title)' : safe(report.title));
  out.push(`format ${safe(report.format)} · agency ${safe(report.agency ?? '—')} · year ${report.year ?? '—'} · published ${safe(report.published ?? '—')}`);
  if (report.active) out.push('', '表二 主动公开政府信息情况', renderActive(report.active, report.format, width));
  if (report.requests) out.push('', '表三 收到和处理政府信息公开申请情况', renderRequests(report.requests, width));
  if (report.appeals) out.push('', '表四 政府信息公开行政复议、行政诉讼情况', renderAppeals(report.appeals, width));
  if (report.stats) {
    const rows = [['指标', '单位', '本年', '累计'], ...report.stats.map((s) => [safe(s.label), safe(s.unit ?? ''), show(s.value), show(s.cumulative)])];
    out.push('', '统计表', renderTable(rows, { maxWidth: width }));
  }
  const shown = report.issues.filter((f) => f.severity !== 'not_assessable');
  const notAssessable = report.issues.length - shown.length;
  out.push('', `Findings: ${shown.length === 0 ? 'none' : shown.length}${notAssessable ? ` (+${notAssessable} not assessable: blank totals)` : ''}`);
  for (const f of shown) out.push(`  ${f.severity.padEnd(7)} ${f.rule}  ${safe(f.message)}`);
  // Belt and braces: nothing of the document reaches the terminal raw, whatever field it came in.
  return terminalSafe(out.join('\n'));
}
