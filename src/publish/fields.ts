/**
 * What a published column is: its official Chinese label (table headers of the XLSX, `title` in
 * the Table Schema), its English description (db/metadata.json, the Datasette metadata) and its
 * unit. Labels of the report tables' columns come from parsers/keys.ts; the rest are the words
 * the reports and the 条例 use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTIVE_ROWS, APPEAL_COLUMNS, COLUMN_UNITS, REQUEST_COLUMNS, REQUEST_ROWS } from '../../parsers/keys.js';
import { TOTALS_COLUMNS } from '../store/totals.js';

interface DatasetteMetadata {
  databases: { nianbao: { tables: Record<string, { description?: string; columns?: Record<string, string> }> } };
}

let metadata: (DatasetteMetadata & Record<string, unknown>) | undefined;

/** db/metadata.json (the descriptions of every table, view and column), found by walking up from this file (src/ or dist/src/). */
export function loadMetadata(): DatasetteMetadata & Record<string, unknown> {
  if (metadata) return metadata;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'db', 'metadata.json');
    if (existsSync(file)) return (metadata = JSON.parse(readFileSync(file, 'utf8')) as DatasetteMetadata & Record<string, unknown>);
  }
  throw new Error('db/metadata.json not found next to nianbao; reinstall the package');
}

const requestRow = (key: string): string => REQUEST_ROWS.find((r) => r.key === key)?.label ?? key;

/** Chinese labels of columns that mean the same in every table. */
const COMMON_ZH: Record<string, string> = {
  id: '编号',
  report_id: '报告编号',
  agency_id: '机关编号',
  agency: '机关名称',
  year: '报告年度',
  format: '报告格式',
  title: '报告标题',
  status: '解析状态',
  published: '发布日期',
  deadline: '发布期限',
  deadline_basis: '期限依据',
  days_late: '逾期天数',
  timing: '发布时效',
  is_primary: '是否主报告',
  row_key: '行键',
  col_key: '列键',
  row_order: '行序号',
  group_key: '类别键',
  label_zh: '行名称',
  row_label_zh: '行名称',
  col_label_zh: '列名称',
  table_name: '表格',
  ord: '序号',
  value: '数值',
  raw: '原文',
  unit: '单位',
  flags: '标记',
  table_index: '表格序号',
  grid_row: '网格行',
  grid_col: '网格列',
  source: '来源',
  rule: '规则',
  severity: '严重程度',
  message: '说明',
  scope: '范围',
  left_value: '左值',
  right_value: '右值',
  delta: '差额',
  cells: '涉及单元格',
  other_report_id: '对照报告编号',
  run_id: '运行编号',
  key: '识别键',
  name: '机关名称',
  province: '省份',
  city: '地市',
  county: '县区',
  level: '层级',
  kind: '机关类型',
  portal: '政府信息公开门户',
  parent_id: '上级机关编号',
  created_at: '创建时间',
  new_received: requestRow('new_received'),
  carried_over: requestRow('carried_over'),
  granted: requestRow('granted'),
  partially_granted: requestRow('partially_granted'),
  denied: '（三）不予公开',
  unavailable: '（四）无法提供',
  not_held: requestRow('unavailable_not_held'),
  rejected: '（五）不予处理',
  results_total: requestRow('total'),
  carried_forward: requestRow('carried_forward'),
  review_total: '行政复议 · 总计',
  review_corrected: '行政复议 · 结果纠正',
  litigation_total: '行政诉讼 · 总计',
  litigation_corrected: '行政诉讼 · 结果纠正',
  error_findings: '解析错误数',
  warning_findings: '解析警告数',
  check_findings: '核查发现数',
  revision_id: '修订编号',
  old_report_id: '原版本报告编号',
  new_report_id: '新版本报告编号',
  url: '网址',
  cells_changed: '变动数值数',
  first_seen_at: '发现时间',
  sentences_changed: '改写句数',
  sentences_added: '新增句数',
  sentences_removed: '删除句数',
  old_value: '原数值',
  new_value: '新数值',
  old_raw: '原文（修订前）',
  new_raw: '原文（修订后）',
  change: '变动',
  old_text: '原句',
  new_text: '新句',
  template_only: '仅页面模板变动',
  template: '页面模板变动',
};

