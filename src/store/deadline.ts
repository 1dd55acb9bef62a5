/**
 * The one deadline rule for annual reports (政府信息公开工作年度报告), with its legal basis.
 * Pure: every surface — the `report_summary` view (migration 7 writes the same rule in SQL, and
 * tests/store/deadline.test.ts proves the two agree), `nianbao check`, the explorer and
 * docs/queries.md — says what this function says.
 *
 * - Reports on years up to 2018: 《政府信息公开条例》 of 2007 (国务院令第492号, in force
 *   2008-05-01), 第三十一条 — every agency (各级行政机关) publishes by 31 March of the next year.
 * - Reports on 2019 onwards: the revised 条例 (国务院令第711号, in force 2019-05-15), 第四十九条 —
 *   departments of governments at county level and above (县级以上人民政府部门) by 31 January;
 *   the 本级政府 consolidated report (agencies of kind `government`: from the registry, or from a
 *   report-named body's name, src/agencies/names.ts) by 31 March. Agencies of other kinds
 *   (government_office — a 人民政府办公室/办公厅's own report is a 部门's —, township, other, or
 *   unknown) are held to the departments' 31 January date: 第四十九条 names no other date (see
 *   docs/database.md, "Deadline", for this limit).
 */

/** Short citation of the article a deadline comes from, stored as `report_summary.deadline_basis`. */
export type DeadlineBasis = '条例(2007)第三十一条' | '条例(2019)第四十九条';

export interface DeadlineInput {
  /** The year the report is about; null when unknown (then there is no deadline). */
  year: number | null;
  /** The agency's kind: government | government_office | department | township | other; null when unknown. */
  agencyKind: string | null;
}

export interface Deadline {
  /** YYYY-MM-DD: the last day to publish on time. */
  deadline: string;
  basis: DeadlineBasis;
  /** The rule in words, for messages and pages. */
  rule: string;
}

/** Reports on this year and later follow the 2019 条例 (it took effect 2019-05-15, before any 2019 report was due). */
export const FIRST_YEAR_2019_RULES = 2019;

/** The deadline of a report on `year` by an agency of `agencyKind`, or null when the year is unknown. */
export function deadlineOf({ year, agencyKind }: DeadlineInput): Deadline | null {
  if (year === null || !Number.isInteger(year)) return null;
  const next = String(year + 1).padStart(4, '0');
  if (year < FIRST_YEAR_2019_RULES) {
    return { deadline: `${next}-03-31`, basis: '条例(2007)第三十一条', rule: 'every agency by 31 March of the next year' };
  }
  if (agencyKind === 'government') {
    return { deadline: `${next}-03-31`, basis: '条例(2019)第四十九条', rule: '本级政府 (government) report by 31 March of the next year' };
  }
  return { deadline: `${next}-01-31`, basis: '条例(2019)第四十九条', rule: '县级以上人民政府部门 (departments) by 31 January of the next year' };
}
