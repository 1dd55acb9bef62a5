/**
 * `nianbao check` on the corpus plus documents derived from it: late publication (days from the
 * sidecar dates), tables that do not add up, a missing table, and the cross-year carry-over
 * check between consecutive Pingtan years. Findings are stored idempotently.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DERIVED, buildCorpusDb, corpusDocuments, loadExpected, runCli, tempDir } from './helpers.js';

interface F {
  reportId: number;
  agency: string | null;
  year: number | null;
  rule: string;
  severity: string;
  scope: string | null;
  left: number | null;
  right: number | null;
  delta: number | null;
  message: string;
  otherReportId: number | null;
}
interface Result {
  reportsChecked: number;
  arithmetic: F[];
  late: F[];
  missing: F[];
  carryover: F[];
  unreadable: { reportId: number; format: string | null }[];
  stored: number;
}

/** Deadline of FORMAT.md §1 for agencies not of kind government (the corpus sets no kind): 31 January (31 March for reports on 2008–2018). */
/**
 * Days after the deadline: 31 March for years up to 2018 and, from 2019, for a people's
 * government's own report (`government`: a report titled by its region alone, as 平潭综合实验区…
 * is); 31 January for departments and others.
 */
function daysLate(year: number, published: string, government = false): number {
  const deadline = Date.UTC(year + 1, year <= 2018 || government ? 2 : 0, 31);
  return Math.round((Date.parse(`${published}T00:00:00Z`) - deadline) / 86_400_000);
}

const COLS = ['natural_person', 'commercial', 'research', 'social', 'legal', 'other', 'total'];