/** Chinese labels of the columns of one table's report-table columns (their keys overlap: `other`, `total`). */
function tableColumnLabels(table: string): Record<string, string> {
  if (table === 'requests') return Object.fromEntries(REQUEST_COLUMNS.map((c) => [c.key, c.label]));
  if (table === 'appeals') return Object.fromEntries(APPEAL_COLUMNS.map((c) => [c.key, c.label]));
  if (table === 'active') {
    const out: Record<string, string> = {};
    for (const r of ACTIVE_ROWS) for (const cols of Object.values(r.columns)) for (const c of cols ?? []) out[c.key] ??= c.label;
    return out;
  }
  if (table === 'report_summary') return { other: '（六）其他处理' };
  if (table === 'revisions') return { kind: '修订方式', agency_id: '机关编号（新版本）' };
  return {};
}

/** The official Chinese label of `column` in the published `table`, else the column name. */
export function chineseLabel(table: string, column: string): string {
  return tableColumnLabels(table)[column] ?? COMMON_ZH[column] ?? column;
}

/** Counts (件) by table: the value columns of the report tables and the summary's totals. */
const COUNT_COLUMNS: Record<string, readonly string[]> = {
  requests: REQUEST_COLUMNS.map((c) => c.key),
  appeals: APPEAL_COLUMNS.map((c) => c.key),
  report_summary: TOTALS_COLUMNS,
};

/** The unit of a column's values, when it has one. */
export function unitOf(table: string, column: string): string | undefined {
  if (COUNT_COLUMNS[table]?.includes(column)) return '件';
  if (table === 'active' && Object.hasOwn(tableColumnLabels('active'), column)) return COLUMN_UNITS[column] ?? '件';
  if (column === 'days_late') return 'days';
  return undefined;
}

/** Descriptions of the columns export adds (labels joined from the `labels` table). */
const ADDED_DESCRIPTIONS: Record<string, string> = {
  label_zh: 'Official Chinese label of the row (parsers/keys.ts)',
  row_label_zh: 'Official Chinese label of the row (parsers/keys.ts)',
  col_label_zh: 'Official Chinese label of the column (parsers/keys.ts)',
  ord: 'Order of the cell in the report',
};

/** Descriptions of columns a published table shapes differently from the database (tables.ts). */
const REVISION_DETAIL: Record<string, string> = {
  report_id: 'The new version of the report (revisions.new_report_id; reports.id)',
  agency_id: 'Agency of the new version (agencies.id)',
  agency: 'Agency of the new version (agencies.name, else the name the report gives itself)',
  year: 'Year reported on',
};
const PUBLISHED_DESCRIPTIONS: Record<string, Record<string, string>> = {
  revision_cells: {
    ...REVISION_DETAIL,
    old_value: 'The number in the old version (NULL: blank, absent, or a text field such as title or published, whose text is in old_raw)',
    new_value: 'The number in the new version (NULL: blank, absent, or a text field such as title or published, whose text is in new_raw)',
    old_raw: 'The cell text in the old version; for a changed text field (report title, published) its old value',
    new_raw: 'The cell text in the new version; for a changed text field (report title, published) its new value',
  },
  revision_sentences: REVISION_DETAIL,
};

/**
 * The English description of `column` of the published `table`: what the package changes about
 * it, else db/metadata.json's text for the table, else for the table the column comes from
 * (`from`, e.g. cells' `agency` from agencies).
 */
export function describeColumn(table: string, column: string, from: readonly string[] = []): string {
  const own = PUBLISHED_DESCRIPTIONS[table]?.[column];
  if (own) return own;
  const tables = loadMetadata().databases.nianbao.tables;
  for (const t of [table, ...from]) {
    const d = tables[t]?.columns?.[column];
    if (d) return d;
  }
  return ADDED_DESCRIPTIONS[column] ?? `${column} (as in the database's ${table})`;
}

/** The description of a table or view in db/metadata.json. */
export function describeTable(table: string): string | undefined {
  return loadMetadata().databases.nianbao.tables[table]?.description;
}
