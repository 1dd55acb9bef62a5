/**
 * The explorer over plain HTTP (no browser): a real server on 127.0.0.1 (port 0) over a database
 * built from snapshots/corpus plus a broken page and an XSS page (helpers.ts). Routes, headers,
 * escaping, downloads, the read-only SQL page with its time limit and row cap, the CLI command.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP, SNAPSHOT_CSP, type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import { openDatabase } from '../../src/store/db.js';
import { OutputSink } from '../../src/store/output.js';
import { exportView } from '../../src/store/query.js';
import { summarySql } from '../../src/explorer/summary.js';
import { BROKEN, buildTestDb, CORPUS, expected, reportIdOf, ROOT, type TestDb, XSS } from './helpers.js';

let t: TestDb;
let server: RunningExplorer;
let base: string;

beforeAll(async () => {
  t = await buildTestDb();
  server = await startExplorer({ dbFile: t.dbFile, port: 0, queryTimeoutMs: 800, maxRows: 50, maxDownloadRows: 200 });
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

function agencyId(name: string): number {
  const db = openDatabase(t.dbFile, { readonly: true });
  try {
    return db.prepare('SELECT id FROM agencies WHERE name = ?').pluck().get(name) as number;
  } finally {
    db.close();
  }
}

/** No inline script, no event-handler attribute, no javascript: link anywhere in the markup. */
function assertNoActiveContent($: cheerio.CheerioAPI): void {
  $('script').each((_, el) => expect($(el).attr('src'), 'inline <script>').toBeTruthy());
  $('*').each((_, el) => {
    for (const name of Object.keys((el as { attribs?: Record<string, string> }).attribs ?? {})) expect(name.startsWith('on'), `attribute ${name}`).toBe(false);
  });
  $('[href],[src]').each((_, el) => expect(($(el).attr('href') ?? $(el).attr('src') ?? '').trim().toLowerCase().startsWith('javascript:')).toBe(false));
}

describe('pages', () => {
  it('every page answers 200 with the security headers and no active content', async () => {
    const xssAgency = agencyId(XSS.agency);
    const paths = [
      '/',
      '/search?q=%E5%B9%B3%E6%BD%AD%E7%BB%BC%E5%90%88',
      `/search?q=${encodeURIComponent('XSS测试局')}`,
      `/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2021.html')}`,
      `/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2019.html')}`,
      `/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2016.html')}`,
      `/report/${reportIdOf(t.dbFile, XSS.file)}`,
      `/agency/${agencyId('平潭综合实验区')}`,
      `/agency/${xssAgency}`,
      '/compare',
      '/compare?measure=not_held_share&year=2021',
      '/compare?measure=days_late&year=all',
      '/compliance',
      '/sql',
    ];
    for (const p of paths) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type'), p).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy'), p).toBe(PAGE_CSP);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      assertNoActiveContent(r.$);
    }
  });

  it('shows untrusted names, titles and URLs as text', async () => {
    const id = agencyId(XSS.agency);
    const a = await get(`/agency/${id}`);
    expect(a.$('#agency-name').text()).toBe(XSS.agency);
    expect(a.text).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(a.text).not.toContain('<script>window.__pwned');
    const r = await get(`/report/${reportIdOf(t.dbFile, XSS.file)}`);
    expect(r.$('#report-title').text()).toBe(XSS.title);
    expect(r.$('title').text()).toContain('<script>alert(4)</script>');
    // The javascript: URL is printed, never linked.
    expect(r.text).toContain('javascript:window.__pwned=5');
    expect(r.$('a[href^="javascript"]').length).toBe(0);
    const home = await get('/');
    expect(home.$('table.coverage a').filter((_, el) => home.$(el).text() === XSS.agency).length).toBe(1);
    const s = await get(`/search?q=${encodeURIComponent('XSS测试局')}`);
    expect(s.$('ul.agencies a').first().text()).toBe(XSS.agency);
    expect(s.$('ol.hits a').first().text()).toBe(XSS.title);
  });

  it('answers 404 for unknown things and refuses foreign Host headers', async () => {
    for (const p of ['/report/999999', '/report/abc', '/agency/0', '/nope', '/export/reports', '/snapshot/999999', '/assets/evil.js']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.headers.get('content-security-policy')).toBe(PAGE_CSP);
    }
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/`, { headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('serves the chart script and uPlot from the package, not a CDN', async () => {
    const js = await fetch(`${base}/assets/uPlot.iife.min.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('uPlot');
    expect(await (await fetch(`${base}/assets/chart.js`)).text()).toContain("querySelectorAll('.chart[data-chart]')");
    const agency = await get(`/agency/${agencyId('平潭综合实验区')}`);
    const srcs = agency
      .$('script')
      .map((_, el) => agency.$(el).attr('src'))
      .get();
    expect(srcs).toEqual(['/assets/uPlot.iife.min.js', '/assets/chart.js']);
    expect(
      agency
        .$('link[rel=stylesheet]')
        .map((_, el) => agency.$(el).attr('href'))
        .get(),
    ).toEqual(['/assets/style.css', '/assets/uPlot.min.css']);
    const spec = JSON.parse(agency.$('.chart').first().attr('data-chart') ?? '{}') as { x: number[]; series: { values: (number | null)[] }[] };
    const exp2021 = expected('fujian-pingtan-2021');
    expect(spec.series[0]?.values[spec.x.indexOf(2021)]).toBe(exp2021.requests['new_received']?.['total']);
  });
});

