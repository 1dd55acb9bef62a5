/**
 * Issue 15, "the explorer as a journalist sees it", over HTTP and the CLI on a real SQLite file
 * (the corpus database of helpers.ts): the overview leads with coverage, findings and a search
 * box (crawler internals on /health); /compare refuses an unknown measure; the agency page maps
 * the comparable pre-2019 statistics rows; exports carry the official Chinese labels; search
 * finds table labels (also in a database migrated from version 4) and shows snippets long enough
 * to judge a hit; the CJK font is served from the explorer itself. The browser side (glyphs
 * really drawn, charts and their downloads) is in first-hour-browser.test.ts.
 */
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from '../../parsers/keys.js';
import { MEASURES } from '../../src/explorer/pages/compare.js';
import { type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import { openDatabase } from '../../src/store/db.js';
import { searchReports } from '../../src/store/search.js';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../helpers/csv.js';
import { undoMigration16 } from '../helpers/schema.js';
import { BROKEN, buildTestDb, reportIdOf, ROOT, type TestDb } from './helpers.js';

/**
 * Runs the real CLI without blocking this process (the explorer under test runs in it: a
 * blocked event loop would let the server drop the client's idle keep-alive connection).
 */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tests', 'explorer', 'run-cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NIANBAO_DB: '' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Starts the line of table labels in the indexed text (src/store/search-text.ts). */
const LABELS_PREFIX = '表格项目：';

let t: TestDb;
let server: RunningExplorer;
let base: string;

beforeAll(async () => {
  t = await buildTestDb();
  server = await startExplorer({ dbFile: t.dbFile, port: 0 });
  base = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  await server?.close();
  t?.cleanup();
});

async function get(path: string): Promise<{ status: number; headers: Headers; text: string; $: cheerio.CheerioAPI }> {
  const res = await fetch(base + path);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, $: cheerio.load(text) };
}

