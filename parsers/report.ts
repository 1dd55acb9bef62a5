/**
 * Token stream → canonical ParsedReport: extract the tables by labels, detect the format from
 * the labels found, read the metadata, validate. Pure: no I/O.
 */
import { BudgetMeter, checkNumbers } from './budget.js';
import { htmlToStream } from './html/stream.js';
import { ACTIVE_ROWS } from './keys.js';
import { extractActive } from './extract/active.js';
import { extractAppeals } from './extract/appeals.js';
import { extractRequests } from './extract/requests.js';
import { extractStats } from './extract/stats.js';
import type { TableBuilder } from './extract/values.js';
import { extractMetadata } from './metadata.js';
import { findSections, looksPre2019 } from './sections.js';
import type { TokenStream } from './stream.js';
import { textToStream } from './text/stream.js';
import type { Finding, InputKind, ParsedReport, ReportFormat, StatRow, TableName } from './types.js';
import { toReadableScript, type ReadableScript } from './script.js';
import { validateOwnTables } from './validate.js';
import { PARSER_VERSION } from './version.js';

const TABLE_TITLES: Record<string, string> = {
  active: 'Table 2 (主动公开政府信息情况)',
  requests: 'Table 3 (收到和处理政府信息公开申请情况)',
  appeals: 'Table 4 (政府信息公开行政复议、行政诉讼情况)',
};

export interface ReportInput {
  kind: InputKind;
  charset?: string | null;
}

/**
 * Parses an HTML report page (already decoded to a string). A page over the budget (`meter`:
 * elements, nesting depth, table cells) throws `NB_PARSE_TOO_LARGE` while its DOM is built; a
 * page without report tables is read again as plain text only within `maxTextChars`.
 */
export function parseHtmlReport(html: string, input: ReportInput = { kind: 'html' }, meter: BudgetMeter = new BudgetMeter()): ParsedReport {
  const script = toReadableScript(html);
  // The budget (elements, depth, cells, numbers) is counted while the DOM is built: one pass.
  const stream = htmlToStream(script.text, meter);
  const report = assembleReport(stream, input);
  if (!foundNothing(report)) return withConversion(report, script);
  // No <table> held a report table: the tables may be lines of text — a flipbook's or a PDF
  // converter's positioned lines, a table pasted as text, a grid of one-line <div> cells. Read
  // the page's text as plain text, with the page's own metadata signals.
  meter.check('maxTextChars', stream.text.length, 'characters of text (read as plain text: it has no report tables)', true);
  const asText = assembleReport({ ...textToStream(stream.text), signals: stream.signals }, input);
  return withConversion(foundNothing(asText) ? report : asText, script);
}

/** No report table and no statistics appendix were read. */
export function foundNothing(report: ParsedReport): boolean {
  return !report.active && !report.requests && !report.appeals && !report.stats;
}

/**
 * The report dates itself: a date field or meta tag gave `published`. A signature date (the date
 * written) or none gives way to a date known from outside — the list that links the document, or
 * the date it was stored with.
 */
export function datedByItself(report: ParsedReport): boolean {
  return report.published !== null && report.publishedFrom !== 'signature';
}

/** Parses pipe-flattened or plain text of a report; text over the budget's `maxTextChars` or `maxNumbers` throws `NB_PARSE_TOO_LARGE`. */
export function parseTextReport(text: string, input: ReportInput = { kind: 'text' }, meter: BudgetMeter = new BudgetMeter()): ParsedReport {
  meter.check('maxTextChars', text.length, 'characters of text', true);
  checkNumbers(meter, text);
  const script = toReadableScript(text);
  return withConversion(assembleReport(textToStream(script.text), input), script);
}

/**
 * Says so when the document was read after conversion (`report.text_converted`): traditional
 * characters made simplified, pinyin annotations removed. Title, agency, labels and the report's
 * text are then the converted ones; numbers are untouched.
 */