describe('report page', () => {
  it('renders cells with their values, raw text and provenance', async () => {
    const exp = expected('fujian-pingtan-2021');
    const r = await get(`/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2021.html')}`);
    const cell = (path: string) => r.$(`td[data-path="${path}"]`);
    expect(cell('requests.new_received.total').find('.v').text()).toBe(String(exp.requests['new_received']?.['total']));
    expect(cell('active.normative_documents.in_force').find('.v').text()).toBe(String(exp.active['normative_documents']?.['in_force']));
    expect(cell('active.fees.amount_wan_yuan').find('.v').text()).toBe(String(exp.active['fees']?.['amount_wan_yuan']));
    expect(cell('requests.new_received.total').find('.prov').text()).toMatch(/HTML table \d+ of the page, row \d+, column \d+/);
    // 175 + 10 + 15 value cells, grouped as the template: 三、本年度办理结果 spans the 22 result rows.
    expect(r.$('#table-requests td.cell').length).toBe(175);
    expect(r.$('#table-active td.cell').length).toBe(10);
    expect(r.$('#table-appeals td.cell').length).toBe(15);
    expect(r.$('#table-requests th[rowspan="22"]').text()).toBe('三、本年度办理结果');
    expect(r.$('#table-requests th[rowspan="8"]').text()).toBe('（三）不予公开');
    expect(r.$('iframe.snapshot').attr('sandbox')).toBe('');
  });

  it('uses the 2019 layout for a 2019 report', async () => {
    const r = await get(`/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2019.html')}`);
    expect(r.$('#table-requests th[rowspan="20"]').text()).toBe('三、本年度办理结果');
    expect(r.$('#table-active').text()).toContain('本年新制作数量');
    expect(r.$('#table-active').text()).toContain('政府集中采购');
  });

  it('highlights the cells of a finding with the rule and the numbers', async () => {
    const r = await get(`/report/${reportIdOf(t.dbFile, BROKEN.file)}`);
    const td = r.$('td[data-path="requests.new_received.natural_person"]');
    expect(td.hasClass('finding-error')).toBe(true);
    expect(td.find('.v').text()).toBe('65');
    expect(td.find('.prov').text()).toContain('requests.balance');
    expect(td.find('.prov').text()).toMatch(/65 vs 64, Δ 1/);
    expect(r.$('td[data-path="requests.granted.natural_person"]').hasClass('finding-error')).toBe(false);
    expect(r.$('#findings').text()).toMatch(/Findings 问题 \(\d+\)/);
    expect(r.$('ul.findings').text()).toContain('requests.row_total');
  });

  it('downloads the report cells', async () => {
    const id = reportIdOf(t.dbFile, 'fujian-pingtan-2021.html');
    const res = await fetch(`${base}/report/${id}?dl=csv`);
    expect(res.headers.get('content-disposition')).toContain(`nianbao-report-${id}-cells.csv`);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('report_id,table_name,row_key,col_key,value,raw,unit,flags,table_index,grid_row,grid_col');
    expect(lines.length).toBe(1 + 200);
  });
});

