/**
 * One deadline rule, cited (issue 14, item 2): `deadlineOf` (src/store/deadline.ts) and the SQL
 * of the `deadline_of` view agree for every (year, agency kind); and every surface — the
 * `report_summary` view, `nianbao check` and the explorer (report, agency, compliance pages) —
 * says the same thing for an undated, a late, an on-time, a government and a department report,
 * built from corpus pages with another agency name or publication date.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import * as m0006 from '../../db/migrations/0006_summary_timing.js';
import { SCHEMA_VERSION } from '../../db/migrations/index.js';
import { openDatabase } from '../../src/store/db.js';
import { undoMigration16 } from '../helpers/schema.js';
import { deadlineOf } from '../../src/store/deadline.js';
import { corpusText, runCli, tempDir, writeDoc } from './helpers.js';

describe('deadlineOf', () => {
  it('reports on years up to 2018: 31 March for every agency (条例(2007)第三十一条)', () => {
    for (const kind of ['government', 'department', 'township', 'other', null]) {
      expect(deadlineOf({ year: 2016, agencyKind: kind })).toMatchObject({ deadline: '2017-03-31', basis: '条例(2007)第三十一条' });
      expect(deadlineOf({ year: 2018, agencyKind: kind })).toMatchObject({ deadline: '2019-03-31', basis: '条例(2007)第三十一条' });
    }
  });
  it('reports on 2019 onwards: 31 January for departments, 31 March for the 本级政府 report (条例(2019)第四十九条)', () => {
    expect(deadlineOf({ year: 2019, agencyKind: 'department' })).toMatchObject({ deadline: '2020-01-31', basis: '条例(2019)第四十九条' });
    expect(deadlineOf({ year: 2019, agencyKind: 'government' })).toMatchObject({ deadline: '2020-03-31', basis: '条例(2019)第四十九条' });
    expect(deadlineOf({ year: 2024, agencyKind: null })?.deadline).toBe('2025-01-31');
    expect(deadlineOf({ year: 2024, agencyKind: 'township' })?.deadline).toBe('2025-01-31');
    expect(deadlineOf({ year: 2024, agencyKind: 'government' })?.rule).toContain('31 March');
  });
  it('no deadline without a year', () => {
    expect(deadlineOf({ year: null, agencyKind: 'government' })).toBeNull();
    expect(deadlineOf({ year: 2020.5, agencyKind: 'department' })).toBeNull();
  });
});

/** The reports of the test: corpus pages under another agency name and date. */
const CASES = {
  deptLate: {
    agency: '平潭综合实验区部门甲',
    from: 2021,
    published: '2022-02-08',
    kind: 'department',
    timing: '8 days late',
    basis: '条例(2019)第四十九条',
    deadline: '2022-01-31',
  },
  deptOnTime: {
    agency: '平潭综合实验区部门丁',
    from: 2021,
    published: '2022-01-20',
    kind: 'department',
    timing: 'on time (11 days early)',
    basis: '条例(2019)第四十九条',
    deadline: '2022-01-31',
  },
  govOnTime: {
    agency: '平潭综合实验区政府丙',
    from: 2021,
    published: '2022-02-08',
    kind: 'government',
    timing: 'on time (51 days early)',
    basis: '条例(2019)第四十九条',
    deadline: '2022-03-31',
  },
  govLate: {
    agency: '平潭综合实验区政府乙',
    from: 2021,
    published: '2022-04-05',
    kind: 'government',
    timing: '5 days late',
    basis: '条例(2019)第四十九条',
    deadline: '2022-03-31',
  },
  undated: {
    agency: '平潭综合实验区部门戊',
    from: 2021,
    published: null,
    kind: 'department',
    timing: 'date unknown',
    basis: '条例(2019)第四十九条',
    deadline: '2022-01-31',
  },
  pre2019OnTime: {
    agency: '平潭综合实验区部门己',
    from: 2016,
    published: '2017-01-18',
    kind: 'department',
    timing: 'on time (72 days early)',
    basis: '条例(2007)第三十一条',
    deadline: '2017-03-31',
  },
  pre2019Late: {
    agency: '平潭综合实验区部门庚',
    from: 2016,
    published: '2017-04-10',
    kind: 'department',
    timing: '10 days late',
    basis: '条例(2007)第三十一条',
    deadline: '2017-03-31',
  },
} as const;
type CaseKey = keyof typeof CASES;

