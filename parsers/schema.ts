/**
 * Runtime schema (zod) of the canonical `ParsedReport` of `parsers/types.ts`: the contract every
 * parse must meet, whatever the input. Used by the fuzzer (every output of every mutated input is
 * checked against it) and by anyone who reads a stored report back (`nianbao parse --json`, the
 * database's JSON column).
 *
 * Beyond the shape of `types.ts` it checks what the types cannot say:
 * - numbers are finite; counts of positions are non-negative integers; `published` is a real
 *   calendar date `YYYY-MM-DD`; `year` is a plausible year;
 * - table keys are canonical keys of `parsers/keys.ts` (rows and columns of their table);
 * - `cells` (the long form) and the keyed tables agree: every keyed value has exactly one cell
 *   record with the same value, and every cell record of a keyed table is in it;
 * - a cell is null exactly when it is flagged blank, placeholder or unreadable;
 * - finding cells are `table.row.col` paths with canonical keys;
 * - format and content agree: report tables only in a '2021'/'2019' report, statistics only in a
 *   'pre2019' one.
 *
 * A compile-time check below fails `tsc` when this schema and `ParsedReport` drift apart.
 */
import { z } from 'zod';
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from './keys.js';
import type { ParsedReport } from './types.js';

/** Canonical row and column keys of each keyed table (from `parsers/keys.ts`). */
export const CANONICAL_KEYS: Readonly<Record<'active' | 'requests' | 'appeals', { rows: ReadonlySet<string>; cols: ReadonlySet<string> }>> = {
  active: {
    rows: new Set(ACTIVE_ROWS.map((r) => r.key)),
    cols: new Set(ACTIVE_ROWS.flatMap((r) => Object.values(r.columns).flatMap((cols) => cols.map((c) => c.key)))),
  },
  requests: { rows: new Set(REQUEST_ROWS.map((r) => r.key)), cols: new Set(REQUEST_COLUMNS.map((c) => c.key)) },
  appeals: { rows: new Set(APPEAL_GROUPS.map((g) => g.key)), cols: new Set(APPEAL_COLUMNS.map((c) => c.key)) },
};

const KEYED_TABLES = ['active', 'requests', 'appeals'] as const;
type KeyedTableName = (typeof KEYED_TABLES)[number];

/** A finite number (zod 4 numbers already refuse NaN and ±Infinity). */
const finite = z.number();
const position = z.number().int().nonnegative();

function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export const reportFormatSchema = z.enum(['2021', '2019', 'pre2019', 'unknown']);
export const tableNameSchema = z.enum(['active', 'requests', 'appeals', 'stats']);
export const cellFlagSchema = z.enum(['blank', 'placeholder', 'unit', 'noise', 'signed', 'unreadable']);
export const severitySchema = z.enum(['error', 'warning', 'not_assessable']);
export const inputKindSchema = z.enum(['html', 'text', 'docx', 'pdf', 'doc', 'wps', 'mht', 'ofd', 'image']);

export const keyedTableSchema = z.record(z.string(), z.record(z.string(), finite.nullable()));

export const cellRecordSchema = z
  .object({
    table: tableNameSchema,
    row: z.string().min(1),
    col: z.string().min(1),
    value: finite.nullable(),
    raw: z.string(),
    flags: z.array(cellFlagSchema),
    unit: z.string().min(1).optional(),
    tableIndex: position.nullable(),
    gridRow: position.nullable(),
    gridCol: position.nullable(),
  })
  .strict()
  .superRefine((cell, ctx) => {
    const nullFlag = cell.flags.some((f) => f === 'blank' || f === 'placeholder' || f === 'unreadable');
    if ((cell.value === null) !== nullFlag) {
      ctx.addIssue({
        code: 'custom',
        message: `cell value ${cell.value} does not agree with its flags [${cell.flags.join(', ')}] (null exactly when blank, placeholder or unreadable)`,
      });
    }
  });

const CELL_PATH = /^(active|requests|appeals)\.([^.]+)\.([^.]+)$/;
/** A cell of the pre-2019 statistics appendix: `stats.<place in report.stats, 1-based>.value|cumulative` (the stored `ord`). */
const STAT_PATH = /^stats\.(\d+)\.(value|cumulative)$/;

export const findingSchema = z
  .object({
    rule: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'a rule id like "requests.balance"'),
    severity: severitySchema,
    message: z.string().min(1),
    cells: z.array(
      z.string().refine((p) => {
        if (STAT_PATH.test(p)) return true;
        const m = CELL_PATH.exec(p);
        if (!m) return false;
        const keys = CANONICAL_KEYS[m[1] as KeyedTableName];
        return keys.rows.has(m[2]!) && keys.cols.has(m[3]!);
      }, 'a cell path `table.row.col` with canonical keys, or `stats.N.value|cumulative`'),
    ),
    left: finite.nullable().optional(),
    right: finite.nullable().optional(),
    scope: z.string().min(1).optional(),
  })
  .strict();

