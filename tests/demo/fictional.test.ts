/**
 * The demo's fictional agencies (src/demo/fictional.ts, src/demo/generate.ts): generated reports
 * are deterministic, differ per agency and year, parse with consistent arithmetic except the
 * planted cases, and — through `nianbao demo` (crawl → database → check) — every planted case is
 * found, round 2 revises one report and loses another, and the explorer's compare page for the
 * latest year shows distinct values.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { parseHtmlReport } from '../../parsers/report.js';
import { buildFictionalSites, FICTIONAL_AGENCIES, FICTIONAL_NOTICE } from '../../src/demo/fictional.js';
import { APPLICANT_COLS, valuesOf, type Plant } from '../../src/demo/generate.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { createExplorer } from '../../src/explorer/server.js';
import { ensureBuilt, runBin, tempDir } from '../crawl/helpers.js';
import { fetchText } from './walk.js';

const ROOT = join(import.meta.dirname, '..', '..');
const sites = buildFictionalSites();
const reports = sites.flatMap((s) => s.reports.map((r) => ({ site: s.def.name, ...r })));

/** The findings a planted case gives (the parser's rules). */
const PLANT_RULES: Record<Plant, string[]> = {
  sum_fails: ['requests.balance', 'requests.row_total'],
  narrative_mismatch: ['narrative.mismatch'],
  part_exceeds_whole: ['stats.part_exceeds_whole'],
};

function digest(): string {
  const h = createHash('sha256');
  for (const s of buildFictionalSites()) for (const r of s.reports) h.update(`${r.path}\n${r.report.html}\n${r.report.revisedHtml ?? ''}\n`);
  return h.digest('hex');
}

