/**
 * Canonical keys of the three report tables (OUTPUT.md) with their official Chinese labels and
 * the patterns that recognise a label once normalised (see `normalizeLabel`). Shared by the
 * parsers, the validator, the text renderer and the database views.
 */

export interface RowDef {
  key: string;
  /** The official label (2021 template wording). */
  label: string;
  /** Matches the normalised label text (NFKC, no whitespace, folded quotes/brackets). */
  pattern: RegExp;
  /** Row group in table 3: results rows belong to one of these. */
  group?: 'granted' | 'partial' | 'denied' | 'unavailable' | 'rejected' | 'other' | 'total';
}

export interface ColDef {
  key: string;
  label: string;
}

// ---------------------------------------------------------------------------------------------
// Table 3 — 收到和处理政府信息公开申请情况

export const REQUEST_COLUMNS: readonly ColDef[] = [
  { key: 'natural_person', label: '自然人' },
  { key: 'commercial', label: '商业企业' },
  { key: 'research', label: '科研机构' },
  { key: 'social', label: '社会公益组织' },
  { key: 'legal', label: '法律服务机构' },
  { key: 'other', label: '其他' },
  { key: 'total', label: '总计' },
];

/** The six applicant columns (everything but `total`). */
export const APPLICANT_COLUMNS = REQUEST_COLUMNS.slice(0, 6).map((c) => c.key);

// An optional sub-row number such as "1." (after normalisation "1、" becomes "1."). The number
// itself is not required to match: pages misnumber sub-rows, the wording decides.
const n = (_d: number, body: string): RegExp => new RegExp(`^(?:\\d{1,2}\\.)?${body}`);

/** Group label rows (no values of their own in 2021; （六） has values in 2019). */
export const REQUEST_GROUP_PATTERNS = {
  results: /^三、(?:本年度)?办理结果/,
  denied: /^\(三\)不予公开/,
  unavailable: /^\(四\)无法提供/,
  rejected: /^\(五\)不予处理/,
  other: /^\(六\)其他处理/,
} as const;

export const REQUEST_ROWS: readonly RowDef[] = [
  { key: 'new_received', label: '一、本年新收政府信息公开申请数量', pattern: /^(?:一、)?本年新收/ },
  { key: 'carried_over', label: '二、上年结转政府信息公开申请数量', pattern: /^(?:二、)?上年结转/ },
  { key: 'granted', label: '（一）予以公开', pattern: /^(?:\(一\))?予以公开/, group: 'granted' },
  { key: 'partially_granted', label: '（二）部分公开（区分处理的，只计这一情形，不计其他情形）', pattern: /^(?:\(二\))?部分公开/, group: 'partial' },
  { key: 'denied_state_secret', label: '1.属于国家秘密', pattern: n(1, '(?:属于)?国家秘密'), group: 'denied' },
  { key: 'denied_prohibited_by_law', label: '2.其他法律行政法规禁止公开', pattern: n(2, '其他法律行政法规禁止公开'), group: 'denied' },
  { key: 'denied_safety_stability', label: '3.危及“三安全一稳定”', pattern: n(3, '危及"?三安全一稳定'), group: 'denied' },
  { key: 'denied_third_party', label: '4.保护第三方合法权益', pattern: n(4, '保护第三方合法权益'), group: 'denied' },
  { key: 'denied_internal_affairs', label: '5.属于三类内部事务信息', pattern: n(5, '(?:属于)?三类内部事务'), group: 'denied' },
  { key: 'denied_process_info', label: '6.属于四类过程性信息', pattern: n(6, '(?:属于)?四类过程性'), group: 'denied' },
  { key: 'denied_enforcement_files', label: '7.属于行政执法案卷', pattern: n(7, '(?:属于)?行政执法案卷'), group: 'denied' },
  { key: 'denied_query_matter', label: '8.属于行政查询事项', pattern: n(8, '(?:属于)?行政查询事项'), group: 'denied' },
  { key: 'unavailable_not_held', label: '1.本机关不掌握相关政府信息', pattern: n(1, '本机关不掌握'), group: 'unavailable' },
  { key: 'unavailable_needs_creation', label: '2.没有现成信息需要另行制作', pattern: n(2, '没有现成信息'), group: 'unavailable' },
  { key: 'unavailable_unclear', label: '3.补正后申请内容仍不明确', pattern: n(3, '补正后申请内容仍不明确'), group: 'unavailable' },
  { key: 'rejected_petition', label: '1.信访举报投诉类申请', pattern: n(1, '信访举报投诉'), group: 'rejected' },
  { key: 'rejected_duplicate', label: '2.重复申请', pattern: n(2, '重复申请'), group: 'rejected' },
  { key: 'rejected_publication', label: '3.要求提供公开出版物', pattern: n(3, '要求提供公开出版物'), group: 'rejected' },
  { key: 'rejected_excessive', label: '4.无正当理由大量反复申请', pattern: n(4, '无正当理由大量反复申请'), group: 'rejected' },
  { key: 'rejected_confirmation', label: '5.要求行政机关确认或重新出具已获取信息', pattern: n(5, '要求行政机关确认或重新出具'), group: 'rejected' },
  {
    key: 'other_no_correction',
    label: '1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请',
    pattern: n(1, '(?:申请人)?无正当理由逾期不补正'),
    group: 'other',
  },
  {
    key: 'other_no_fee',
    label: '2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请',
    pattern: n(2, '(?:申请人)?逾期未按收费通知'),
    group: 'other',
  },
  { key: 'other_other', label: '3.其他', pattern: /^3\.其他$/, group: 'other' },
  { key: 'other', label: '（六）其他处理', pattern: /^\(六\)其他处理$/, group: 'other' },
  { key: 'total', label: '（七）总计', pattern: /^(?:\(七\)|七、)(?:总计|合计)$/, group: 'total' },
  { key: 'carried_forward', label: '四、结转下年度继续办理', pattern: /^(?:四、)?结转下年度/ },
];