export const statRowSchema = z
  .object({
    label: z.string().min(1),
    unit: z.string().nullable(),
    value: finite.nullable(),
    cumulative: finite.nullable().optional(),
    raw: z.string(),
  })
  .strict();

export const sectionPresenceSchema = z
  .object({
    overview: z.boolean(),
    active: z.boolean(),
    requests: z.boolean(),
    appeals: z.boolean(),
    problems: z.boolean(),
    other: z.boolean(),
  })
  .strict();

const parsedReportShape = z
  .object({
    format: reportFormatSchema,
    title: z.string().min(1).nullable(),
    agency: z.string().min(1).nullable(),
    agencyFrom: z.enum(['title', 'field', 'signature']).optional(),
    year: z.number().int().min(1900).max(2100).nullable(),
    published: z.string().refine(isCalendarDate, 'an ISO calendar date YYYY-MM-DD').nullable(),
    publishedFrom: z.enum(['field', 'meta', 'signature', 'link']).optional(),
    active: keyedTableSchema.optional(),
    requests: keyedTableSchema.optional(),
    appeals: keyedTableSchema.optional(),
    stats: z.array(statRowSchema).min(1).optional(),
    issues: z.array(findingSchema),
    cells: z.array(cellRecordSchema),
    sections: sectionPresenceSchema,
    text: z.string(),
    input: z
      .object({
        kind: inputKindSchema,
        charset: z.string().min(1).nullable(),
        ocr: z
          .object({ pages: position.min(1), meanConfidence: z.number().min(0).max(100) })
          .strict()
          .optional(),
      })
      .strict(),
    parserVersion: z.string().min(1),
  })
  .strict();

/** The canonical ParsedReport: shape plus the cross-field invariants listed at the top of this file. */
export const parsedReportSchema = parsedReportShape.superRefine((report, ctx) => {
  const issue = (message: string, path: (string | number)[]) => ctx.addIssue({ code: 'custom', message, path });

  // Canonical keys, and one cell record per keyed value with the same value.
  const recorded = new Map<string, number>();
  report.cells.forEach((cell, i) => {
    if (cell.table === 'stats') {
      issue('statistics rows are not cell records', ['cells', i, 'table']);
      return;
    }
    const path = `${cell.table}.${cell.row}.${cell.col}`;
    recorded.set(path, (recorded.get(path) ?? 0) + 1);
    const table = report[cell.table];
    const value = table?.[cell.row]?.[cell.col];
    if (value === undefined) issue(`cell record ${path} has no value in the keyed table`, ['cells', i]);
    else if (!Object.is(value, cell.value)) issue(`cell record ${path} is ${cell.value} but the keyed table says ${value}`, ['cells', i, 'value']);
  });
  for (const name of KEYED_TABLES) {
    const table = report[name];
    if (!table) continue;
    const keys = CANONICAL_KEYS[name];
    if (Object.keys(table).length === 0) issue(`table ${name} is present but empty`, [name]);
    for (const [row, values] of Object.entries(table)) {
      if (!keys.rows.has(row)) issue(`"${row}" is not a canonical row key of ${name}`, [name, row]);
      if (Object.keys(values).length === 0) issue(`row ${name}.${row} is present but empty`, [name, row]);
      for (const col of Object.keys(values)) {
        if (!keys.cols.has(col)) issue(`"${col}" is not a canonical column key of ${name}`, [name, row, col]);
        const n = recorded.get(`${name}.${row}.${col}`) ?? 0;
        if (n !== 1) issue(`${name}.${row}.${col} has ${n} cell records (expected 1)`, [name, row, col]);
      }
    }
  }

  // Format and content agree.
  const hasTables = KEYED_TABLES.some((t) => report[t] !== undefined);
  if (hasTables && report.format !== '2021' && report.format !== '2019') {
    issue(`a report with tables has format "${report.format}" (expected 2021 or 2019)`, ['format']);
  }
  if (report.stats && report.format !== 'pre2019') issue(`statistics in a "${report.format}" report (expected pre2019)`, ['format']);
  if (report.stats && hasTables) issue('both report tables and a statistics appendix', ['stats']);

  // A finding's statistics cell names a row the appendix has.
  report.issues.forEach((finding, i) =>
    finding.cells.forEach((path, j) => {
      const m = STAT_PATH.exec(path);
      if (m && (Number(m[1]) < 1 || Number(m[1]) > (report.stats?.length ?? 0)))
        issue(`${path} names no row of the statistics appendix`, ['issues', i, 'cells', j]);
    }),
  );
});

/** Runtime-validated ParsedReport (the schema's inferred type is `ParsedReport` itself; see the check below). */
export type ParsedReportFromSchema = z.infer<typeof parsedReportSchema>;

// Compile-time guard: `tsc` fails here when parsers/types.ts and this schema drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTypes: Same<ParsedReportFromSchema, ParsedReport> = true;
void schemaMatchesTypes;