interface ViewRow {
  report_id: number;
  agency_id: number;
  agency: string;
  year: number;
  published: string | null;
  deadline: string | null;
  deadline_basis: string | null;
  days_late: number | null;
  timing: string;
}

describe('the deadline on every surface', () => {
  const tmp = tempDir('nianbao-deadline-');
  let dbFile = '';
  const rows = new Map<CaseKey, ViewRow>();
  let server: RunningExplorer | undefined;
  let base = '';

  beforeAll(async () => {
    const dir = join(tmp.dir, 'docs');
    mkdirSync(dir);
    const source = { 2021: corpusText('fujian-pingtan-2021.pipe.txt'), 2016: corpusText('fujian-pingtan-2016.pipe.txt') } as const;
    const dates = { 2021: '时间：2022-02-08', 2016: '时间：2017-01-18' } as const;
    for (const [key, c] of Object.entries(CASES)) {
      let text = source[c.from].replaceAll(`平潭综合实验区${c.from}年度`, `${c.agency}${c.from}年度`);
      text = c.published === null ? text.replace(/来源：[^\n]*\n/, '') : text.replace(dates[c.from], `时间：${c.published}`);
      writeDoc(dir, `${key}.pipe.txt`, text);
    }
    dbFile = join(tmp.dir, 'nianbao.db');
    const r = runCli(['ingest', dir, '--db', dbFile, '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    // The registry (nianbao crawl) records each agency's kind; these agencies came from reports, so set it as the registry would.
    const w = new Database(dbFile);
    for (const c of Object.values(CASES)) w.prepare('UPDATE agencies SET kind = ?, level = ? WHERE name = ?').run(c.kind, 'county', c.agency);
    for (const [key, c] of Object.entries(CASES)) {
      const row = w.prepare('SELECT * FROM report_summary WHERE agency = ? AND is_primary = 1').get(c.agency) as ViewRow | undefined;
      if (row) rows.set(key as CaseKey, row);
    }
    w.close();
    server = await startExplorer({ dbFile, port: 0 });
    base = server.url.replace(/\/$/, '');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it('the view: deadline, basis, days late and timing as the rule says; undated is date unknown', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(CASES).sort());
    for (const [key, c] of Object.entries(CASES)) {
      const row = rows.get(key as CaseKey)!;
      expect({ key, published: row.published, deadline: row.deadline, basis: row.deadline_basis, timing: row.timing }).toEqual({
        key,
        published: c.published,
        deadline: c.deadline,
        basis: c.basis,
        timing: c.timing,
      });
      expect(deadlineOf({ year: row.year, agencyKind: c.kind })).toMatchObject({ deadline: row.deadline, basis: row.deadline_basis });
    }
    expect(rows.get('undated')!.days_late).toBeNull();
  });

  it('nianbao check: late with the deadline and its basis; undated as date unknown, never late', () => {
    const r = runCli(['check', '--db', dbFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const late = (JSON.parse(r.stdout) as { late: { agency: string; rule: string; severity: string; message: string; left: number | null }[] }).late;
    const lateOnes = late.filter((f) => f.rule === 'compliance.late');
    expect(lateOnes.map((f) => f.agency).sort()).toEqual([CASES.deptLate.agency, CASES.govLate.agency, CASES.pre2019Late.agency].sort());
    for (const f of lateOnes) {
      const c = Object.values(CASES).find((x) => x.agency === f.agency)!;
      const row = [...rows.values()].find((x) => x.agency === f.agency)!;
      expect(f.left).toBe(row.days_late);
      expect(f.message).toBe(`published ${c.published}, ${row.days_late} day(s) after the ${c.deadline} deadline (${c.basis})`);
    }
    const unknown = late.filter((f) => f.rule === 'compliance.published_unknown');
    expect(unknown.map((f) => f.agency)).toEqual([CASES.undated.agency]);
    expect(unknown[0]!.severity).toBe('not_assessable');
    expect(unknown[0]!.message).toContain('date unknown');
    expect(unknown[0]!.message).toContain(`${CASES.undated.deadline} deadline (${CASES.undated.basis})`);
  });

  it("explorer: report and agency pages say the view's timing and basis", async () => {
    for (const row of rows.values()) {
      const $ = cheerio.load(await (await fetch(`${base}/report/${row.report_id}`)).text());
      expect($('#timing').text()).toBe(row.timing);
      expect($('#deadline-basis').text()).toBe(`(${row.deadline_basis})`);
      const a = cheerio.load(await (await fetch(`${base}/agency/${row.agency_id}`)).text());
      expect(a('#years tr[data-measure="days_late"] td').first().text()).toBe(row.timing);
    }
  });

  it('explorer compliance page: late lists only late reports, the undated one is under date unknown', async () => {
    const late = (await (await fetch(`${base}/compliance?section=late&dl=json`)).json()) as { report_id: number; deadline_basis: string }[];
    const want = (...keys: CaseKey[]) => keys.map((k) => rows.get(k)!.report_id).sort((x, y) => x - y);
    expect(late.map((x) => x.report_id).sort((x, y) => x - y)).toEqual(want('deptLate', 'govLate', 'pre2019Late'));
    for (const x of late) expect(x.deadline_basis).toBe([...rows.values()].find((r) => r.report_id === x.report_id)!.deadline_basis);
    const undated = (await (await fetch(`${base}/compliance?section=undated&dl=json`)).json()) as { report_id: number; timing: string }[];
    expect(undated.map((x) => [x.report_id, x.timing])).toEqual([[rows.get('undated')!.report_id, 'date unknown']]);
    const $ = cheerio.load(await (await fetch(`${base}/compliance`)).text());
    expect($('#late').text()).toContain('(3)');
    expect($('#undated').text()).toContain('(1)');
  });

  it('the SQL of deadline_of agrees with deadlineOf for every year 2000–2030 and every agency kind', () => {
    const copy = join(tmp.dir, 'agree.db');
    const src = new Database(dbFile, { readonly: true });
    src.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
    src.close();
    const db = new Database(copy);
    try {
      const row = rows.get('deptLate')!;
      const setKind = db.prepare('UPDATE agencies SET kind = ? WHERE id = ?');
      const setYear = db.prepare('UPDATE reports SET year = ? WHERE id = ?');
      const get = db.prepare('SELECT deadline, deadline_basis FROM deadline_of WHERE report_id = ?');
      let compared = 0;
      for (const kind of ['government', 'department', 'township', 'other', 'unknown-kind', null]) {
        setKind.run(kind, row.agency_id);
        for (const year of [null, ...Array.from({ length: 31 }, (_, i) => 2000 + i)]) {
          setYear.run(year, row.report_id);
          const sql = get.get(row.report_id) as { deadline: string | null; deadline_basis: string | null };
          const ts = deadlineOf({ year, agencyKind: kind });
          expect({ kind, year, ...sql }).toEqual({ kind, year, deadline: ts?.deadline ?? null, deadline_basis: ts?.basis ?? null });
          compared++;
        }
      }
      expect(compared).toBe(6 * 32);
    } finally {
      db.close();
    }
  });

  it('a database of schema version 6 migrates: report_summary gains deadline_basis, nothing else changes', () => {
    const copy = join(tmp.dir, 'v6.db');
    const src = new Database(dbFile, { readonly: true });
    src.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
    const now = src.prepare('SELECT * FROM report_summary ORDER BY report_id').all();
    src.close();
    // Back to version 6: the views as migration 6 made them.
    const raw = new Database(copy);
    undoMigration16(raw);
    raw.exec(
      'DROP VIEW IF EXISTS missing_reports; DROP VIEW IF EXISTS expected_reports; DROP VIEW report_summary; DROP VIEW days_late_of; DROP VIEW deadline_of; CREATE VIEW report_summary AS SELECT 1 AS x;',
    );
    raw.exec(m0006.sql);
    raw.pragma('user_version = 6');
    const v6 = raw.prepare('SELECT * FROM report_summary ORDER BY report_id').all() as Record<string, unknown>[];
    raw.close();
    expect(Object.keys(v6[0]!)).not.toContain('deadline_basis');
    const db = openDatabase(copy);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const after = db.prepare('SELECT * FROM report_summary ORDER BY report_id').all() as Record<string, unknown>[];
      expect(after).toEqual(now);
      // Migration 6 held the same dates (agencies here are departments or governments, years 2016 and 2021).
      expect(after.map(({ deadline_basis: _b, ...rest }) => rest)).toEqual(v6);
    } finally {
      db.close();
    }
  });
});
