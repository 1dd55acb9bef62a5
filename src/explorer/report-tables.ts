/**
 * The report tables drawn like the official template: Chinese labels, the header blocks and
 * row groups (rowspans) of tables 2, 3 and 4 (FORMAT.md §3–4), the pre-2019 statistics table.
 * Every value cell carries its provenance — raw text, flags, unit, position in the source — in
 * a popover shown on hover and on keyboard focus/click (CSS only, no script), and cells named
 * by a finding are highlighted with the rule and the numbers compared.
 */
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS, type ColDef } from '../../parsers/keys.js';
import { html, type HtmlValue, type SafeHtml } from './html.js';
import { fmt } from './layout.js';

/** A row of the `cells` table. */
export interface CellRow {
  table_name: string;
  row_key: string;
  col_key: string;
  value: number | null;
  raw: string | null;
  unit: string | null;
  flags: string | null;
  table_index: number | null;
  grid_row: number | null;
  grid_col: number | null;
  ord: number;
}

/** A row of the `findings` table (as the report page reads it). */
export interface FindingRow {
  id: number;
  report_id: number;
  source: string;
  rule: string;
  severity: string;
  message: string;
  scope: string | null;
  left_value: number | null;
  right_value: number | null;
  delta: number | null;
  cells: string | null;
  other_report_id: number | null;
}

export interface TableContext {
  cells: Map<string, CellRow>;
  /** Findings by cell path (`table.row.col`). */
  findings: Map<string, FindingRow[]>;
  /** Input kind of the document (html: grid positions; text: line numbers). */
  kind: string | null;
  /** Where the original is shown on the page (anchor) and where it came from. */
  sourceUrl: string | null;
}

const FLAG_TEXT: Record<string, string> = {
  blank: 'blank cell (no number; not read as 0)',
  placeholder: 'placeholder such as — / 无 (no number)',
  unit: 'a unit was written in the cell; the number was converted',
  noise: 'characters around the number were dropped',
  signed: 'an explicit sign or 增加/减少 was read',
  unreadable: 'text that is not a number',
};

export const cellPath = (table: string, row: string, col: string): string => `${table}.${row}.${col}`;
const cellId = (path: string): string => `c-${path.replace(/[^\w-]/g, '-')}`;

function position(c: CellRow, kind: string | null): string {
  if (kind === 'html' && c.table_index !== null) {
    return `HTML table ${c.table_index + 1} of the page, row ${(c.grid_row ?? 0) + 1}, column ${(c.grid_col ?? 0) + 1} of its grid (counting from 1, merged cells expanded)`;
  }
  if (c.grid_row !== null) return `line ${c.grid_row} of the text${c.grid_col ? `, cell ${c.grid_col}` : ''}`;
  return 'position not recorded';
}

/** One value cell with its popover. */
export function valueCell(ctx: TableContext, table: string, row: string, col: string, colspan = 1): SafeHtml {
  const path = cellPath(table, row, col);
  const c = ctx.cells.get(path);
  const fs = ctx.findings.get(path) ?? [];
  const span = colspan > 1 ? html` colspan="${colspan}"` : '';
  const sev = fs.some((f) => f.severity === 'error') ? 'finding-error' : fs.length > 0 ? 'finding-warning' : '';
  const findingList = fs.map(
    (f) =>
      html`<div class="f"><strong>${f.rule}</strong> (${f.severity}): ${f.left_value !== null ? html`${fmt(f.left_value)} vs ${fmt(f.right_value)}${f.delta !== null ? html`, Δ ${fmt(f.delta)}` : ''} — ` : ''}${f.message} <a href="#finding-${f.id}">↓</a></div>`,
  );
  if (!c) {
    return html`<td class="cell missing ${sev}" id="${cellId(path)}" data-path="${path}" tabindex="0"${span}><span class="v">·</span><span class="prov" role="tooltip"><dl><dt>key</dt><dd><code>${path}</code></dd><dt>value</dt><dd>not read: the parser found no cell for this row and column</dd></dl>${findingList}</span></td>`;
  }
  const flags = (c.flags ?? '').split(',').filter(Boolean);
  const cls = ['cell', c.value === null ? 'blank' : '', flags.length > 0 && c.value !== null ? 'flagged' : '', sev].filter(Boolean).join(' ');
  const shown = c.value === null ? (c.raw ?? '') : fmt(c.value);
  return html`<td class="${cls}" id="${cellId(path)}" data-path="${path}" data-value="${c.value === null ? '' : String(c.value)}" tabindex="0"${span}><span class="v">${shown}</span><span class="prov" role="tooltip"><dl>
<dt>value</dt><dd>${c.value === null ? 'none (null)' : fmt(c.value)}${c.unit ? ` (written with unit ${c.unit})` : ''}</dd>
<dt>raw text</dt><dd>${c.raw ? html`<code>${c.raw}</code>` : html`<span class="muted">(empty)</span>`}</dd>
${flags.length > 0 ? html`<dt>flags</dt><dd>${flags.map((x) => FLAG_TEXT[x] ?? x).join('; ')}</dd>` : ''}
<dt>from</dt><dd>${position(c, ctx.kind)} — <a href="#original">see the original</a></dd>
<dt>key</dt><dd><code>${path}</code></dd>
</dl>${findingList}</span></td>`;
}