function withConversion(report: ParsedReport, script: ReadableScript): ParsedReport {
  const done: string[] = [];
  if (script.traditional) {
    done.push(
      `it is written in traditional characters (${script.traditional.markers} of its ${script.traditional.han} Chinese characters are traditional forms such as 開/處/請) ` +
        'and was read converted to simplified ones (OpenCC), title and labels included',
    );
  }
  if (script.pinyin > 0) done.push(`${script.pinyin} pinyin annotation(s) after characters, as in 公(gōng)开, were removed`);
  if (done.length > 0) {
    report.issues.push({
      rule: 'report.text_converted',
      severity: 'warning',
      message: `This document was converted before reading: ${done.join('; ')}. Copies like this are often unofficial mirrors: check the source.`,
      cells: [],
    });
  }
  return report;
}

/** Table-3 rows one format has and the other has not. */
const ONLY_2021_ROWS = ['other_no_correction', 'other_no_fee', 'other_other'];

/**
 * Findings about how the cells were read (`report.row_shape`, `report.missing_row`,
 * `report.truncated`): rows whose cells did not fit the table, rows of the other format, table-2
 * rows of the format that were not found, and the last row of a table that is not closed by its
 * own `</table>` (page cut off inside it). Without them a shifted or cut-off row could give wrong
 * numbers that no sum betrays.
 */
function shapeFindings(report: ParsedReport, format: '2021' | '2019', builders: TableBuilder[], unclosedTables: readonly number[]): Finding[] {
  const out: Finding[] = [];
  const rowCells = (table: TableName, rows: string[]) => {
    const keyed = table === 'stats' ? undefined : report[table];
    return rows.flatMap((row) => Object.keys(keyed?.[row] ?? {}).map((col) => `${table}.${row}.${col}`));
  };
  for (const builder of builders) {
    for (const a of builder.anomalies) {
      out.push({ rule: 'report.row_shape', severity: 'warning', message: a.message, cells: rowCells(builder.name, a.rows), scope: a.rows.join(',') });
    }
  }
  // Table 2 has no sums: a row it lost (label unreadable, row dropped) must be said here.
  if (report.active) {
    for (const def of ACTIVE_ROWS) {
      const cols = def.columns[format];
      if (!cols) continue;
      const row = report.active[def.key];
      if (row === undefined) {
        out.push({
          rule: 'report.missing_row',
          severity: 'warning',
          message: `Table 2 (${format} format) has no row "${def.label}".`,
          cells: cols.map((c) => `active.${def.key}.${c.key}`),
          scope: def.key,
        });
        continue;
      }
      // A row read under a header that lost a column (and the row its cell) is short of that cell.
      const lost = cols.filter((c) => !(c.key in row));
      if (lost.length > 0 && Object.keys(row).every((k) => cols.some((c) => c.key === k))) {
        out.push({
          rule: 'report.missing_row',
          severity: 'warning',
          message: `Table 2 (${format} format) row "${def.label}" has no cell for ${lost.map((c) => c.label).join(', ')}.`,
          cells: lost.map((c) => `active.${def.key}.${c.key}`),
          scope: def.key,
        });
      }
    }
  }
  const foreign = format === '2021' ? ['other'] : ONLY_2021_ROWS;
  for (const row of foreign.filter((r) => report.requests?.[r] !== undefined)) {
    out.push({
      rule: 'report.row_shape',
      severity: 'warning',
      message:
        format === '2021'
          ? 'Table 3 has a （六）其他处理 row with values of its own, which the 2021 format does not have: they may belong to a sub-row whose label was not found.'
          : `Table 3 has the 2021-format row "${row}" in a 2019-format table: its values may be misplaced.`,
      cells: rowCells('requests', [row]),
      scope: row,
    });
  }
  for (const index of unclosedTables) {
    const inTable = report.cells.filter((c) => c.tableIndex === index && c.gridRow !== null);
    const last = inTable.reduce((m, c) => Math.max(m, c.gridRow!), -1);
    const cells = inTable.filter((c) => c.gridRow === last).map((c) => `${c.table}.${c.row}.${c.col}`);
    if (cells.length > 0) {
      out.push({
        rule: 'report.truncated',
        severity: 'warning',
        message:
          'A table of the page is not closed by </table> (the page is cut off, or an unclosed comment or tag hides the rest): ' +
          'the last row read from it may be incomplete.',
        cells,
      });
    }
  }
  return out;
}