function childDigest(): Promise<string> {
  const script = `import { createHash } from 'node:crypto';
import { buildFictionalSites } from './src/demo/fictional.ts';
const h = createHash('sha256');
for (const s of buildFictionalSites()) for (const r of s.reports) h.update(r.path + '\\n' + r.report.html + '\\n' + (r.report.revisedHtml ?? '') + '\\n');
process.stdout.write(h.digest('hex'));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

describe('fictional agencies: generated reports', () => {
  it('are deterministic: the same pages in this process and in another one', async () => {
    const here = digest();
    expect(digest()).toBe(here);
    expect(await childDigest()).toBe(here);
  }, 60_000);

  it('parse with consistent arithmetic: no finding but the planted ones, values as generated', () => {
    expect(reports.length).toBe(27);
    for (const r of reports) {
      const p = parseHtmlReport(r.report.html);
      const label = `${r.report.title}`;
      expect(p.year, label).toBe(r.report.plan.year);
      expect(p.format, label).toBe(r.report.format);
      expect(p.published, label).toBe(r.report.plan.published);
      const want = [...new Set((r.report.plan.plants ?? []).flatMap((x) => PLANT_RULES[x]))].sort();
      expect([...new Set(p.issues.map((i) => i.rule))].sort(), `${label}: ${p.issues.map((i) => i.message).join(' | ')}`).toEqual(want);
      // Every generated value is what the parser reads back.
      const got = valuesOf(p);
      for (const [path, v] of r.report.values) expect(got.get(path), `${label} ${path}`).toBe(v);
      if (r.report.revisedHtml) {
        const q = parseHtmlReport(r.report.revisedHtml);
        expect(q.issues, label).toEqual([]);
        const diff = [...valuesOf(q)].filter(([k, v]) => got.get(k) !== v);
        // A revised report differs in one cell; a reworded one in its text only.
        expect(diff.length, label).toBe(r.report.plan.reword ? 0 : 1);
      }
      expect(r.report.html).toContain('虚构');
    }
  });

  it("chain 上年结转 to the year before's 结转下年度, column by column", () => {
    let pairs = 0;
    for (const s of sites) {
      for (const r of s.reports) {
        const prev = s.reports.find((x) => x.report.plan.year === r.report.plan.year - 1);
        if (!prev || r.report.format === 'pre2019' || prev.report.format === 'pre2019') continue;
        for (const c of [...APPLICANT_COLS, 'total']) {
          expect(r.report.values.get(`requests.carried_over.${c}`), `${r.report.title} ${c}`).toBe(prev.report.values.get(`requests.carried_forward.${c}`));
        }
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(10);
  });

  it('differ realistically: sizes and shares per agency, a trend across years, formats 2021, 2019 and pre-2019', () => {
    const latest = reports.filter((r) => r.report.plan.year === 2025);
    expect(latest.length).toBe(6);
    const received = latest.map((r) => r.report.values.get('requests.new_received.total'));
    expect(new Set(received).size).toBe(latest.length);
    const grantedShare = latest.map((r) => (r.report.values.get('requests.granted.total')! / r.report.values.get('requests.total.total')!).toFixed(3));
    expect(new Set(grantedShare).size).toBeGreaterThan(3);
    const province = reports.filter((r) => r.site === 'demo-province').map((r) => r.report.values.get('requests.new_received.total'));
    expect(new Set(province).size).toBeGreaterThan(3);
    expect(new Set(reports.map((r) => r.report.format))).toEqual(new Set(['2021', '2019', 'pre2019']));
  });

  it('plant every case once: a sum, prose vs table, a part over its whole, late, undated, a missing year, revised, reworded, vanished', () => {
    const plants = reports.flatMap((r) => (r.report.plan.plants ?? []).map((p) => `${p} ${r.report.plan.agency} ${r.report.plan.year}`));
    expect(plants.sort()).toEqual(['narrative_mismatch 演示区人民政府 2025', 'part_exceeds_whole 演示县人民政府 2017', 'sum_fails 演示省人民政府 2022']);
    expect(reports.filter((r) => r.report.plan.published === null).map((r) => `${r.report.plan.agency} ${r.report.plan.year}`)).toEqual(['演示市教育局 2024']);
    const county = FICTIONAL_AGENCIES.find((a) => a.site === 'demo-county')!;
    expect(county.years).toContain(2022);
    expect(county.years).toContain(2024);
    expect(county.years).not.toContain(2023);
    expect(
      reports
        .filter((r) => r.round2)
        .map((r) => `${r.round2} ${r.report.plan.agency} ${r.report.plan.year}`)
        .sort(),
    ).toEqual(['revised 演示市卫生健康委员会 2025', 'reworded 演示市卫生健康委员会 2023', 'vanished 演示市卫生健康委员会 2024']);
  });
});

describe('fictional agencies: the portal and its round 2', () => {
  let portal: DemoPortal;
  beforeAll(async () => {
    portal = await startDemoPortal({ fictional: true, sites: sites.map((s) => s.def.name) });
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('marks every site as fictional and serves round 1, then the revision and the 404 of round 2', async () => {
    for (const s of portal.sites) {
      const home = await fetchText(`${s.origin}/`);
      expect(home.text).toContain(FICTIONAL_NOTICE);
      expect((await fetchText(s.entry)).text).toContain(FICTIONAL_NOTICE);
    }
    const all = portal.expectedReports();
    const revised = all.find((e) => e.generated?.round2 === 'revised')!;
    const vanished = all.find((e) => e.generated?.round2 === 'vanished')!;
    const before = await fetchText(revised.url);
    expect((await fetchText(vanished.url)).status).toBe(200);
    portal.round = 2;
    const after = await fetchText(revised.url);
    expect(after.status).toBe(200);
    expect(after.text).not.toBe(before.text);
    expect(valuesOf(parseHtmlReport(after.text)).get(revised.generated!.revised!.path)).toBe(revised.generated!.revised!.to);
    expect((await fetchText(vanished.url)).status).toBe(404);
    // The reworded report: other text, the same values.
    const reworded = all.find((e) => e.generated?.round2 === 'reworded')!;
    portal.round = 1;
    const wordedBefore = await fetchText(reworded.url);
    portal.round = 2;
    const wordedAfter = await fetchText(reworded.url);
    expect(wordedAfter.text).not.toBe(wordedBefore.text);
    expect(wordedAfter.text).toContain('回应社会关切不够及时');
    expect(valuesOf(parseHtmlReport(wordedAfter.text))).toEqual(valuesOf(parseHtmlReport(wordedBefore.text)));
    for (const e of all.filter((x) => !x.generated?.round2)) expect((await fetchText(e.url)).status, e.url).toBe(200);
    portal.round = 1;
    expect((await fetchText(revised.url)).text).toBe(before.text);
  });
});

describe('nianbao demo on a fresh database: every planted finding end to end', () => {
  const tmp = tempDir('nianbao-demo-');
  let stdout = '';
  let db: Database.Database;
  const dbFile = join(tmp.dir, 'demo.db');
  beforeAll(async () => {
    ensureBuilt();
    const r = await runBin(['demo', '--db', dbFile, '--progress', 'none', '--no-browser', '--port', '0'], {}, 150_000);
    expect(r.code, r.stderr).toBe(0);
    stdout = r.stdout;
    db = new Database(dbFile, { readonly: true });
  }, 180_000);
  afterAll(() => {
    db?.close();
    tmp.cleanup();
  });

  const finding = (rule: string, agency: string, year: number) =>
    db
      .prepare(
        `SELECT f.message FROM findings f JOIN reports r ON r.id = f.report_id JOIN report_summary s ON s.report_id = r.id
         WHERE r.is_primary = 1 AND f.rule = ? AND s.agency = ? AND r.year = ?`,
      )
      .all(rule, agency, year) as { message: string }[];

  it('finds each planted case in the database after crawl and check, and nothing else on the fictional reports', () => {
    const planted: [string, string, number][] = [
      ['requests.row_total', '演示省人民政府', 2022],
      ['requests.balance', '演示省人民政府', 2022],
      ['narrative.mismatch', '演示区人民政府', 2025],
      ['stats.part_exceeds_whole', '演示县人民政府', 2017],
      ['compliance.late', '演示市人民政府', 2023],
      ['compliance.published_unknown', '演示市教育局', 2024],
      // round 2: the revised report (its new version) and the one that vanished
      ['report.revised', '演示市卫生健康委员会', 2025],
      ['report.revised', '演示市卫生健康委员会', 2023], // its text only
      ['report.vanished', '演示市卫生健康委员会', 2024],
    ];
    for (const [rule, agency, year] of planted) expect(finding(rule, agency, year).length, `${rule} ${agency} ${year}`).toBeGreaterThan(0);
    expect(finding('compliance.published_unknown', '演示市教育局', 2024)[0]!.message).toMatch(/date unknown/);
    expect(finding('report.revised', '演示市卫生健康委员会', 2023)[0]!.message).toMatch(
      /text changed from report #\d+: 1 sentence changed, 1 added; no table cell changed/,
    );
    const onFictional = db
      .prepare(
        `SELECT f.rule, s.agency, r.year FROM findings f JOIN reports r ON r.id = f.report_id JOIN report_summary s ON s.report_id = r.id
         WHERE r.is_primary = 1 AND s.agency LIKE '演示%' ORDER BY 2, 3, 1`,
      )
      .all() as { rule: string; agency: string; year: number }[];
    expect(onFictional.map((f) => [f.rule, f.agency, f.year]).sort()).toEqual(planted.map((p) => [...p]).sort());
  });

  it('shows the missing year in the data: 演示县人民政府 has 2022 and 2024 but no 2023', () => {
    const years = db.prepare("SELECT year FROM report_summary WHERE agency = '演示县人民政府' AND is_primary = 1 ORDER BY year").pluck().all() as number[];
    expect(years).toEqual([2017, 2021, 2022, 2024, 2025]);
    expect(stdout).toMatch(/演示县人民政府\s+2023/); // the missing-years example query
  });

  it('round 2 re-fetched the known report URLs: the revised report stored again with the new cell, the vanished one answered 404', () => {
    const revised = db
      .prepare(
        `SELECT c.value FROM cells c JOIN reports r ON r.id = c.report_id JOIN documents d ON d.id = r.document_id
         WHERE d.url LIKE '%/xxgk/ndbg/202601/%' AND r.agency_name IS NOT NULL AND c.table_name = 'active' AND c.row_key = 'licensing'
           AND r.agency_id = (SELECT id FROM agencies WHERE name = '演示市卫生健康委员会') ORDER BY r.id`,
      )
      .pluck()
      .all() as number[];
    expect(revised.length).toBe(2);
    expect(revised[1]! - revised[0]!).toBe(63);
    const gone = db.prepare("SELECT last_status FROM frontier WHERE site = 'demo-health' AND url LIKE '%/xxgk/ndbg/202501/%'").pluck().get();
    expect(gone).toBe(404);
    expect(stdout).toMatch(/revised: http:\/\/127\.0\.0\.1:\d+\/xxgk\/ndbg\/202601\//);
    expect(stdout).toMatch(/vanished \(404\): http:\/\/127\.0\.0\.1:\d+\/xxgk\/ndbg\/202501\//);
  });

  it('prints one line per stored finding (rule, agency, year, message)', () => {
    const all = db
      .prepare("SELECT f.rule, r.year FROM findings f JOIN reports r ON r.id = f.report_id WHERE r.is_primary = 1 OR f.source <> 'parser'")
      .all() as { rule: string; year: number }[];
    // ... and one per report not found where we looked (no report to attach it to).
    const missing = db.prepare('SELECT agency, year FROM missing_reports').all() as { agency: string; year: number }[];
    expect(missing).toContainEqual({ agency: '演示县人民政府', year: 2023 });
    // ... and one per report its site lists but the crawl could not fetch (not missing).
    const notFetched = db.prepare("SELECT agency, year, listed_http_status FROM expected_reports WHERE status = 'listed, not fetched'").all() as {
      agency: string;
      year: number;
      listed_http_status: number | null;
    }[];
    const m = /Findings \((\d+);[^\n]*\n((?: {2}\S[^\n]*\n)+)/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    expect(Number(m![1])).toBe(all.length + missing.length + notFetched.length);
    const lines = m![2]!.trimEnd().split('\n');
    expect(lines.length).toBe(all.length + missing.length + notFetched.length);
    expect(lines.filter((l) => l.trim().startsWith('report.missing'))).toHaveLength(missing.length);
    expect(lines.filter((l) => l.trim().startsWith('report.not_fetched'))).toHaveLength(notFetched.length);
    // The Pingtan list (a real portal page) links reports whose pages the demo portal does not hold:
    // listed, answered 404 — said as such, never as "not found on fj". The robots site's 2017 report
    // is listed too, behind a Disallow.
    expect(notFetched.filter((n) => n.listed_http_status === 404).length).toBeGreaterThan(0);
    for (const n of notFetched) {
      expect(missing).not.toContainEqual({ agency: n.agency, year: n.year });
      const why = n.listed_http_status === null ? 'robots.txt disallows it' : `HTTP ${n.listed_http_status}`;
      expect(lines.some((l) => l.includes(`the ${n.year} report is listed on `) && l.includes(`but not fetched: ${why}`))).toBe(true);
    }
    expect(lines.some((l) => l.trim().startsWith('report.missing') && /演示县人民政府\s+2023\s+no report on 2023 found/.test(l))).toBe(true);
    for (const rule of ['requests.row_total', 'narrative.mismatch', 'stats.part_exceeds_whole', 'compliance.late', 'compliance.published_unknown']) {
      expect(
        lines.some((l) => l.trim().startsWith(rule)),
        rule,
      ).toBe(true);
    }
    expect(lines.find((l) => l.includes('compliance.late'))).toMatch(/演示市人民政府\s+2023\s+published 2024-05-20/);
    // The reworded report: a revision of its text alone.
    expect(
      lines.some((l) =>
        /report\.revised\s+演示市卫生健康委员会\s+2023\s.*text changed from report #\d+: 1 sentence changed, 1 added; no table cell changed/.test(l),
      ),
    ).toBe(true);
  });

  it('shows every planted finding on its explorer page and in the feed', async () => {
    const ex = createExplorer({ dbFile });
    const get = async (path: string): Promise<string> => {
      const res = await ex.app.request(`http://localhost${path}`, { headers: { Host: 'localhost' } });
      expect(res.status, path).toBe(200);
      return res.text();
    };
    const reportId = (rule: string, agency: string, year: number): number =>
      db
        .prepare(
          `SELECT r.id FROM findings f JOIN reports r ON r.id = f.report_id JOIN report_summary s ON s.report_id = r.id
           WHERE f.rule = ? AND s.agency = ? AND r.year = ? AND r.is_primary = 1 LIMIT 1`,
        )
        .pluck()
        .get(rule, agency, year) as number;
    const section = (page: string, id: string): string => {
      const start = page.indexOf(`<h2 id="${id}"`);
      expect(start, id).toBeGreaterThanOrEqual(0);
      const end = page.indexOf('<h2', start + 1);
      return page.slice(start, end === -1 ? undefined : end);
    };
    try {
      const compliance = await get('/compliance');
      expect(section(compliance, 'arithmetic')).toContain('演示省人民政府');
      expect(section(compliance, 'arithmetic')).toContain('requests.row_total');
      expect(section(compliance, 'late')).toContain('演示市人民政府');
      expect(section(compliance, 'undated')).toContain('演示市教育局');
      expect(section(compliance, 'absent')).toMatch(/演示县人民政府[\s\S]*?2023/);
      for (const [rule, agency, year] of [
        ['narrative.mismatch', '演示区人民政府', 2025],
        ['stats.part_exceeds_whole', '演示县人民政府', 2017],
        ['report.revised', '演示市卫生健康委员会', 2025],
        ['report.revised', '演示市卫生健康委员会', 2023],
        ['report.vanished', '演示市卫生健康委员会', 2024],
      ] as const) {
        const id = reportId(rule, agency, year);
        expect(id, rule).toBeGreaterThan(0);
        expect(await get(`/report/${id}`), rule).toContain(rule);
      }
      const changes = await get('/changes');
      expect(changes).toContain('演示市卫生健康委员会');
      expect(changes).toMatch(/revised/);
      expect(changes).toMatch(/vanished/);
      const feed = await get('/feed.xml');
      for (const kind of ['new', 'late', 'missing', 'revised', 'vanished']) expect(feed, kind).toContain(`term="${kind}"`);
      const missingOnly = await get('/feed.xml?kind=missing');
      expect(missingOnly).toContain('演示县人民政府');
      expect(missingOnly).not.toContain('term="late"');
    } finally {
      ex.close();
    }
  });

  it('the compare page for the latest year shows distinct values', async () => {
    const ex = createExplorer({ dbFile });
    try {
      const res = await ex.app.request('http://localhost/compare?dl=csv', { headers: { Host: 'localhost' } });
      expect(res.status).toBe(200);
      const csv = (await res.text()).replace(/^\uFEFF/, '');
      const [head, ...rows] = csv.trim().split(/\r?\n/);
      const cols = head!.split(',');
      const vi = cols.indexOf('value');
      const ai = cols.indexOf('agency');
      const yi = cols.indexOf('year');
      expect(vi, head).toBeGreaterThanOrEqual(0);
      const parsed = rows.map((r) => r.split(',')).map((c) => ({ agency: c[ai]!, year: Number(c[yi]), value: c[vi]! }));
      expect(new Set(parsed.map((p) => p.year))).toEqual(new Set([2025]));
      const fictional = parsed.filter((p) => p.agency.startsWith('演示'));
      expect(fictional.length).toBe(6);
      expect(new Set(fictional.map((p) => p.value)).size).toBe(6);
      expect(new Set(parsed.map((p) => p.value)).size).toBeGreaterThan(6);
    } finally {
      ex.close();
    }
  });
});
