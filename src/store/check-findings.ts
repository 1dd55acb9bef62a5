/**
 * What `nianbao check` reports: a finding on one report (the check's own rules and the stored ones
 * it lists), the report row the rules look at, and the `report.missing` finding of a report due
 * and not found.
 */
import type { Severity } from '../../parsers/types.js';
import { type ExpectedReport, whereListed, whereLooked } from './missing.js';

export interface CheckFinding {
  reportId: number;
  agency: string | null;
  year: number | null;
  source: 'parser' | 'check';
  rule: string;
  severity: Severity;
  message: string;
  scope: string | null;
  left: number | null;
  right: number | null;
  delta: number | null;
  /** For carryover.mismatch: the year N−1 report compared with. */
  otherReportId: number | null;
}

/** A report due and not found where we looked (`report.missing`), or listed and not fetched (`report.not_fetched`). */
export interface MissingReportFinding extends ExpectedReport {
  rule: 'report.missing' | 'report.not_fetched';
  severity: Severity;
  message: string;
}

/** A primary report as the rules see it (its report_summary row). */
export interface CheckedReport {
  id: number;
  agency: string | null;
  year: number | null;
  format: string | null;
  status: string;
  published: string | null;
  deadline: string | null;
  deadline_basis: string | null;
  days_late: number | null;
  error: string | null;
  file: string | null;
  has_overview: number | null;
  has_active: number | null;
  has_requests: number | null;
  has_appeals: number | null;
  has_problems: number | null;
  has_other: number | null;
}

/** The fields every check finding on `r` shares. */
export const onReport = (r: CheckedReport) => ({ reportId: r.id, agency: r.agency, year: r.year, source: 'check' as const, otherReportId: null });

/** The `report.missing` finding of an expected report with status `missing`. */
export function missingFinding(e: ExpectedReport): MissingReportFinding {
  return {
    ...e,
    rule: 'report.missing',
    severity: 'warning',
    message: `no report on ${e.year} found, due ${e.deadline} (${e.deadlineBasis}): ${whereLooked(e)}${e.lastYearSeen !== null ? `; latest report found: ${e.lastYearSeen}` : ''}`,
  };
}

/**
 * The `report.not_fetched` finding of an expected report with status `listed, not fetched`: the
 * agency's site lists the report, so it is not missing, but nianbao holds no copy of it.
 */
export function notFetchedFinding(e: ExpectedReport): MissingReportFinding {
  return {
    ...e,
    rule: 'report.not_fetched',
    severity: 'warning',
    message: `the ${e.year} report is ${whereListed(e)}; due ${e.deadline} (${e.deadlineBasis}); no copy stored`,
  };
}
