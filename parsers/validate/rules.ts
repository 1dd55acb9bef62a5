/**
 * The catalogue of validation rules (FORMAT.md §6): stable ids, the severity a violation gets,
 * and a one-line description. Used by the docs and stored in the database.
 */

/** Severity a violation of the rule gets (any rule listed with `notAssessable` may also say `not_assessable`). */
export type RuleSeverity = 'error' | 'warning';

export interface ValidationRule {
  /** Stable id, the `rule` of every finding it produces. */
  readonly id: RuleId;
  readonly severity: RuleSeverity;
  /** `hard`: follows from the definitions and must hold; `soft`: a plausibility signal. */
  readonly kind: 'hard' | 'soft';
  /** The rule number(s) in FORMAT.md §6 ('' when the rule is about the table's shape). */
  readonly spec: string;
  /** Formats the rule is checked for. */
  readonly formats: readonly ('2021' | '2019' | 'pre2019')[];
  /** Whether the rule also emits `not_assessable` findings (a blank total cell). */
  readonly notAssessable: boolean;
  /** One line, English. */
  readonly description: string;
}

export const RULE_IDS = [
  'requests.missing_row',
  'requests.non_negative_integer',
  'requests.row_total',
  'requests.results_sum',
  'requests.balance',
  'requests.text_mismatch',
  'requests.fee_unreported',
  'appeals.missing',
  'appeals.non_negative_integer',
  'appeals.group_total',
  'active.negative',
  'active.non_integer',
  'active.in_force_stock',
  'active.published_exceeds_total',
  'active.published_exceeds_made',
  'narrative.mismatch',
  'stats.part_exceeds_whole',
  'stats.cumulative_below_value',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

const BOTH = ['2021', '2019'] as const;

/** Every rule the validator checks, in the order its findings are emitted. */
export const VALIDATION_RULES: readonly ValidationRule[] = [
  {
    id: 'requests.missing_row',
    severity: 'warning',
    kind: 'hard',
    spec: '',
    formats: BOTH,
    notAssessable: false,
    description:
      'Table 3 is present but a row of its format (2021: （六） has three sub-rows; 2019: （六）其他处理 is one row), or a cell of a present row, is missing.',
  },
  {
    id: 'requests.non_negative_integer',
    severity: 'error',
    kind: 'hard',
    spec: 'R4',
    formats: BOTH,
    notAssessable: false,
    description: 'Every table-3 cell is a non-negative integer.',
  },
  {
    id: 'requests.row_total',
    severity: 'error',
    kind: 'hard',
    spec: 'R1',
    formats: BOTH,
    notAssessable: true,
    description: 'In every table-3 row the six applicant columns (自然人 … 其他) sum to 总计; not assessable where 总计 is blank.',
  },
  {
    id: 'requests.results_sum',
    severity: 'error',
    kind: 'hard',
    spec: 'R2',
    formats: BOTH,
    notAssessable: true,
    description: 'In every column the result rows （一）…（六） sum to （七）总计.',
  },
  {
    id: 'requests.balance',
    severity: 'error',
    kind: 'hard',
    spec: 'R3',
    formats: BOTH,
    notAssessable: true,
    description: 'In every column 一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理 (the printed 勾稽关系).',
  },
  {
    id: 'requests.text_mismatch',
    severity: 'warning',
    kind: 'soft',
    spec: 'R6',
    formats: BOTH,
    notAssessable: false,
    description: 'A figure stated in the prose (收到/新收申请N件, 上年结转N件, 办结N件, 结转下年度N件, 行政复议N件, 行政诉讼N件) differs from the table.',
  },
  {
    id: 'requests.fee_unreported',
    severity: 'warning',
    kind: 'soft',
    spec: 'R7',
    formats: ['2021'],
    notAssessable: false,
    description: 'Applications were dropped for unpaid fee notices (（六）2 > 0) but the text never mentions 信息处理费.',
  },
  {
    id: 'appeals.missing',
    severity: 'warning',
    kind: 'hard',
    spec: '',
    formats: BOTH,
    notAssessable: false,
    description: 'Table 4 is present but one of its three groups, or a cell of a present group, is missing.',
  },
  {
    id: 'appeals.non_negative_integer',
    severity: 'error',
    kind: 'hard',
    spec: 'R10',
    formats: BOTH,
    notAssessable: false,
    description: 'Every table-4 cell is a non-negative integer.',
  },
  {
    id: 'appeals.group_total',
    severity: 'error',
    kind: 'hard',
    spec: 'R9',
    formats: BOTH,
    notAssessable: true,
    description: 'In each table-4 group 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计.',
  },
  {
    id: 'active.negative',
    severity: 'warning',
    kind: 'soft',
    spec: 'R12/R19',
    formats: BOTH,
    notAssessable: false,
    description: 'A table-2 value is negative (only the 2019 本年增/减 column may be).',
  },
  {
    id: 'active.non_integer',
    severity: 'warning',
    kind: 'soft',
    spec: 'R12',
    formats: BOTH,
    notAssessable: false,
    description: 'A table-2 count has a fractional part (only 本年收费金额 and 采购总金额 are amounts).',
  },
  {
    id: 'active.in_force_stock',
    severity: 'warning',
    kind: 'soft',
    spec: 'R13',
    formats: ['2021'],
    notAssessable: false,
    description: '现行有效件数 is at least 本年制发件数 − 本年废止件数.',
  },
  {
    id: 'active.published_exceeds_total',
    severity: 'warning',
    kind: 'soft',
    spec: 'R17',
    formats: ['2019'],
    notAssessable: false,
    description: '本年新公开数量 does not exceed 对外公开总数量.',
  },
  {
    id: 'active.published_exceeds_made',
    severity: 'warning',
    kind: 'soft',
    spec: 'R17',
    formats: ['2019'],
    notAssessable: false,
    description: '本年新公开数量 does not exceed 本年新制作数量 (usually; a plausibility signal).',
  },
  {
    id: 'narrative.mismatch',
    severity: 'warning',
    kind: 'soft',
    spec: '',
    formats: BOTH,
    notAssessable: false,
    description:
      'A result count or new-document count stated in the prose (予以公开/部分公开/不予公开/无法提供/不予处理/其他处理N件, 本年度制发规范性文件N件) differs from the cell or group total it names.',
  },
  {
    id: 'stats.part_exceeds_whole',
    severity: 'error',
    kind: 'hard',
    spec: '',
    formats: ['pre2019'],
    notAssessable: false,
    description: 'Statistics appendix: a 其中 row (and the numbered rows after it) does not exceed the row above it, in the year or in 历年累计.',
  },
  {
    id: 'stats.cumulative_below_value',
    severity: 'error',
    kind: 'hard',
    spec: '',
    formats: ['pre2019'],
    notAssessable: false,
    description: "Statistics appendix: 历年累计 is not below the year's value.",
  },
];
