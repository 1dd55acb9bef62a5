/**
 * The report validator (FORMAT.md §6): checks the arithmetic of a parsed report's tables and,
 * when the prose is given, a few text-versus-table figures. A pure function: the input is never
 * modified, and an original that does not add up is reported, never corrected.
 *
 * Blank cells (null) are read as 0 inside the sums, except that a blank total cell makes the
 * check `not_assessable` (FORMAT.md §7.4) and a check whose cells are all blank is skipped.
 */

import { z } from 'zod';
import { NianbaoError } from './errors.js';
import type { Finding, KeyedTable, ReportFormat, StatRow } from './types.js';
import { checkActive } from './validate/active.js';
import { checkAppeals } from './validate/appeals.js';
import { checkRequests } from './validate/requests.js';
import { checkNarrative } from './validate/narrative.js';
import { checkStats } from './validate/stats.js';
import { checkFeeUnreported, checkTextMismatch, sentences } from './validate/text.js';
import type { EffectiveFormat } from './validate/util.js';

export { VALIDATION_RULES, RULE_IDS } from './validate/rules.js';
export type { RuleId, RuleSeverity, ValidationRule } from './validate/rules.js';
export { extractTextFigures } from './validate/text.js';
export { narrativeTies } from './validate/narrative.js';
export type { NarrativeKind, NarrativeTie } from './validate/narrative.js';
export type { TextFigure, TextFigureKind } from './validate/text.js';

/** What the validator reads. A whole `ParsedReport` (or a corpus `.expected.json`) fits: other keys are ignored. */
export interface ValidateInput {
  format: ReportFormat;
  /** Table 2, 主动公开政府信息情况. */
  active?: KeyedTable | null;
  /** Table 3, 收到和处理政府信息公开申请情况. */
  requests?: KeyedTable | null;
  /** Table 4, 政府信息公开行政复议、行政诉讼情况. */
  appeals?: KeyedTable | null;
  /** The pre-2019 statistics appendix; enables the `stats.*` rules. */
  stats?: StatRow[] | null;
  /** The report's prose (pipe text of tables may be included); enables the text rules R6/R7 and narrative.mismatch. */
  text?: string | null;
}

export type ValidateErrorCode = 'NB_VALIDATE_INPUT';

/** The input is not a report shape the validator can read (e.g. a cell that is a string). */
export class ValidateError extends NianbaoError {
  declare readonly code: ValidateErrorCode;
  constructor(code: ValidateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

const keyedTable = z.record(z.string(), z.record(z.string(), z.number().nullable()));

/** Runtime shape of `ValidateInput` (finite numbers or null in every cell). */
export const validateInputSchema = z.object({
  format: z.enum(['2021', '2019', 'pre2019', 'unknown']),
  active: keyedTable.nullish(),
  requests: keyedTable.nullish(),
  appeals: keyedTable.nullish(),
  stats: z
    .array(
      z.object({ label: z.string(), unit: z.string().nullable(), value: z.number().nullable(), cumulative: z.number().nullish(), raw: z.string().default('') }),
    )
    .nullish(),
  text: z.string().nullish(),
});

const ONLY_2021_ROWS = ['other_no_correction', 'other_no_fee', 'other_other'];
const COLS_2021 = ['issued', 'repealed', 'in_force', 'amount_wan_yuan'];
const COLS_2019 = ['made', 'published', 'total_published', 'previous', 'change', 'count', 'amount_yuan'];

/**
 * The format whose rows and rules apply: the declared one when it is 2019 or 2021, otherwise
 * inferred from the table keys (（六） sub-rows or 2021 table-2 columns → 2021; a single
 * （六）其他处理 row or 2019 columns → 2019), or null when the tables do not tell.
 */
export function effectiveFormat(input: Pick<ValidateInput, 'format' | 'active' | 'requests'>): EffectiveFormat {
  if (input.format === '2021' || input.format === '2019') return input.format;
  const rows = Object.keys(input.requests ?? {});
  if (rows.some((r) => ONLY_2021_ROWS.includes(r))) return '2021';
  if (rows.includes('other')) return '2019';
  const cols = Object.values(input.active ?? {}).flatMap((r) => Object.keys(r));
  if (cols.some((c) => COLS_2021.includes(c))) return '2021';
  if (cols.some((c) => COLS_2019.includes(c)) || 'procurement' in (input.active ?? {}) || 'other_services' in (input.active ?? {})) {
    return '2019';
  }
  return null;
}

/**
 * Validate one report. Returns the findings in the order of `VALIDATION_RULES` (table 3, table 4,
 * table 2, then text rules); an empty array means every applicable rule holds.
 *
 * @throws {ValidateError} `NB_VALIDATE_INPUT` when the input does not have the report shape.
 */
export function validateReport(input: ValidateInput): Finding[] {
  const parsed = validateInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidateError('NB_VALIDATE_INPUT', `not a report to validate: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  // zod returns fresh objects: nothing below can touch the caller's tables.
  return runRules(parsed.data);
}

/**
 * {@link validateReport} for the tables the parser built itself (typed, so of the report shape):
 * the same findings, without zod copying every cell — the cells are checked finite or null in one
 * loop, and the rules never modify their input. A cell that is not (NaN, ±Infinity) goes through
 * validateReport, which refuses it as before.
 */
export function validateOwnTables(input: ValidateInput): Finding[] {
  const finite = [input.active, input.requests, input.appeals].every(finiteTable) && (input.stats ?? []).every(finiteStatRow);
  return finite ? runRules(input) : validateReport(input);
}

const finiteOrNull = (v: number | null | undefined): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Every cell of the table (if any) is a finite number or null. */
function finiteTable(table: KeyedTable | null | undefined): boolean {
  if (table === null || table === undefined) return true;
  for (const row of Object.keys(table)) {
    const cols = table[row]!;
    for (const col of Object.keys(cols)) if (!finiteOrNull(cols[col])) return false;
  }
  return true;
}

function finiteStatRow(r: StatRow): boolean {
  return finiteOrNull(r.value) && (r.cumulative === undefined || finiteOrNull(r.cumulative));
}

/** The rules over input already of the report shape. */
function runRules(input: ValidateInput): Finding[] {
  const { active, requests, appeals, stats, text } = input;
  const format = effectiveFormat(input);
  const findings: Finding[] = [];
  if (requests) findings.push(...checkRequests(requests, format));
  if (appeals) findings.push(...checkAppeals(appeals));
  if (active) findings.push(...checkActive(active, format));
  if (stats) findings.push(...checkStats(stats));
  if (typeof text === 'string' && text.trim().length > 0) {
    // The prose cut into sentences once, for both rules that read it.
    const segments = sentences(text);
    findings.push(...checkTextMismatch(text, requests ?? undefined, appeals ?? undefined, segments));
    findings.push(...checkFeeUnreported(text, requests ?? undefined, format));
    findings.push(...checkNarrative(text, requests ?? undefined, active ?? undefined, segments));
  }
  return findings;
}
