/**
 * Writes a report page in the official table layout (2019 or 2021 format: row groups as
 * rowspans, the 3-row header of table 3, the 3-row header of table 4) from canonical values.
 * Tests use it to make pages the parser has never seen, with chosen numbers and quirks.
 */
import { APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from '../../parsers/keys.js';
import type { KeyedTable } from '../../parsers/types.js';

export interface TemplateOptions {
  format: '2021' | '2019';
  title?: string;
  published?: string;
  active?: KeyedTable;
  requests?: KeyedTable;
  appeals?: KeyedTable;
  /** Text written in a cell whose value is null (default: empty). */
  blank?: string;
  /** Extra attributes or wrappers to stress the grid reader. */
  wrapTablesInLayoutTable?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const cell = (v: number | null | undefined, blank: string) => `<td><p><span>${v === null || v === undefined ? blank : String(v)}</span></p></td>`;

function activeTable(format: '2021' | '2019', active: KeyedTable, blank: string): string {
  const rows: string[] = [];
  const block = (clause: string, headers: string[], body: [string, string, string[]][]) => {
    rows.push(`<tr><td colspan="4"><p>第二十条第（${clause}）项</p></td></tr>`);
    const span = 4 - headers.length;
    rows.push(
      `<tr><td><p>信息内容</p></td>${headers.map((h, i) => `<td${i === headers.length - 1 && span > 1 ? ` colspan="${span}"` : ''}><p>${h}</p></td>`).join('')}</tr>`,
    );
    for (const [label, key, cols] of body) {
      rows.push(
        `<tr><td><p>${label}</p></td>${cols.map((c, i) => (i === cols.length - 1 && span > 1 ? cell(active[key]?.[c], blank).replace('<td>', `<td colspan="${span}">`) : cell(active[key]?.[c], blank))).join('')}</tr>`,
      );
    }
  };
  if (format === '2021') {
    block(
      '一',
      ['本年制发件数', '本年废止件数', '现行有效件数'],
      [
        ['规章', 'regulations', ['issued', 'repealed', 'in_force']],
        ['行政规范性文件', 'normative_documents', ['issued', 'repealed', 'in_force']],
      ],
    );
    block('五', ['本年处理决定数量'], [['行政许可', 'licensing', ['decisions']]]);
    block(
      '六',
      ['本年处理决定数量'],
      [
        ['行政处罚', 'punishment', ['decisions']],
        ['行政强制', 'coercion', ['decisions']],
      ],
    );
    block('八', ['本年收费金额（单位：万元）'], [['行政事业性收费', 'fees', ['amount_wan_yuan']]]);
  } else {
    block(
      '一',
      ['本年新制作数量', '本年新公开数量', '对外公开总数量'],
      [
        ['规章', 'regulations', ['made', 'published', 'total_published']],
        ['规范性文件', 'normative_documents', ['made', 'published', 'total_published']],
      ],
    );
    const items = ['previous', 'change', 'decisions'];
    block(
      '五',
      ['上一年项目数量', '本年增/减', '处理决定数量'],
      [
        ['行政许可', 'licensing', items],
        ['其他对外管理服务事项', 'other_services', items],
      ],
    );
    block(
      '六',
      ['上一年项目数量', '本年增/减', '处理决定数量'],
      [
        ['行政处罚', 'punishment', items],
        ['行政强制', 'coercion', items],
      ],
    );
    block('八', ['上一年项目数量', '本年增/减'], [['行政事业性收费', 'fees', ['previous', 'change']]]);
    block('九', ['采购项目数量', '采购总金额'], [['政府集中采购', 'procurement', ['count', 'amount_yuan']]]);
  }
  return `<table>${rows.join('')}</table>`;
}

function requestsTable(format: '2021' | '2019', requests: KeyedTable, blank: string): string {
  const rows: string[] = [];
  rows.push(
    '<tr><td colspan="3" rowspan="3"><p>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</p></td><td colspan="7"><p>申请人情况</p></td></tr>',
    '<tr><td rowspan="2"><p>自然人</p></td><td colspan="5"><p>法人或其他组织</p></td><td rowspan="2"><p>总计</p></td></tr>',
    '<tr><td><p>商业</p><p>企业</p></td><td><p>科研</p><p>机构</p></td><td><p>社会公益组织</p></td><td><p>法律服务机构</p></td><td><p>其他</p></td></tr>',
  );
  const values = (key: string) => REQUEST_COLUMNS.map((c) => cell(requests[key]?.[c.key], blank)).join('');
  const defs = REQUEST_ROWS.filter((r) => (format === '2021' ? r.key !== 'other' : !['other_no_correction', 'other_no_fee', 'other_other'].includes(r.key)));
  const resultRows = defs.filter((r) => r.group);
  const groupLabels: Record<string, string> = { denied: '（三）不予公开', unavailable: '（四）无法提供', rejected: '（五）不予处理', other: '（六）其他处理' };
  let seenResults = false;
  const seenGroups = new Set<string>();
  for (const def of defs) {
    let label = '';
    if (def.group && !seenResults) {
      seenResults = true;
      label += `<td rowspan="${resultRows.length}"><p>三、本年度办理结果</p></td>`;
    }
    const grouped = def.group && groupLabels[def.group] && !(format === '2019' && def.group === 'other');
    if (grouped && !seenGroups.has(def.group!)) {
      seenGroups.add(def.group!);
      const size = defs.filter((d) => d.group === def.group).length;
      label += `<td rowspan="${size}"><p>${groupLabels[def.group!]}</p></td>`;
    }
    const colspan = !def.group ? 3 : grouped ? 1 : 2;
    label += `<td${colspan > 1 ? ` colspan="${colspan}"` : ''}><p>${esc(def.label)}</p></td>`;
    rows.push(`<tr>${label}${values(def.key)}</tr>`);
  }
  return `<table>${rows.join('')}</table>`;
}

function appealsTable(appeals: KeyedTable, blank: string): string {
  const heads = APPEAL_COLUMNS.map((c) => c.label);
  const rows = [
    '<tr><td colspan="5"><p>行政复议</p></td><td colspan="10"><p>行政诉讼</p></td></tr>',
    `<tr>${heads.map((h) => `<td rowspan="2"><p>${h}</p></td>`).join('')}<td colspan="5"><p>未经复议直接起诉</p></td><td colspan="5"><p>复议后起诉</p></td></tr>`,
    `<tr>${[...heads, ...heads].map((h) => `<td><p>${h}</p></td>`).join('')}</tr>`,
    `<tr>${APPEAL_GROUPS.flatMap((g) => APPEAL_COLUMNS.map((c) => cell(appeals[g.key]?.[c.key], blank))).join('')}</tr>`,
  ];
  return `<table>${rows.join('')}</table>`;
}

export function renderReportHtml(opts: TemplateOptions): string {
  const blank = opts.blank ?? '';
  const title = opts.title ?? `某某区人民政府${opts.format === '2021' ? 2023 : 2019}年政府信息公开工作年度报告`;
  const parts = [
    `<p>本报告所列数据统计期限自${opts.format === '2021' ? 2023 : 2019}年1月1日至12月31日。</p>`,
    '<p>一、总体情况</p><p>全年共收到申请123件（叙述中的数字不是表格）。</p>',
    '<p>二、主动公开政府信息情况</p>',
    opts.active ? activeTable(opts.format, opts.active, blank) : '',
    '<p>三、收到和处理政府信息公开申请情况</p>',
    opts.requests ? requestsTable(opts.format, opts.requests, blank) : '',
    '<p>四、政府信息公开行政复议、行政诉讼情况</p>',
    opts.appeals ? appealsTable(opts.appeals, blank) : '',
    '<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p>',
  ];
  let body = parts.join('\n');
  if (opts.wrapTablesInLayoutTable) body = `<table><tr><td>${body}</td></tr></table>`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}_某某区人民政府</title>
<meta name="ArticleTitle" content="${esc(title)}"><meta name="PubDate" content="${opts.published ?? '2024-01-25 10:00'}"></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}