const pingtan = (): number => {
  const db = openDatabase(t.dbFile, { readonly: true });
  try {
    return db.prepare("SELECT id FROM agencies WHERE name = '平潭综合实验区'").pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('the overview, as a journalist opens it', () => {
  it('leads with a search box, coverage and the latest findings; crawler and runs are on /health', async () => {
    const home = await get('/');
    expect(home.status).toBe(200);
    const main = home.$('main');
    // The first things under the title: a search form, then the coverage grid.
    const form = main.find('form[action="/search"]').first();
    expect(form.find('input[name=q]').length).toBe(1);
    const headings = main
      .find('h2')
      .map((_, el) => home.$(el).attr('id') ?? home.$(el).text())
      .get();
    expect(headings.slice(0, 2)).toEqual(['coverage', 'findings']);
    expect(main.find('table.coverage tbody tr').length).toBeGreaterThanOrEqual(4);
    // Latest findings: the broken test bureau's tables that don't add up, linked to the finding.
    const findings = main.find('#latest-findings tbody tr');
    expect(findings.length).toBeGreaterThan(0);
    const broken = reportIdOf(t.dbFile, BROKEN.file);
    expect(main.find(`#latest-findings a[href^="/report/${broken}#finding-"]`).length).toBeGreaterThan(0);
    // No crawler internals and no run table on the overview; a link to /health instead.
    expect(home.text).not.toContain('Last runs');
    expect(home.text).not.toMatch(/queue by kind and state|failures in a row/);
    expect(main.find('a[href="/health"]').length).toBe(1);
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(
      health
        .$('main h2')
        .map((_, el) => health.$(el).text())
        .get(),
    ).toContain('Last runs');
    expect(health.$('main table.data tbody tr').length).toBeGreaterThan(0);
  });
});

describe('errors a person can act on', () => {
  it('/compare?measure=bogus answers 400 listing the measures, and shows no other measure', async () => {
    const r = await get('/compare?measure=bogus');
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.$('main').text()).toContain('bogus');
    const listed = r
      .$('ul.measures code')
      .map((_, el) => r.$(el).text())
      .get();
    expect(listed).toEqual(Object.keys(MEASURES));
    expect(r.$('#rank').length).toBe(0);
    // The same for a download: no file of another measure.
    expect((await fetch(`${base}/compare?measure=bogus&dl=csv`)).status).toBe(400);
    // A known measure and no measure at all still answer.
    expect((await get('/compare?measure=denied_share&year=2021')).status).toBe(200);
    expect((await get('/compare')).status).toBe(200);
  });
});

describe('the agency page before 2019', () => {
  it('shows the comparable pre-2019 rows with the label each came from, and leaves the rest blank', async () => {
    const id = pingtan();
    const r = await get(`/agency/${id}`);
    const years = r
      .$('#years thead th')
      .map((_, el) => r.$(el).text().trim())
      .get();
    const col = (year: string): number => years.indexOf(year);
    const cell = (measure: string, year: string) => r.$(`#years tr[data-measure="${measure}"] td`).eq(col(year) - 1);
    expect(col('2016')).toBeGreaterThan(0);
    // 2016 (受理依申请公开信息总数) and 2017 (受理政府信息依申请公开总数) both say how many requests came in: 0.
    expect(cell('new_received', '2016').text()).toBe('0†');
    expect(cell('new_received', '2016').attr('title')).toContain('受理依申请公开信息总数');
    expect(cell('new_received', '2017').attr('title')).toContain('受理政府信息依申请公开总数');
    expect(cell('review_total', '2016').attr('title')).toContain('行政复议数');
    expect(cell('litigation_total', '2017').attr('title')).toContain('行政诉讼数');
    expect(cell('results_total', '2016').attr('title')).toContain('对申请的答复总数');
    // Not comparable: stays blank.
    for (const m of ['carried_over', 'unavailable', 'not_held', 'rejected', 'carried_forward', 'review_corrected']) {
      expect(cell(m, '2016').text(), m).toBe('—');
    }
    // 2019 and later are the template's own figures, unmarked.
    expect(cell('new_received', '2021').text()).toBe('70');
    expect(cell('new_received', '2021').attr('title')).toBeUndefined();
    expect(r.$('#pre2019-note').text()).toContain('new_received ← 受理依申请公开信息总数');
    // The download holds the same values, with the measure's label.
    const rows = (await (await fetch(`${base}/agency/${id}?dl=json`)).json()) as Record<string, unknown>[];
    const nr = rows.find((x) => x['measure'] === 'new_received')!;
    expect(nr['2016']).toBe(0);
    expect(nr['label']).toContain('本年新收');
    expect(rows.find((x) => x['measure'] === 'carried_over')!['2016']).toBeNull();
  });
});

describe('exports read like the report', () => {
  const label = (key: string): string | undefined => REQUEST_ROWS.find((r) => r.key === key)?.label;

  it('nianbao export puts the official Chinese label next to each key (CSV and JSON)', async () => {
    const req = await runCli(['export', '--view', 'requests', '--agency', '平潭综合实验区', '--year', '2021', '--primary', '--db', t.dbFile]);
    expect(req.code, req.stderr).toBe(0);
    const rows = parseCsv(req.stdout.trimEnd());
    const head = rows[0]!;
    expect(head.slice(0, 8)).toEqual(['report_id', 'agency_id', 'agency', 'year', 'format', 'row_key', 'label_zh', 'natural_person']);
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows.slice(1)) expect(r[6], r[5]).toBe(label(r[5]!));
    expect(rows.find((r) => r[5] === 'new_received')![6]).toBe('一、本年新收政府信息公开申请数量');

    const appeals = await runCli(['export', '--view', 'appeals', '--format', 'json', '--year', '2021', '--primary', '--db', t.dbFile]);
    expect(appeals.code, appeals.stderr).toBe(0);
    const ap = JSON.parse(appeals.stdout) as Record<string, unknown>[];
    expect(ap.length).toBeGreaterThan(0);
    for (const a of ap) expect(a['label_zh']).toBe(APPEAL_GROUPS.find((g) => g.key === a['group_key'])?.label);

    const cells = await runCli(['export', '--view', 'cells', '--format', 'jsonl', '--year', '2021', '--primary', '--db', t.dbFile]);
    expect(cells.code, cells.stderr).toBe(0);
    const first = cells.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(first[0]!).slice(5, 10)).toEqual(['table_name', 'row_key', 'row_label_zh', 'col_key', 'col_label_zh']);
    const natural = first.find((c) => c['table_name'] === 'requests' && c['row_key'] === 'new_received' && c['col_key'] === 'natural_person')!;
    expect([natural['row_label_zh'], natural['col_label_zh']]).toEqual(['一、本年新收政府信息公开申请数量', REQUEST_COLUMNS[0]!.label]);
    const active = await runCli(['export', '--view', 'active', '--year', '2021', '--primary', '--db', t.dbFile]);
    expect(parseCsv(active.stdout.trimEnd()).find((r) => r[5] === 'normative_documents')?.[6]).toBe('行政规范性文件');
  });

  it('the explorer serves the same export (the same columns)', async () => {
    const res = await fetch(`${base}/export/requests?format=csv&agency=${encodeURIComponent('平潭综合实验区')}`);
    const head = parseCsv((await res.text()).trimEnd())[0]!;
    expect(head.indexOf('label_zh')).toBe(head.indexOf('row_key') + 1);
  });
});

