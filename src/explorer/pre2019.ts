/**
 * Pre-2019 reports (the 2008 条例's statistics table, `stats`) against the measures of the 2019/2021
 * templates: which of their rows say the same thing, so the agency page can show them side by side.
 * Only rows whose wording leaves no doubt are mapped; everything else stays blank. Each mapped
 * value carries the label it came from (shown on the page). Documented in docs/explorer.md.
 *
 * Labels are matched after NFKC, with whitespace, a leading "其中：" and a sub-row number
 * ("1、", "（一）") removed.
 */

export interface Pre2019Rule {
  /** The report_summary column. */
  key: 'new_received' | 'results_total' | 'granted' | 'partially_granted' | 'denied' | 'review_total' | 'litigation_total';
  /** Matches the cleaned label. */
  pattern: RegExp;
  /** Example wording, for the documentation. */
  example: string;
}

/** In order; the first row of a report that matches a rule gives its value. */
export const PRE2019_RULES: readonly Pre2019Rule[] = [
  // 受理依申请公开信息总数 / 受理政府信息依申请公开总数 / 收到政府信息公开申请总数 ↔ 本年新收
  {
    key: 'new_received',
    pattern: /^(?:受理|收到)(?:政府信息)?(?:依申请公开|公开申请)(?:政府)?(?:信息|申请)?(?:总数|总量|数)$/,
    example: '受理依申请公开信息总数',
  },
  // 对申请的答复总数 ↔ （七）总计 (answers given)
  { key: 'results_total', pattern: /^对(?:申请|依申请公开申请)的?答复(?:总数|数)$/, example: '对申请的答复总数' },
  { key: 'granted', pattern: /^同意公开(?:答复)?数$/, example: '同意公开答复数' },
  { key: 'partially_granted', pattern: /^同意部分公开(?:答复)?数$/, example: '同意部分公开答复数' },
  { key: 'denied', pattern: /^不予公开(?:答复)?数$/, example: '不予公开答复数' },
  // 行政复议数 ↔ 行政复议 总计; 行政诉讼数 ↔ 行政诉讼 总计 ("接受行政诉讼、举报数" is not: it mixes complaints in)
  { key: 'review_total', pattern: /^(?:政府信息公开)?(?:申请)?行政复议(?:案件)?数$/, example: '行政复议数' },
  { key: 'litigation_total', pattern: /^(?:政府信息公开)?(?:提起)?行政诉讼(?:案件)?数$/, example: '行政诉讼数' },
];

/** A statistics label as the rules read it. */
export function cleanStatLabel(label: string): string {
  return label
    .normalize('NFKC')
    .replace(/\s+/gu, '')
    .replace(/^其中[:：]?/u, '')
    .replace(/^(?:\d{1,2}[、.．]|\(?[一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)/u, '');
}

export interface MappedValue {
  value: number | null;
  /** The label in the report. */
  label: string;
}

/** The measures a pre-2019 report's statistics give, by report_summary column. */
export function mapPre2019(stats: readonly { label: string; value: number | null }[]): Map<Pre2019Rule['key'], MappedValue> {
  const out = new Map<Pre2019Rule['key'], MappedValue>();
  for (const s of stats) {
    const clean = cleanStatLabel(s.label);
    const rule = PRE2019_RULES.find((r) => r.pattern.test(clean));
    if (rule && !out.has(rule.key)) out.set(rule.key, { value: s.value, label: s.label });
  }
  return out;
}