describe('snapshots', () => {
  it('serves the stored bytes in a sandbox with the stored type (or one from the kind)', async () => {
    const db = openDatabase(t.dbFile, { readonly: true });
    const docs = db.prepare('SELECT id, file_name, kind FROM documents WHERE file_name IN (?, ?)').all('fujian-pingtan-2021.pipe.txt', XSS.file) as {
      id: number;
      file_name: string;
      kind: string;
    }[];
    db.close();
    for (const d of docs) {
      const res = await fetch(`${base}/snapshot/${d.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(SNAPSHOT_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-injected')).toBeNull();
      const body = Buffer.from(await res.arrayBuffer());
      if (d.kind === 'text') {
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(body.equals(readFileSync(join(CORPUS, d.file_name)))).toBe(true);
      } else {
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(body.toString('utf8')).toContain("fetch('/pwned-script')");
      }
    }
  });
});

describe('search, compare, compliance', () => {
  it('finds agencies and reports, with filters, and treats FTS syntax as text', async () => {
    const s = await get(`/search?q=${encodeURIComponent('平潭综合')}`);
    expect(
      s
        .$('ul.agencies a')
        .map((_, el) => s.$(el).text())
        .get(),
    ).toContain('平潭综合实验区');
    expect(s.$('ol.hits li').length).toBeGreaterThanOrEqual(6);
    expect(s.$('ol.hits mark').first().text()).toBe('平潭综合');
    const y = await get(`/search?q=${encodeURIComponent('平潭综合')}&year=2019`);
    const years = y
      .$('ol.hits li .hit-meta')
      .map((_, el) => y.$(el).text())
      .get();
    expect(years.length).toBeGreaterThan(0);
    for (const line of years) expect(line).toContain('· 2019 ·');
    const short = await get(`/search?q=${encodeURIComponent('平潭')}&format=2019`);
    expect(short.$('ol.hits li').length).toBe(1);
    for (const q of ['" OR *', 'NEAR(a b)', 'title:x', '"""', '%_\\']) expect((await get(`/search?q=${encodeURIComponent(q)}`)).status).toBe(200);
    const csv = await (await fetch(`${base}/search?q=${encodeURIComponent('平潭综合')}&dl=csv`)).text();
    expect(csv.split('\r\n')[0]).toBe('report_id,agency_id,agency,year,format,status,title,published,snippet');
  });

  it('ranks agencies by a measure, sorts both ways and downloads CSV (with BOM) and JSON', async () => {
    const desc = await (await fetch(`${base}/compare?measure=new_received&year=2023&dl=csv`)).text();
    const rows = desc
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(rows[0]).toEqual(['rank', 'agency_id', 'agency', 'province', 'level', 'year', 'value', 'report_id']);
    const values = rows.slice(1).map((r) => Number(r[6]));
    // 2023: 平潭综合实验区 and its XSS copy (81 each), 阿城区蜚克图街道办事处 (0).
    expect(values).toEqual([81, 81, 0]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['1', '1', '3']);
    const asc = (await (await fetch(`${base}/compare?measure=new_received&year=2023&dir=asc&dl=json`)).json()) as { value: number }[];
    expect(asc.map((r) => r.value)).toEqual([...values].reverse());
    const bom = Buffer.from(await (await fetch(`${base}/compare?measure=new_received&year=2021&dl=csv&bom=1`)).arrayBuffer());
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const share = (await (await fetch(`${base}/compare?measure=not_held_share&year=2021&dl=json`)).json()) as {
      value: number;
      numerator: number;
      denominator: number;
    }[];
    for (const r of share) expect(r.value).toBeCloseTo((100 * r.numerator) / r.denominator, 1);
    const matrix = await (await fetch(`${base}/compare?measure=new_received&year=all&dl=csv`)).text();
    expect(matrix.split('\r\n')[0]).toMatch(/^agency_id,agency,2019,2021,/);
    const page = await get('/compare?measure=new_received&year=2021&sort=agency&dir=asc');
    expect(page.$('#rank th[aria-sort]').text()).toContain('Agency');
    expect(page.$('.chart').attr('data-chart')).toContain('"kind":"bar"');
  });

  it('lists what does not add up, what is late and what is missing', async () => {
    const c = await get('/compliance');
    expect(c.$('#arithmetic').text()).toMatch(/\(2\)/);
    const arithmetic = (await (await fetch(`${base}/compliance?section=arithmetic&dl=json`)).json()) as { agency: string; rule: string; delta: number }[];
    expect(arithmetic.map((r) => r.rule).sort()).toEqual(['requests.balance', 'requests.row_total']);
    expect(arithmetic.every((r) => r.agency === BROKEN.agency && r.delta === 1)).toBe(true);
    const late = (await (await fetch(`${base}/compliance?section=late&dl=json`)).json()) as {
      year: number;
      days_late: number | null;
      published: string | null;
    }[];
    const db = openDatabase(t.dbFile, { readonly: true });
    const viewLate = db.prepare('SELECT COUNT(*) FROM report_summary WHERE is_primary = 1 AND days_late > 0').pluck().get() as number;
    const viewUndated = db
      .prepare("SELECT COUNT(*) FROM report_summary WHERE is_primary = 1 AND year IS NOT NULL AND published IS NULL AND status <> 'failed'")
      .pluck()
      .get() as number;
    db.close();
    // Late lists only reports published after their deadline; undated ones are 'date unknown', in their own section.
    expect(late.length).toBe(viewLate);
    expect(late.every((r) => r.published !== null && r.days_late !== null && r.days_late > 0)).toBe(true);
    const undated = (await (await fetch(`${base}/compliance?section=undated&dl=json`)).json()) as { published: string | null; timing: string }[];
    expect(undated.length).toBe(viewUndated);
    expect(undated.every((r) => r.timing === 'date unknown')).toBe(true);
    const unreadable = (await (await fetch(`${base}/compliance?section=unreadable&dl=csv`)).text()).split('\r\n');
    expect(unreadable.some((l) => l.includes('fujian-pingtan-letter-2014.html'))).toBe(true);
  });
});

describe('summary of selected reports', () => {
  it('equals the report_summary view, row for row, for any selection', () => {
    const db = openDatabase(t.dbFile, { readonly: true });
    try {
      const agency = agencyId('平潭综合实验区');
      for (const [where, viewWhere, params] of [
        ['1', '1', {}],
        ['r.agency_id = @a AND r.is_primary = 1', 'agency_id = @a AND is_primary = 1', { a: agency }],
        ['r.year = @y', 'year = @y', { y: 2021 }],
      ] as const) {
        const mine = db.prepare(`SELECT * FROM (${summarySql(where)}) ORDER BY report_id`).all(params);
        const view = db.prepare(`SELECT * FROM report_summary WHERE ${viewWhere} ORDER BY report_id`).all(params);
        expect(view.length).toBeGreaterThan(0);
        expect(mine).toEqual(view);
      }
      const cols = (sql: string) =>
        db
          .prepare(sql)
          .columns()
          .map((c) => c.name);
      expect(cols(`SELECT * FROM (${summarySql('1')})`)).toEqual(cols('SELECT * FROM report_summary'));
    } finally {
      db.close();
    }
  });
});

describe('export downloads', () => {
  it('are byte-for-byte what exportView (nianbao export) writes', async () => {
    const db = openDatabase(t.dbFile, { readonly: true });
    try {
      for (const [view, query, opts] of [
        ['requests', 'agency=%E5%B9%B3%E6%BD%AD%E7%BB%BC%E5%90%88%E5%AE%9E%E9%AA%8C%E5%8C%BA&format=csv', { agency: '平潭综合实验区', format: 'csv' }],
        ['appeals', 'year=2021&format=json&primary=1', { year: 2021, format: 'json', primaryOnly: true }],
        ['report_summary', 'format=csv&bom=1', { format: 'csv', bom: true }],
      ] as const) {
        const res = await fetch(`${base}/export/${view}?${query}`);
        expect(res.status).toBe(200);
        const got = Buffer.from(await res.arrayBuffer());
        const pass = new PassThrough();
        const chunks: Buffer[] = [];
        pass.on('data', (c: Buffer) => chunks.push(c));
        const sink = new OutputSink(pass);
        await exportView(db, { view, ...opts }, sink);
        await sink.flush();
        expect(got.equals(Buffer.concat(chunks)), view).toBe(true);
        expect(got.length).toBeGreaterThan(100);
      }
      expect((await fetch(`${base}/export/requests?year=20x1`)).status).toBe(400);
      expect((await fetch(`${base}/export/requests?format=xml`)).status).toBe(400);
    } finally {
      db.close();
    }
  });
});

describe('SQL page', () => {
  it('runs the docs/queries.md examples', async () => {
    const home = await get('/sql');
    const n = home.$('details.example').length;
    expect(n).toBeGreaterThanOrEqual(10);
    for (let i = 1; i <= n; i++) {
      const r = await get(`/sql?example=${i}`);
      expect(r.status, `example ${i}: ${r.$('#sql-error').text()}`).toBe(200);
      expect(r.$('#sql-result').length).toBe(1);
    }
    const first = await get('/sql?example=1');
    expect(first.$('#sql-result tbody tr').first().find('td').eq(2).text()).toBe('1295'); // 上海市人民政府办公厅 2025 received the most
  });

  it('refuses anything that would write, and leaves the database as it was', async () => {
    const before = readFileSync(t.dbFile);
    const attached = join(t.dir, 'attached.db');
    const vacuumed = join(t.dir, 'vacuumed.db');
    for (const sql of [
      'DELETE FROM reports',
      "UPDATE agencies SET name = 'x'",
      'DROP TABLE cell_values',
      'DELETE FROM reports RETURNING id',
      `ATTACH '${attached}' AS x`,
      `VACUUM INTO '${vacuumed}'`,
      'PRAGMA query_only = 0',
      'CREATE TEMP TABLE t(x)',
      "INSERT INTO runs (command, started_at) VALUES ('x', 'y') RETURNING id",
    ]) {
      const r = await get(`/sql?q=${encodeURIComponent(sql)}`);
      expect(r.status, sql).toBe(403);
      expect(r.$('#sql-error').text(), sql).toContain('NB_SQL_READONLY');
    }
    const posted = await fetch(`${base}/sql`, { method: 'POST', body: new URLSearchParams({ q: 'DELETE FROM findings' }) });
    expect(posted.status).toBe(403);
    expect(await posted.text()).toContain('NB_SQL_READONLY');
    const long = `SELECT ${Array.from({ length: 1500 }, (_, i) => `${i} AS c${i}`).join(', ')}`;
    const postedLong = await fetch(`${base}/sql`, { method: 'POST', body: new URLSearchParams({ q: long }) });
    expect(postedLong.status).toBe(200);
    expect(cheerio.load(await postedLong.text())('#sql-result th').length).toBe(1500);
    const two = await get(`/sql?q=${encodeURIComponent('SELECT 1; DELETE FROM reports')}`);
    expect(two.status).toBe(400);
    expect(two.$('#sql-error').text()).toContain('NB_SQL_ERROR');
    expect((await get(`/sql?q=${encodeURIComponent("SELECT load_extension('/tmp/x')")}`)).status).toBe(400);
    expect(existsSync(attached)).toBe(false);
    expect(existsSync(vacuumed)).toBe(false);
    expect(readFileSync(t.dbFile).equals(before)).toBe(true);
  });

  it('stops a query at the time limit while other pages keep answering', async () => {
    const started = Date.now();
    const slow = get(`/sql?q=${encodeURIComponent('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c')}`);
    const t0 = Date.now();
    const home = await get('/');
    const homeMs = Date.now() - t0;
    const r = await slow;
    const elapsed = Date.now() - started;
    expect(home.status).toBe(200);
    expect(r.status).toBe(504);
    expect(r.$('#sql-error').text()).toContain('NB_SQL_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(800);
    expect(elapsed).toBeLessThan(15_000);
    expect(homeMs).toBeLessThan(elapsed);
    // The next query runs normally.
    expect((await get(`/sql?q=${encodeURIComponent('SELECT 1')}`)).status).toBe(200);
  });

  it('caps the rows shown and downloaded', async () => {
    const sql = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) SELECT x, x * 2 AS y FROM c';
    const r = await get(`/sql?q=${encodeURIComponent(sql)}`);
    expect(r.$('#sql-result tbody tr').length).toBe(50);
    expect(r.$('#sql-summary').text()).toContain('stopped at the row limit');
    const csv = await (await fetch(`${base}/sql?q=${encodeURIComponent(sql)}&dl=csv`)).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('x,y');
    expect(lines.length).toBe(1 + 200);
    expect(lines[200]).toBe('200,400');
  });
});

describe('nianbao serve', () => {
  it('starts from the CLI, warns when bound beyond loopback, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'tests', 'explorer', 'run-cli.ts'), 'serve', '--db', t.dbFile, '--port', '0', '--host', '0.0.0.0'],
      {
        cwd: ROOT,
        env: { ...process.env, NIANBAO_DB: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout} ${stderr}`)), 40_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /(http:\/\/\S+\/)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    try {
      expect(stderr).toMatch(/warning: listening on 0\.0\.0\.0/);
      const port = new URL(url).port;
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Coverage');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('refuses a database that does not exist', async () => {
    await expect(startExplorer({ dbFile: join(t.dir, 'missing.db'), port: 0 })).rejects.toMatchObject({ code: 'NB_DB_NOT_FOUND' });
    await expect(startExplorer({ dbFile: t.dbFile, port: 70000 })).rejects.toMatchObject({ code: 'NB_SERVE_BAD_OPTION' });
  });
});