/** Rows whose values sum to （七）总计 (rule requests.results_sum), per format. */
export const RESULT_ROWS_2021 = REQUEST_ROWS.filter((r) => r.group && r.group !== 'total' && r.key !== 'other').map((r) => r.key);
export const RESULT_ROWS_2019 = REQUEST_ROWS.filter((r) => r.group && r.group !== 'total' && r.group !== 'other')
  .map((r) => r.key)
  .concat('other');

// ---------------------------------------------------------------------------------------------
// Table 4 — 政府信息公开行政复议、行政诉讼情况

export const APPEAL_GROUPS: readonly ColDef[] = [
  { key: 'review', label: '行政复议' },
  { key: 'litigation_direct', label: '行政诉讼 · 未经复议直接起诉' },
  { key: 'litigation_after_review', label: '行政诉讼 · 复议后起诉' },
];

export const APPEAL_COLUMNS: readonly ColDef[] = [
  { key: 'upheld', label: '结果维持' },
  { key: 'corrected', label: '结果纠正' },
  { key: 'other', label: '其他结果' },
  { key: 'pending', label: '尚未审结' },
  { key: 'total', label: '总计' },
];

// ---------------------------------------------------------------------------------------------
// Table 2 — 主动公开政府信息情况

export interface ActiveRowDef {
  key: string;
  label: string;
  pattern: RegExp;
  /** Column keys in the order of the block's header, per format. */
  columns: Partial<Record<'2021' | '2019', readonly ColDef[]>>;
}

const COLS_2021_DOCS: readonly ColDef[] = [
  { key: 'issued', label: '本年制发件数' },
  { key: 'repealed', label: '本年废止件数' },
  { key: 'in_force', label: '现行有效件数' },
];
const COLS_2019_DOCS: readonly ColDef[] = [
  { key: 'made', label: '本年新制作数量' },
  { key: 'published', label: '本年新公开数量' },
  { key: 'total_published', label: '对外公开总数量' },
];
const COLS_2021_DECISIONS: readonly ColDef[] = [{ key: 'decisions', label: '本年处理决定数量' }];
const COLS_2019_ITEMS: readonly ColDef[] = [
  { key: 'previous', label: '上一年项目数量' },
  { key: 'change', label: '本年增/减' },
  { key: 'decisions', label: '处理决定数量' },
];

export const ACTIVE_ROWS: readonly ActiveRowDef[] = [
  { key: 'regulations', label: '规章', pattern: /^规章$/, columns: { '2021': COLS_2021_DOCS, '2019': COLS_2019_DOCS } },
  {
    key: 'normative_documents',
    label: '行政规范性文件',
    pattern: /^(?:行政)?规范性文件$/,
    columns: { '2021': COLS_2021_DOCS, '2019': COLS_2019_DOCS },
  },
  { key: 'licensing', label: '行政许可', pattern: /^行政许可$/, columns: { '2021': COLS_2021_DECISIONS, '2019': COLS_2019_ITEMS } },
  { key: 'other_services', label: '其他对外管理服务事项', pattern: /^其他对外管理服务事项$/, columns: { '2019': COLS_2019_ITEMS } },
  { key: 'punishment', label: '行政处罚', pattern: /^行政处罚$/, columns: { '2021': COLS_2021_DECISIONS, '2019': COLS_2019_ITEMS } },
  { key: 'coercion', label: '行政强制', pattern: /^行政强制$/, columns: { '2021': COLS_2021_DECISIONS, '2019': COLS_2019_ITEMS } },
  {
    key: 'fees',
    label: '行政事业性收费',
    pattern: /^行政事业性收费$/,
    columns: {
      '2021': [{ key: 'amount_wan_yuan', label: '本年收费金额（单位：万元）' }],
      '2019': COLS_2019_ITEMS.slice(0, 2),
    },
  },
  {
    key: 'procurement',
    label: '政府集中采购',
    pattern: /^政府集中采购$/,
    columns: {
      '2019': [
        { key: 'count', label: '采购项目数量' },
        { key: 'amount_yuan', label: '采购总金额' },
      ],
    },
  },
];

/** The unit a column key is expressed in, for unit conversion of cells that carry one. */
export const COLUMN_UNITS: Readonly<Record<string, '万元' | '元'>> = {
  amount_wan_yuan: '万元',
  amount_yuan: '元',
};

/** Columns whose values may be negative (2019 本年增/减). */
export const SIGNED_COLUMNS: ReadonlySet<string> = new Set(['change']);
/** Columns that hold decimals rather than counts. */
export const DECIMAL_COLUMNS: ReadonlySet<string> = new Set(['amount_wan_yuan', 'amount_yuan']);
