/**
 * Runs the twelve queries of docs/queries.md against a database built (by the CLI) from the corpus
 * and the derived documents, and checks each answer against a model computed from the
 * `.expected.json` sidecars.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineOf } from '../../src/store/deadline.js';
import { CORPUS, DERIVED, ROOT, buildCorpusDb, corpusDocuments, type Expected, loadExpected, rowTotal, tempDir } from './helpers.js';

type Table = Record<string, Record<string, number | null>>;
interface Entry {
  agency: string;
  year: number;
  format: string;
  published: string | null;
  requests?: Table | undefined;
  appeals?: Table | undefined;
  /** Plain text of the document (pipe-flattened copy), for the full-text question. */
  text: string;
}

const APPLICANTS = ['natural_person', 'commercial', 'research', 'social', 'legal', 'other'];
const COLS = [...APPLICANTS, 'total'];
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** One entry per (agency, year): the reports the `is_primary = 1` filter keeps. */
function model(): Entry[] {
  const byKey = new Map<string, Entry>();
  for (const d of corpusDocuments()) {
    const e = d.expected;
    if (!e.agency || !e.year || e.format === 'unknown') continue;
    const textFile = d.file.endsWith('.html') ? `${d.name}.pipe.txt` : d.file;
    byKey.set(`${e.agency}|${e.year}`, {
      agency: e.agency,
      year: e.year,
      format: e.format,
      published: e.published ?? null,
      requests: e.requests,
      appeals: e.appeals,
      text: readFileSync(join(CORPUS, textFile), 'utf8'),
    });
  }
  const base: Expected = loadExpected('fujian-pingtan-2021');
  const baseText = readFileSync(join(CORPUS, 'fujian-pingtan-2021.pipe.txt'), 'utf8');
  const arithmetic = clone(base.requests!);
  arithmetic['new_received']!['natural_person']! += DERIVED.arithmetic.delta;
  const derived: Entry[] = [
    {
      agency: DERIVED.year2022.agency,
      year: 2022,
      format: '2021',
      published: DERIVED.year2022.published,
      requests: base.requests,
      appeals: base.appeals,
      text: baseText,
    },
    { agency: DERIVED.arithmetic.agency, year: 2021, format: '2021', published: base.published!, requests: arithmetic, appeals: base.appeals, text: baseText },
    { agency: DERIVED.noTable4.agency, year: 2021, format: '2021', published: base.published!, requests: base.requests, appeals: undefined, text: baseText },
  ];
  for (const d of derived) byKey.set(`${d.agency}|${d.year}`, d);
  return [...byKey.values()];
}

const total = (e: Entry, row: string): number | null => rowTotal(e.requests?.[row]);
const sumRows = (e: Entry, prefix: string): number | null => {
  if (!e.requests) return null;
  const vals = Object.keys(e.requests)
    .filter((k) => k.startsWith(prefix))
    .map((k) => total(e, k))
    .filter((v): v is number => v !== null);
  return vals.length > 0 ? vals.reduce((a, b) => a + b, 0) : null;
};
const byAgencyYear = (a: { agency: string; year: number }, b: { agency: string; year: number }): number =>
  a.agency < b.agency ? -1 : a.agency > b.agency ? 1 : a.year - b.year;