describe('nianbao check', () => {
  const tmp = tempDir();
  let dbFile: string;
  let result: Result;

  beforeAll(() => {
    dbFile = buildCorpusDb(tmp.dir, { derived: true });
    const r = runCli(['check', '--db', dbFile, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    result = JSON.parse(r.stdout);
  });
  afterAll(() => tmp.cleanup());

  it('reports late publication with the days after the deadline (条例第四十九条)', () => {
    // One primary report per (agency, year): the corpus HTML pages and their pipe copies agree.
    const expectedLate = new Map<string, number>();
    for (const d of corpusDocuments()) {
      const e = d.expected;
      if (!e.year || !e.published || !e.agency || e.format === 'unknown') continue;
      const days = daysLate(e.year, e.published, e.agency === '平潭综合实验区');
      if (days > 0) expectedLate.set(`${e.agency} ${e.year}`, days);
    }
    // The derived 2021 documents keep the 2021 date; the derived 2022 one is on time.
    const d2021 = daysLate(2021, loadExpected('fujian-pingtan-2021').published!);
    expectedLate.set(`${DERIVED.arithmetic.agency} 2021`, d2021);
    expectedLate.set(`${DERIVED.noTable4.agency} 2021`, d2021);
    expect(daysLate(2022, DERIVED.year2022.published)).toBeLessThanOrEqual(0);

    const late = result.late.filter((f) => f.rule === 'compliance.late');
    expect(new Map(late.map((f) => [`${f.agency} ${f.year}`, f.left]))).toEqual(expectedLate);
    // A department's 2021 report published 2022-02-08 is 8 days late; the 平潭综合实验区 government's
    // own report of the same date is not (its deadline is 31 March: issue 20, kind from the name).
    const dept2021 = late.find((f) => f.agency === DERIVED.arithmetic.agency && f.year === 2021);
    expect(dept2021?.left).toBe(8);
    expect(dept2021?.message).toBe('published 2022-02-08, 8 day(s) after the 2022-01-31 deadline (条例(2019)第四十九条)');
    expect(late.find((f) => f.agency === '平潭综合实验区' && f.year === 2021)).toBeUndefined();
    // Pre-2019 reports cite the 2007 条例 (none of the corpus is late: the 2016 and 2017 reports are early).
    for (const f of late) expect(f.severity).toBe('error');
  });

  it('flags reports without a publication date as not assessable', () => {
    const undated = corpusDocuments().filter((d) => d.expected.format !== 'unknown' && !d.expected.published);
    expect(undated.length).toBeGreaterThan(0);
    const unknown = result.late.filter((f) => f.rule === 'compliance.published_unknown');
    expect(unknown.map((f) => `${f.agency} ${f.year}`).sort()).toEqual(undated.map((d) => `${d.expected.agency} ${d.expected.year}`).sort());
    for (const f of unknown) expect(f.severity).toBe('not_assessable');
  });

  it('lists the tables that do not add up, with by how much', () => {
    expect(result.arithmetic.length).toBeGreaterThan(0);
    for (const f of result.arithmetic) {
      expect(f.agency).toBe(DERIVED.arithmetic.agency);
      expect(f.severity).toBe('error');
      expect(f.delta).toBe(DERIVED.arithmetic.delta);
      expect(f.left! - f.right!).toBe(f.delta);
    }
    // Both the row sum of 本年新收 and the 自然人 column balance break.
    expect(result.arithmetic.map((f) => f.scope).sort()).toEqual(['natural_person', 'new_received']);
  });

  it('reports a 2021-format report without table 4', () => {
    const missing = result.missing.filter((f) => f.rule === 'compliance.missing_table');
    expect(missing.map((f) => [f.agency, f.scope])).toEqual([[DERIVED.noTable4.agency, 'appeals']]);
  });

  it('compares 上年结转 of year N with 结转下年度 of year N-1 (consecutive years only)', () => {
    const e2021 = loadExpected('fujian-pingtan-2021').requests!;
    const e2023 = loadExpected('fujian-pingtan-2023').requests!;
    // 2022 (derived from 2021) against 2021; 2023 against the derived 2022 (whose numbers are 2021's).
    const want: [number, string, number, number, number][] = [];
    for (const [year, cur, prev] of [
      [2022, e2021, e2021],
      [2023, e2023, e2021],
    ] as const) {
      for (const c of COLS) {
        const co = cur['carried_over']![c]!;
        const cf = prev['carried_forward']![c]!;
        if (co !== cf) want.push([year, c, co, cf, co - cf]);
      }
    }
    expect(want.length).toBeGreaterThan(0);
    const mismatches = result.carryover.filter((f) => f.rule === 'carryover.mismatch');
    const got = mismatches.map((f) => [f.year, f.scope, f.left, f.right, f.delta]);
    expect(got).toEqual(want);
    // The other cross-year rule, carryover.cumulative (pre-2019 历年累计), is tested in stats-carry.test.ts.
    expect(result.carryover.filter((f) => f.rule !== 'carryover.mismatch').every((f) => f.rule === 'carryover.cumulative' && f.year === 2017)).toBe(true);
    for (const f of result.carryover) {
      expect(f.agency).toBe('平潭综合实验区');
      expect(f.otherReportId).not.toBeNull();
    }
    // 2019, 2021 and 2025 have no report for the year before: nothing compared.
    expect(result.carryover.some((f) => [2016, 2019, 2021, 2025].includes(f.year!))).toBe(false);
  });

  it('does not check documents that are not reports', () => {
    const letters = corpusDocuments().filter((d) => d.expected.format === 'unknown');
    // The letter and its pipe copy have no agency: each is its own (primary) group.
    expect(result.unreadable).toHaveLength(letters.length);
  });

  it('stores its findings once, however often it runs', () => {
    const db = new Database(dbFile, { readonly: true });
    const stored = () =>
      db
        .prepare(
          "SELECT report_id, rule, scope, left_value, right_value, delta, other_report_id FROM findings WHERE source = 'check' ORDER BY report_id, rule, scope",
        )
        .all();
    const first = stored();
    expect(first).toHaveLength(result.stored);
    expect(result.stored).toBe(result.late.length + result.missing.length + result.carryover.length);
    const again = runCli(['check', '--db', dbFile, '--json']);
    expect(again.code).toBe(0);
    expect(stored()).toEqual(first);
    const dupes = db
      .prepare("SELECT count(*) AS n FROM (SELECT 1 FROM findings WHERE source = 'check' GROUP BY report_id, rule, scope HAVING count(*) > 1)")
      .get() as { n: number };
    expect(dupes.n).toBe(0);
    // report_summary counts the stored compliance findings (not_assessable excluded).
    const s = db.prepare("SELECT check_findings FROM report_summary WHERE agency = '平潭综合实验区' AND year = 2023 AND is_primary = 1").get() as {
      check_findings: number;
    };
    const n2023 = [...result.late, ...result.carryover].filter(
      (f) => f.agency === '平潭综合实验区' && f.year === 2023 && f.severity !== 'not_assessable',
    ).length;
    expect(s.check_findings).toBe(n2023);
    db.close();
  });

  it('--year and --agency narrow the check (and leave other findings alone)', () => {
    const r = JSON.parse(runCli(['check', '--db', dbFile, '--json', '--year', '2022']).stdout) as Result;
    expect(r.reportsChecked).toBe(1);
    expect(r.carryover.every((f) => f.year === 2022)).toBe(true);
    expect(r.carryover.length).toBe(result.carryover.filter((f) => f.year === 2022).length);
    const a = JSON.parse(runCli(['check', '--db', dbFile, '--json', '--agency', DERIVED.arithmetic.agency]).stdout) as Result;
    expect(a.reportsChecked).toBe(1);
    expect(a.arithmetic.length).toBe(result.arithmetic.length);
    const db = new Database(dbFile, { readonly: true });
    const total = (db.prepare("SELECT count(*) AS n FROM findings WHERE source = 'check'").get() as { n: number }).n;
    db.close();
    expect(total).toBe(result.stored);
  });

  it('prints a readable report', () => {
    const r = runCli(['check', '--db', join(dbFile)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/published late \(\d+\):/);
    expect(r.stdout).toContain(`${DERIVED.arithmetic.agency} 2021`);
    expect(r.stdout).toContain('8 day(s) after the 2022-01-31 deadline');
    expect(r.stdout).toMatch(/carry-over mismatches .*\(\d+\):/);
  });
});