describe('search finds what a user would search', () => {
  it('finds reports by a table row label, not only by title, agency or prose (CLI and explorer)', async () => {
    // 本机关不掌握相关政府信息 is a row of table 3 (2019 and 2021 templates); 行政复议数 a row of the pre-2019 statistics.
    const cli = await runCli(['search', '本机关不掌握相关政府信息', '--json', '--limit', '50', '--db', t.dbFile]);
    expect(cli.code, cli.stderr).toBe(0);
    const hits = cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reportId: number; year: number; snippet: string });
    expect(hits.map((h) => h.reportId)).toContain(reportIdOf(t.dbFile, 'fujian-pingtan-2021.html'));
    expect(hits.every((h) => (h.year ?? 0) >= 2019)).toBe(true);
    const pre = await get(`/search?q=${encodeURIComponent('行政复议数')}`);
    const years = pre
      .$('ol.hits li .hit-meta')
      .map((_, el) => pre.$(el).text())
      .get();
    expect(years.length).toBe(2);
    for (const y of years) expect(y).toMatch(/· 201[67] ·/);
    expect(pre.$('ol.hits mark').first().text()).toBe('行政复议数');
  });

  it('shows snippets long enough to judge a hit', async () => {
    const r = await get(`/search?q=${encodeURIComponent('政府信息公开')}`);
    const snippets = r
      .$('ol.hits .hit-snippet')
      .map((_, el) => r.$(el).text())
      .get();
    expect(snippets.length).toBeGreaterThan(3);
    for (const s of snippets) expect([...s].length, s).toBeGreaterThanOrEqual(50);
    const db = openDatabase(t.dbFile, { readonly: true });
    try {
      const cli = searchReports(db, '政府信息公开');
      for (const h of cli.hits) expect([...h.snippet].length, h.snippet).toBeGreaterThanOrEqual(50);
    } finally {
      db.close();
    }
  });

  it('an existing database (schema 4) gets the labels into its index when it is opened', () => {
    const old = join(t.dir, 'old.db');
    copyFileSync(t.dbFile, old);
    const v5 = MIGRATIONS.find((m) => m.name === 'search_labels')?.version;
    expect(v5, 'migration search_labels').toBeDefined();
    const raw = openDatabase(old);
    const written = new Map(
      (raw.prepare('SELECT report_id AS rowid, text FROM report_text').all() as { rowid: number; text: string }[]).map((r) => [r.rowid, r.text]),
    );
    expect([...written.values()].filter((x) => x.includes(LABELS_PREFIX)).length).toBeGreaterThan(10);
    // Version 4 had none of the helper views later migrations create (and a contentful reports_fts).
    undoMigration16(raw);
    // As version 4 stored it: the prose only.
    for (const [rowid, text] of written) raw.prepare('UPDATE reports_fts SET text = ? WHERE rowid = ?').run(text.split(`\n${LABELS_PREFIX}`)[0], rowid);
    raw.exec('DROP VIEW IF EXISTS missing_reports; DROP VIEW IF EXISTS expected_reports; DROP VIEW IF EXISTS days_late_of; DROP VIEW IF EXISTS deadline_of;');
    raw.pragma(`user_version = ${v5! - 1}`);
    expect(raw.prepare(`SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '"行政复议数"'`).pluck().get()).toBe(0);
    raw.close();
    const migrated = openDatabase(old);
    try {
      const now = migrated.prepare('SELECT report_id AS rowid, text FROM report_text').all() as { rowid: number; text: string }[];
      // The migration writes exactly what the writer writes.
      for (const r of now) expect(r.text, `report ${r.rowid}`).toBe(written.get(r.rowid));
      expect(searchReports(migrated, '行政复议数').hits.length).toBe(2);
    } finally {
      migrated.close();
    }
  });
});

describe("the CJK font is the explorer's own", () => {
  it('serves Noto Sans SC slices with @font-face rules, long cache headers and a CSP that allows them', async () => {
    const css = await (await fetch(`${base}/assets/style.css`)).text();
    const faces = [...css.matchAll(/@font-face\{font-family:"nianbao Noto Sans SC";[^}]*src:url\((\/assets\/[\w.-]+\.woff2)\)[^}]*unicode-range:([^;]+);\}/g)];
    expect(faces.length).toBeGreaterThan(50);
    // Together the slices cover the characters of the pages (every character of this agency page's Chinese text).
    const ranges = faces.flatMap((f) =>
      f[2]!.split(',').map((r) =>
        r
          .trim()
          .replace(/^U\+/i, '')
          .split('-')
          .map((h) => parseInt(h, 16)),
      ),
    );
    const covered = (cp: number): boolean => ranges.some(([a, b]) => cp >= a! && cp <= (b ?? a!));
    const page = await get(`/agency/${pingtan()}`);
    const han = [...new Set([...page.$('main').text()].filter((ch) => /\p{Script=Han}/u.test(ch)))];
    expect(han.length).toBeGreaterThan(50);
    expect(han.filter((ch) => !covered(ch.codePointAt(0)!))).toEqual([]);
    expect(css).toMatch(/body \{[^}]*font:15px\/1\.5 "nianbao Noto Sans SC"/);
    const font = await fetch(base + faces[0]![1]);
    expect(font.status).toBe(200);
    expect(font.headers.get('content-type')).toBe('font/woff2');
    expect(font.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(
      Buffer.from(await font.arrayBuffer())
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('wOF2');
    expect(page.headers.get('content-security-policy')).toContain("font-src 'self'");
    // Nothing from elsewhere.
    expect(css).not.toMatch(/https?:\/\//);
  });
});