describe('docs/queries.md', () => {
  const tmp = tempDir();
  let db: Database.Database;
  const queries = [...readFileSync(join(ROOT, 'docs', 'queries.md'), 'utf8').matchAll(/^## (\d+)\. (.+)\n[\s\S]*?```sql\n([\s\S]*?)```/gm)].map((m) => ({
    n: Number(m[1]),
    title: m[2]!,
    sql: m[3]!,
  }));
  const run = (n: number): Record<string, unknown>[] => {
    const q = queries.find((x) => x.n === n);
    if (!q) throw new Error(`query ${n} not found`);
    return db.prepare(q.sql).all() as Record<string, unknown>[];
  };
  const m = model();

  beforeAll(() => {
    db = new Database(buildCorpusDb(tmp.dir, { derived: true }), { readonly: true });
  });
  afterAll(() => {
    db?.close();
    tmp.cleanup();
  });

  it('has twelve numbered questions, each with one SQL statement', () => {
    expect(queries.map((q) => q.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('12. every finding, one line each', () => {
    const got = run(12);
    const n = db.prepare('SELECT count(*) FROM findings f JOIN reports r ON r.id = f.report_id WHERE r.is_primary = 1').pluck().get() as number;
    expect(got).toHaveLength(n);
    for (const f of got) expect(Object.keys(f)).toEqual(['rule', 'severity', 'agency', 'year', 'message']);
  });

  it('1. who received the most requests', () => {
    const want = m
      .filter((e) => total(e, 'new_received') !== null)
      .map((e) => ({ agency: e.agency, year: e.year, new_received: total(e, 'new_received') }))
      .sort((a, b) => b.new_received! - a.new_received! || byAgencyYear(a, b))
      .slice(0, 20);
    expect(run(1)).toEqual(want);
    expect(want[0]!.new_received).toBe(Math.max(...m.map((e) => total(e, 'new_received') ?? -1)));
  });

  it('2. refusal and "not held" rates', () => {
    const want = m
      .filter((e) => (total(e, 'total') ?? 0) > 0)
      .map((e) => {
        const t = total(e, 'total')!;
        const denied = sumRows(e, 'denied_');
        const notHeld = total(e, 'unavailable_not_held');
        return {
          agency: e.agency,
          year: e.year,
          results_total: t,
          denied,
          denied_pct: denied === null ? null : round1((100 * denied) / t),
          not_held: notHeld,
          not_held_pct: notHeld === null ? null : round1((100 * notHeld) / t),
        };
      })
      .sort(byAgencyYear);
    const got = run(2);
    expect([...got].sort((a, b) => byAgencyYear(a as never, b as never))).toEqual(want);
    for (let i = 1; i < got.length; i++) expect(got[i - 1]!['not_held_pct'] as number).toBeGreaterThanOrEqual(got[i]!['not_held_pct'] as number);
  });

  it('3. corrected in review and in court', () => {
    const agencies = new Map<string, { reviews: number; rc: number; lawsuits: number; lc: number }>();
    for (const e of m) {
      if (!e.appeals) continue;
      const a = agencies.get(e.agency) ?? { reviews: 0, rc: 0, lawsuits: 0, lc: 0 };
      a.reviews += e.appeals['review']!['total']!;
      a.rc += e.appeals['review']!['corrected']!;
      for (const g of ['litigation_direct', 'litigation_after_review']) {
        a.lawsuits += e.appeals[g]!['total']!;
        a.lc += e.appeals[g]!['corrected']!;
      }
      agencies.set(e.agency, a);
    }
    const got = run(3);
    expect(got).toHaveLength(agencies.size);
    for (const row of got) {
      const a = agencies.get(row['agency'] as string)!;
      expect(row).toEqual({
        agency: row['agency'],
        reviews: a.reviews,
        reviews_corrected: a.rc,
        lawsuits: a.lawsuits,
        lawsuits_corrected: a.lc,
        corrected_pct: a.reviews + a.lawsuits === 0 ? null : round1((100 * (a.rc + a.lc)) / (a.reviews + a.lawsuits)),
      });
    }
    const top = [...agencies.entries()].sort((x, y) => y[1].rc + y[1].lc - (x[1].rc + x[1].lc))[0]!;
    expect(got[0]!['agency']).toBe(top[0]);
  });

  it('4. who published late', () => {
    const want = m
      .filter((e) => e.published !== null)
      .map((e) => {
        // 平潭综合实验区 (a region named alone) is a people's government: 31 March from 2019 on too; the
        // 街道办事处 is a township: the departments' 31 January (docs/database.md#agency-identity).
        const government = e.agency === '平潭综合实验区';
        const deadline = `${e.year + 1}-${e.year <= 2018 || government ? '03' : '01'}-31`;
        const days = Math.round((Date.parse(e.published!) - Date.parse(deadline)) / 86_400_000);
        const deadline_basis = e.year <= 2018 ? '条例(2007)第三十一条' : '条例(2019)第四十九条';
        return {
          agency: e.agency,
          year: e.year,
          published: e.published,
          deadline,
          deadline_basis,
          days_late: days,
          timing: `${days} day${days === 1 ? '' : 's'} late`,
        };
      })
      .filter((x) => x.days_late > 0)
      .sort((a, b) => b.days_late - a.days_late || byAgencyYear(a, b));
    expect(want.length).toBeGreaterThan(0);
    expect(run(4)).toEqual(want);
  });

  it("5. whose tables don't add up", () => {
    // FORMAT.md §6 R1 (row: applicants sum to 总计) and R3 (column: 一 + 二 = （七） + 四), recomputed.
    const want: { agency: string; year: number; scope: string; left_value: number; right_value: number; delta: number }[] = [];
    for (const e of m) {
      if (!e.requests) continue;
      for (const [row, cols] of Object.entries(e.requests)) {
        if (cols['total'] === null || cols['total'] === undefined) continue;
        const left = APPLICANTS.reduce((s, c) => s + (cols[c] ?? 0), 0);
        if (left !== cols['total'])
          want.push({ agency: e.agency, year: e.year, scope: row, left_value: left, right_value: cols['total'], delta: left - cols['total'] });
      }
      for (const c of COLS) {
        const v = (r: string) => e.requests![r]?.[c] ?? 0;
        const left = v('new_received') + v('carried_over');
        const right = v('total') + v('carried_forward');
        if (left !== right) want.push({ agency: e.agency, year: e.year, scope: c, left_value: left, right_value: right, delta: left - right });
      }
    }
    expect(want.length).toBeGreaterThan(0);
    const got = run(5).map((r) => ({
      agency: r['agency'],
      year: r['year'],
      scope: r['scope'],
      left_value: r['left_value'],
      right_value: r['right_value'],
      delta: r['delta'],
    }));
    const key = (x: { agency: unknown; year: unknown; scope: unknown }) => `${x.agency}|${x.year}|${x.scope}`;
    expect(got.map(key).sort()).toEqual(want.map(key).sort());
    expect([...got].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...want].sort((a, b) => key(a).localeCompare(key(b))));
  });

  it('6. year-over-year change per agency', () => {
    const want: Record<string, unknown>[] = [];
    const agencies = [...new Set(m.map((e) => e.agency))].sort();
    for (const a of agencies) {
      const series = m.filter((e) => e.agency === a && total(e, 'new_received') !== null).sort((x, y) => x.year - y.year);
      for (let i = 1; i < series.length; i++) {
        const before = total(series[i - 1]!, 'new_received')!;
        const after = total(series[i]!, 'new_received')!;
        want.push({
          agency: a,
          from_year: series[i - 1]!.year,
          to_year: series[i]!.year,
          before,
          after,
          change: after - before,
          change_pct: before === 0 ? null : round1((100 * (after - before)) / before),
        });
      }
    }
    expect(want.length).toBeGreaterThan(0);
    expect(run(6)).toEqual(want);
  });

  it('7. individuals versus organisations', () => {
    const want = m
      .filter((e) => e.requests?.['new_received'])
      .map((e) => {
        const r = e.requests!['new_received']!;
        const orgs = ['commercial', 'research', 'social', 'legal', 'other'].map((c) => r[c]);
        return {
          agency: e.agency,
          year: e.year,
          natural_person: r['natural_person'],
          organisations: orgs.some((v) => v === null || v === undefined) ? null : orgs.reduce((s, v) => s! + v!, 0),
          total: r['total'],
          natural_person_pct: !r['total'] ? null : round1((100 * r['natural_person']!) / r['total']),
        };
      })
      .sort((a, b) => (b.total ?? -1) - (a.total ?? -1) || byAgencyYear(a, b));
    expect(run(7)).toEqual(want);
  });

  it('8. carried-over requests against the previous year', () => {
    const want: Record<string, unknown>[] = [];
    for (const cur of [...m].sort(byAgencyYear)) {
      const prev = m.find((p) => p.agency === cur.agency && p.year === cur.year - 1);
      const co = total(cur, 'carried_over');
      const cf = prev ? total(prev, 'carried_forward') : null;
      if (co === null || cf === null || co === cf) continue;
      want.push({ agency: cur.agency, year: cur.year, carried_forward_prev_year: cf, carried_over: co, delta: co - cf });
    }
    expect(want.length).toBeGreaterThan(0);
    expect(run(8)).toEqual(want);
  });

  it('9. grounds for turning requests down', () => {
    const want = new Map<string, { requests: number | null; reports: number }>();
    for (const e of m) {
      for (const [row, cols] of Object.entries(e.requests ?? {})) {
        if (!/^(denied|unavailable|rejected)/.test(row)) continue;
        const w = want.get(row) ?? { requests: null, reports: 0 };
        if (cols['total'] !== null && cols['total'] !== undefined) w.requests = (w.requests ?? 0) + cols['total'];
        w.reports++;
        want.set(row, w);
      }
    }
    const got = run(9);
    expect(new Map(got.map((r) => [r['row_key'] as string, { requests: r['requests'] as number | null, reports: r['reports'] as number }]))).toEqual(want);
    for (const r of got) expect(typeof r['label']).toBe('string');
    for (let i = 1; i < got.length; i++) expect(got[i - 1]!['requests'] as number).toBeGreaterThanOrEqual(got[i]!['requests'] as number);
  });

  it('10. reports that mention 信息处理费 (full text)', () => {
    const want = m
      .filter((e) => e.text.includes('信息处理费'))
      .map((e) => `${e.agency} ${e.year}`)
      .sort();
    expect(want.length).toBeGreaterThan(0);
    const got = run(10);
    expect(got.map((r) => `${r['agency']} ${r['year']}`).sort()).toEqual(want);
    for (const r of got) expect(r['context']).toContain('[信息处理费]');
  });
  it('11. who did not publish (missing_reports)', () => {
    // Per agency: every year from its first stored report to last year without a report, once
    // the deadline passed (the files were ingested just now, after every past deadline).
    const today = new Date().toISOString().slice(0, 10);
    const lastYear = new Date().getUTCFullYear() - 1;
    const stored = db
      .prepare('SELECT a.name AS agency, a.kind, r.year FROM reports r JOIN agencies a ON a.id = r.agency_id WHERE r.year IS NOT NULL')
      .all() as { agency: string; kind: string | null; year: number }[];
    const want: string[] = [];
    for (const agency of new Set(stored.map((r) => r.agency))) {
      const mine = stored.filter((r) => r.agency === agency);
      const years = new Set(mine.map((r) => r.year));
      for (let y = Math.min(...years); y <= lastYear; y++) {
        const d = deadlineOf({ year: y, agencyKind: mine[0]!.kind });
        if (!years.has(y) && d !== null && today > d.deadline) want.push(`${agency} ${y} ${d.deadline}`);
      }
    }
    expect(want.length).toBeGreaterThan(0);
    const got = run(11);
    expect(got.map((r) => `${r['agency']} ${r['year']} ${r['deadline']}`).sort()).toEqual(want.sort());
    for (const r of got) expect(r['site']).toBeNull();
  });
});