// ---------------------------------------------------------------------------------------------
// Table 2

const ACTIVE_BLOCKS: { clause: string; rows: string[] }[] = [
  { clause: '第二十条第（一）项', rows: ['regulations', 'normative_documents'] },
  { clause: '第二十条第（五）项', rows: ['licensing', 'other_services'] },
  { clause: '第二十条第（六）项', rows: ['punishment', 'coercion'] },
  { clause: '第二十条第（八）项', rows: ['fees'] },
  { clause: '第二十条第（九）项', rows: ['procurement'] },
];
const COLS_2019_ONLY = new Set(['made', 'published', 'total_published', 'previous', 'change', 'count', 'amount_yuan']);

/** Which template a table follows: the report's format, else guessed from the column keys read. */
export function layoutFormat(format: string | null, cells: Iterable<CellRow>): '2021' | '2019' {
  if (format === '2019' || format === '2021') return format;
  for (const c of cells) {
    if (c.table_name === 'active' && COLS_2019_ONLY.has(c.col_key)) return '2019';
    if (c.table_name === 'requests' && c.row_key === 'other') return '2019';
  }
  return '2021';
}

export function activeTable(ctx: TableContext, layout: '2021' | '2019'): SafeHtml {
  const WIDTH = 3;
  const rows: HtmlValue[] = [];
  for (const block of ACTIVE_BLOCKS) {
    const defs = block.rows
      .map((k) => ACTIVE_ROWS.find((r) => r.key === k))
      .filter((d): d is (typeof ACTIVE_ROWS)[number] => d !== undefined && d.columns[layout] !== undefined);
    if (defs.length === 0) continue;
    const cols = defs[0]!.columns[layout] as readonly ColDef[];
    // Spread the block's columns over the table's three value columns (the last one takes the rest).
    const spans = cols.map((_, i) => (i === cols.length - 1 ? WIDTH - i : 1));
    rows.push(html`<tr><th class="group" colspan="${WIDTH + 1}">${block.clause}</th></tr>`);
    rows.push(html`<tr><th>信息内容</th>${cols.map((c, i) => html`<th colspan="${spans[i] ?? 1}">${c.label}</th>`)}</tr>`);
    for (const d of defs) {
      const label = layout === '2019' && d.key === 'normative_documents' ? '规范性文件' : d.label;
      rows.push(html`<tr><th class="rowlabel">${label}</th>${cols.map((c, i) => valueCell(ctx, 'active', d.key, c.key, spans[i] ?? 1))}</tr>`);
    }
  }
  return html`<div class="scroll"><table class="report" id="table-active"><tbody>${rows}</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------
// Table 3

const GROUP_LABELS: Record<string, string> = {
  denied: '（三）不予公开',
  unavailable: '（四）无法提供',
  rejected: '（五）不予处理',
  other: '（六）其他处理',
};

export function requestsTable(ctx: TableContext, layout: '2021' | '2019'): SafeHtml {
  const defs = REQUEST_ROWS.filter((r) => (layout === '2019' ? !r.key.startsWith('other_') : r.key !== 'other'));
  const results = defs.filter((r) => r.group !== undefined);
  const values = (key: string): SafeHtml[] => REQUEST_COLUMNS.map((c) => valueCell(ctx, 'requests', key, c.key));
  const body: HtmlValue[] = [];
  let resultsOpened = false;
  const groupSeen = new Set<string>();
  for (const d of defs) {
    if (d.group === undefined) {
      body.push(html`<tr><th class="rowlabel group" colspan="3">${d.label}</th>${values(d.key)}</tr>`);
      continue;
    }
    const first = resultsOpened ? '' : html`<th class="group" rowspan="${results.length}">三、本年度办理结果</th>`;
    resultsOpened = true;
    const inGroup = defs.filter((r) => r.group === d.group);
    const grouped = ['denied', 'unavailable', 'rejected'].includes(d.group) || (d.group === 'other' && layout === '2021');
    if (!grouped) {
      body.push(html`<tr>${first}<th class="rowlabel" colspan="2">${d.label}</th>${values(d.key)}</tr>`);
      continue;
    }
    const groupCell = groupSeen.has(d.group) ? '' : html`<th class="group" rowspan="${inGroup.length}">${GROUP_LABELS[d.group] ?? d.group}</th>`;
    groupSeen.add(d.group);
    body.push(html`<tr>${first}${groupCell}<th class="rowlabel">${d.label}</th>${values(d.key)}</tr>`);
  }
  return html`<div class="scroll"><table class="report" id="table-requests"><thead>
<tr><th colspan="3" rowspan="3" class="small">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th><th colspan="7">申请人情况</th></tr>
<tr><th rowspan="2">自然人</th><th colspan="5">法人或其他组织</th><th rowspan="2">总计</th></tr>
<tr>${REQUEST_COLUMNS.slice(1, 6).map((c) => html`<th>${c.label}</th>`)}</tr>
</thead><tbody>${body}</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------
// Table 4

export function appealsTable(ctx: TableContext): SafeHtml {
  const cols = APPEAL_COLUMNS;
  return html`<div class="scroll"><table class="report" id="table-appeals"><thead>
<tr><th colspan="5">行政复议</th><th colspan="10">行政诉讼</th></tr>
<tr>${cols.map((c) => html`<th rowspan="2">${c.label}</th>`)}<th colspan="5">未经复议直接起诉</th><th colspan="5">复议后起诉</th></tr>
<tr>${cols.map((c) => html`<th>${c.label}</th>`)}${cols.map((c) => html`<th>${c.label}</th>`)}</tr>
</thead><tbody><tr>${APPEAL_GROUPS.map((g) => cols.map((c) => valueCell(ctx, 'appeals', g.key, c.key)))}</tr></tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------
// Pre-2019 statistics

export interface StatRow {
  ord: number;
  label: string;
  unit: string | null;
  value: number | null;
  cumulative: number | null;
  raw: string | null;
}

/** The statistics appendix; cells named by a finding (`stats.ORD.value` / `stats.ORD.cumulative`) are outlined like the others. */
export function statsTable(stats: StatRow[], findings: Map<string, FindingRow[]> = new Map()): SafeHtml {
  return html`<div class="scroll"><table class="report" id="table-stats"><thead><tr><th>指标名称</th><th>计量单位</th><th>本年</th><th>历年累计</th></tr></thead><tbody>${stats.map(
    (s) =>
      html`<tr><th class="rowlabel">${s.label}</th><td>${s.unit ?? ''}</td>${(
        [
          ['value', s.value],
          ['cumulative', s.cumulative],
        ] as const
      ).map(([col, v]) => {
        const path = cellPath('stats', String(s.ord), col);
        const fs = findings.get(path) ?? [];
        const sev = fs.some((f) => f.severity === 'error') ? ' finding-error' : fs.length > 0 ? ' finding-warning' : '';
        return html`<td class="cell${v === null ? ' blank' : ''}${sev}" id="${cellId(path)}" data-path="${path}" tabindex="0"><span class="v">${v === null ? '' : fmt(v)}</span><span class="prov" role="tooltip"><dl><dt>raw row</dt><dd><code>${s.raw ?? ''}</code></dd><dt>from</dt><dd>statistics row ${s.ord} — <a href="#original">see the original</a></dd><dt>key</dt><dd><code>${path}</code></dd></dl>${fs.map((f) => html`<div class="f"><strong>${f.rule}</strong> (${f.severity}): ${f.message} <a href="#finding-${f.id}">↓</a></div>`)}</span></td>`;
      })}</tr>`,
  )}</tbody></table></div>`;
}

/** Labels of the canonical appeal groups, for finding messages. */
export const APPEAL_GROUP_LABEL = new Map(APPEAL_GROUPS.map((g) => [g.key, g.label]));