export function assembleReport(stream: TokenStream, input: ReportInput): ParsedReport {
  const { tokens } = stream;
  const requests = extractRequests(tokens);
  const firstPass = extractActive(tokens, requests.formatHint ?? '2021', requests.formatHint !== null);
  const tableFormat = requests.formatHint ?? firstPass.formatHint;
  // Re-read table 2 when its headers were unreadable and table 3 says 2019.
  const active = tableFormat === '2019' && firstPass.formatHint === null ? extractActive(tokens, '2019', true) : firstPass;
  const appeals = extractAppeals(tokens);
  // Table 4 alone is a report table too: it must be validated, not dropped into an 'unknown' report.
  const hasTables = !requests.builder.empty || !active.builder.empty || !appeals.empty;
  const ambiguousStats: number[] = [];
  const stats = hasTables ? null : extractStats(tokens, ambiguousStats);

  let format: ReportFormat = 'unknown';
  if (hasTables) format = tableFormat ?? '2021';
  else if (stats || looksPre2019(tokens)) format = 'pre2019';

  const sections = findSections(tokens);
  sections.active ||= !active.builder.empty;
  sections.requests ||= !requests.builder.empty;
  sections.appeals ||= !appeals.empty;

  const meta = extractMetadata(stream, format !== 'unknown');
  const report: ParsedReport = {
    format,
    title: meta.title,
    agency: meta.agency,
    ...(meta.agencyFrom ? { agencyFrom: meta.agencyFrom } : {}),
    year: meta.year,
    published: meta.published,
    ...(meta.publishedFrom ? { publishedFrom: meta.publishedFrom } : {}),
    issues: [],
    cells: [],
    sections,
    text: stream.text,
    input: { kind: input.kind, charset: input.charset ?? null },
    parserVersion: PARSER_VERSION,
  };
  if (!active.builder.empty) report.active = active.builder.table;
  if (!requests.builder.empty) report.requests = requests.builder.table;
  if (!appeals.empty) report.appeals = appeals.table;
  if (stats) report.stats = stats;
  report.cells = [...active.builder.cells, ...requests.builder.cells, ...appeals.cells];
  if (format === '2021' || format === '2019') {
    const toValidate: Parameters<typeof validateOwnTables>[0] = { format, text: stream.text };
    if (report.active) toValidate.active = report.active;
    if (report.requests) toValidate.requests = report.requests;
    if (report.appeals) toValidate.appeals = report.appeals;
    report.issues = validateOwnTables(toValidate);
    report.issues.push(...shapeFindings(report, format, [active.builder, requests.builder, appeals], stream.unclosedTables ?? []));
    const missing: [string, boolean][] = [
      ['active', !report.active],
      ['requests', !report.requests],
      ['appeals', !report.appeals],
    ];
    for (const [table, absent] of missing) {
      if (!absent) continue;
      report.issues.push({
        rule: 'report.missing_table',
        severity: 'warning',
        message: `${TABLE_TITLES[table]} was not found in this ${format}-format report`,
        cells: [],
        scope: table,
      });
    }
  } else if (stats) {
    report.issues.push(...validateOwnTables({ format, stats }), ...ambiguousStatFindings(stats, ambiguousStats));
  } else {
    report.issues.push({
      rule: 'report.no_tables',
      severity: 'warning',
      message: 'no report tables or statistics were found: this may not be an annual report, or its tables are images or attachments',
      cells: [],
    });
  }
  return report;
}

/**
 * `stats.ambiguous_row`: a statistics row that lost a blank cell (a space-flattened page) has
 * fewer numbers than value columns, and which column each belongs to cannot be told: its values
 * were left null rather than guessed. Cells are named `stats.N.value|cumulative`, N 1-based as the
 * statistics rules name them.
 */
function ambiguousStatFindings(stats: readonly StatRow[], rows: readonly number[]): Finding[] {
  return rows.map((i) => {
    const row = stats[i]!;
    const cols = row.cumulative === undefined ? ['value'] : ['value', 'cumulative'];
    return {
      rule: 'stats.ambiguous_row',
      severity: 'warning' as const,
      message:
        `Statistics row "${row.label}" reads "${row.raw}": it has fewer numbers than the table has value columns (a blank cell was lost ` +
        'when the page was flattened), so which column each number belongs to cannot be told; its values were left empty. Check the original.',
      cells: cols.map((c) => `stats.${i + 1}.${c}`),
      scope: row.label,
    };
  });
}
