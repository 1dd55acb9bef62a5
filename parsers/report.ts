/**
 * Token stream → canonical ParsedReport: extract the tables by labels, detect the format from
 * the labels found, read the metadata, validate. Pure: no I/O.
 */
import { htmlToStream } from './html/stream.js';
import { extractActive } from './extract/active.js';
import { extractAppeals } from './extract/appeals.js';
import { extractRequests } from './extract/requests.js';
import { extractStats } from './extract/stats.js';
import { extractMetadata } from './metadata.js';
import { findSections, looksPre2019 } from './sections.js';
import type { TokenStream } from './stream.js';
import { textToStream } from './text/stream.js';
import type { InputKind, ParsedReport, ReportFormat } from './types.js';
import { validateReport } from './validate.js';
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

/** Parses an HTML report page (already decoded to a string). */
export function parseHtmlReport(html: string, input: ReportInput = { kind: 'html' }): ParsedReport {
  return assembleReport(htmlToStream(html), input);
}

/** Parses pipe-flattened or plain text of a report. */
export function parseTextReport(text: string, input: ReportInput = { kind: 'text' }): ParsedReport {
  return assembleReport(textToStream(text), input);
}

export function assembleReport(stream: TokenStream, input: ReportInput): ParsedReport {
  const { tokens } = stream;
  const requests = extractRequests(tokens);
  const firstPass = extractActive(tokens, requests.formatHint ?? '2021');
  const tableFormat = requests.formatHint ?? firstPass.formatHint;
  // Re-read table 2 when its headers were unreadable and table 3 says 2019.
  const active = tableFormat === '2019' && firstPass.formatHint === null ? extractActive(tokens, '2019') : firstPass;
  const appeals = extractAppeals(tokens);
  const hasTables = !requests.builder.empty || !active.builder.empty;
  const stats = hasTables ? null : extractStats(tokens);

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
    year: meta.year,
    published: meta.published,
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
    const toValidate: Parameters<typeof validateReport>[0] = { format, text: stream.text };
    if (report.active) toValidate.active = report.active;
    if (report.requests) toValidate.requests = report.requests;
    if (report.appeals) toValidate.appeals = report.appeals;
    report.issues = validateReport(toValidate);
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
  } else if (!stats) {
    report.issues.push({
      rule: 'report.no_tables',
      severity: 'warning',
      message: 'no report tables or statistics were found: this may not be an annual report, or its tables are images or attachments',
      cells: [],
    });
  }
  return report;
}
