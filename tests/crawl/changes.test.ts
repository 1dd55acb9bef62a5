/**
 * Revised and vanished reports, end to end on real HTTP (127.0.0.1): crawl round 1 stores two
 * reports; before round 2 the server changes one cell of the first, answers 404 for the second
 * and lists a third document for the second's agency and year with another cell changed. Round 2
 * (a revisit of the known report URLs) keeps every version, records both revisions with exactly
 * the changed cell and the report.vanished finding; `nianbao changes`, the explorer's Changes
 * page, the report pages and the Atom feed show them. A third round on content whose bytes but
 * not values changed records nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import { createExplorer, type Explorer } from '../../src/explorer/server.js';
import { parseReport } from '../../src/parse/report.js';
import type { Registry } from '../../src/sites/registry.js';
import { runCheck } from '../../src/store/check.js';
import { listChanges } from '../../src/store/changes.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, ensureBuilt, runBin, tempDir, testSiteRegistry } from './helpers.js';

const corpus = (name: string): string => readFileSync(join(ROOT, 'snapshots', 'corpus', name), 'utf8');

/** A table cell of a corpus page whose text occurs once in the page, and the page with another number in it. */
async function withOneCellChanged(
  page: string,
  fileName: string,
): Promise<{ html: string; table: string; row: string; col: string; old: number; now: number }> {
  const report = await parseReport(Buffer.from(page, 'utf8'), { fileName });
  for (const c of report.cells) {
    if (c.value === null || !/^\d{2,4}$/.test(c.raw)) continue;
    const marker = `>${c.raw}<`;
    if (page.split(marker).length !== 2) continue;
    const now = c.value + 7;
    return { html: page.replace(marker, `>${now}<`), table: c.table, row: c.row, col: c.col, old: c.value, now };
  }
  throw new Error(`no unique numeric cell in ${fileName}`);
}

const LIST = (links: [string, string][]): string =>
  '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
  links.map(([href, title]) => `<li><a href="${href}">${title}</a><span>2024-02-01</span></li>`).join('') +
  '</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>';

describe('revised and vanished reports (crawl → db → changes → explorer → feed)', () => {
  const tmp = tempDir();
  const dbFile = join(tmp.dir, 'changes.db');
  const files = new Map<string, string>();
  /** Paths answered with a 302 to another path. */
  const redirects = new Map<string, string>();
  let server: http.Server;
  let registry: Registry;
  let db: Database.Database;
  let origin = '';
  let round2: CrawlSummary;
  let changedA: Awaited<ReturnType<typeof withOneCellChanged>>;
  let changedC: Awaited<ReturnType<typeof withOneCellChanged>>;
  const A_TITLE = '测试县2021年度政府信息公开工作年度报告';
  const B_TITLE = '测试县2023年度政府信息公开工作年度报告';
  const D_TITLE = '测试县2019年度政府信息公开工作年度报告';
  const E_TITLE = '测试县2025年度政府信息公开工作年度报告';
  const run = () => crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false }, revisitAfterHours: 0 });
  const reportOf = (path: string): number[] =>
    db.prepare('SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.url = ? ORDER BY r.id').pluck().all(`${origin}${path}`) as number[];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const to = redirects.get(path);
      if (to) return void res.writeHead(302, { Location: to }).end();
      const body = files.get(path);
      if (body === undefined) return void res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>404 页面不存在</body></html>');
      const buf = Buffer.from(body, 'utf8');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': buf.length }).end(buf);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registry = testSiteRegistry(origin);
    files.set(
      '/nb/index.html',
      LIST([
        ['/nb/a.html', A_TITLE],
        ['/nb/b.html', B_TITLE],
        ['/nb/d.html', D_TITLE],
        ['/nb/e.html', E_TITLE],
      ]),
    );
    files.set('/nb/a.html', corpus('fujian-pingtan-2021.html'));
    files.set('/nb/b.html', corpus('fujian-pingtan-2023.html'));
    files.set('/nb/d.html', corpus('fujian-pingtan-2019.html'));
    files.set('/nb/e.html', corpus('fujian-pingtan-2025.html'));
    files.set(
      '/index.html',
      '<html><head><meta charset="utf-8"><title>测试县人民政府</title></head><body><h1>测试县人民政府门户网站</h1><p>欢迎访问</p></body></html>',
    );
    db = openDatabase(dbFile);
    const round1 = await run();
    expect(round1.totals.reportsNew).toBe(4);

    changedA = await withOneCellChanged(corpus('fujian-pingtan-2021.html'), 'a.html');
    changedC = await withOneCellChanged(corpus('fujian-pingtan-2023.html'), 'c.html');
    files.set('/nb/a.html', changedA.html);
    files.delete('/nb/b.html');
    files.set('/nb/c.html', changedC.html);
    files.delete('/nb/d.html');
    redirects.set('/nb/d.html', '/index.html'); // removed, sent to the home page
    files.set('/nb/e.html', '<html><head><meta charset="utf-8"><title>页面不存在</title></head><body><p>您访问的页面不存在或已被删除。</p></body></html>'); // a soft 404
    files.set(
      '/nb/index.html',
      LIST([
        ['/nb/a.html', A_TITLE],
        ['/nb/b.html', B_TITLE],
        ['/nb/c.html', B_TITLE],
        ['/nb/d.html', D_TITLE],
        ['/nb/e.html', E_TITLE],
      ]),
    );
    round2 = await run();
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('keeps both versions of a report whose content changed at its URL, the new one primary', () => {
    const versions = reportOf('/nb/a.html');
    expect(versions).toHaveLength(2);
    const primary = db.prepare('SELECT is_primary FROM reports WHERE id = ?').pluck();
    expect(versions.map((id) => primary.get(id))).toEqual([0, 1]);
    expect(round2.totals.reportsRevised).toBe(2);
    expect(round2.totals.reportsVanished).toBe(3);
  });

  it('records each revision with exactly the changed cell, old → new, and a report.revised finding', () => {
    const [a1, a2] = reportOf('/nb/a.html');
    const [b] = reportOf('/nb/b.html');
    const [c] = reportOf('/nb/c.html');
    const revisions = db.prepare('SELECT id, kind, old_report_id, new_report_id, url, cells_changed FROM revisions ORDER BY new_report_id').all() as {
      id: number;
      kind: string;
      old_report_id: number;
      new_report_id: number;
      url: string;
      cells_changed: number;
    }[];
    const byNew = new Map(revisions.map((r) => [r.new_report_id, r]));
    expect(revisions).toHaveLength(2);
    expect(byNew.get(a2!)).toMatchObject({ kind: 'same_url', old_report_id: a1, url: `${origin}/nb/a.html`, cells_changed: 1 });
    expect(byNew.get(c!)).toMatchObject({ kind: 'republished', old_report_id: b, url: `${origin}/nb/c.html`, cells_changed: 1 });
    const cells = db.prepare('SELECT table_name, row_key, col_key, old_value, new_value FROM revision_cells WHERE revision_id = ?');
    expect(cells.all(byNew.get(a2!)!.id)).toEqual([
      { table_name: changedA.table, row_key: changedA.row, col_key: changedA.col, old_value: changedA.old, new_value: changedA.now },
    ]);
    expect(cells.all(byNew.get(c!)!.id)).toEqual([
      { table_name: changedC.table, row_key: changedC.row, col_key: changedC.col, old_value: changedC.old, new_value: changedC.now },
    ]);
    const f = db
      .prepare("SELECT report_id, other_report_id, left_value, right_value, cells FROM findings WHERE rule = 'report.revised' ORDER BY report_id")
      .all();
    expect(f).toEqual([
      {
        report_id: a2,
        other_report_id: a1,
        left_value: changedA.now,
        right_value: changedA.old,
        cells: JSON.stringify([`${changedA.table}.${changedA.row}.${changedA.col}`]),
      },
      {
        report_id: c,
        other_report_id: b,
        left_value: changedC.now,
        right_value: changedC.old,
        cells: JSON.stringify([`${changedC.table}.${changedC.row}.${changedC.col}`]),
      },
    ]);
  });

  it('records a report URL answering 404, redirecting to the home page or serving a "page not found" as vanished; the reports stay', () => {
    const [b] = reportOf('/nb/b.html');
    const [d] = reportOf('/nb/d.html');
    const [e] = reportOf('/nb/e.html');
    expect(db.prepare('SELECT report_id, url, reason, http_status, final_url, returned_at FROM vanished_reports ORDER BY url').all()).toEqual([
      { report_id: b, url: `${origin}/nb/b.html`, reason: 'gone', http_status: 404, final_url: null, returned_at: null },
      { report_id: d, url: `${origin}/nb/d.html`, reason: 'redirected', http_status: 200, final_url: `${origin}/index.html`, returned_at: null },
      { report_id: e, url: `${origin}/nb/e.html`, reason: 'no_tables', http_status: 200, final_url: null, returned_at: null },
    ]);
    expect(db.prepare("SELECT report_id FROM findings WHERE rule = 'report.vanished' ORDER BY report_id").pluck().all()).toEqual([b, d, e]);
    expect(db.prepare('SELECT status FROM reports WHERE id IN (?, ?, ?)').pluck().all(b, d, e)).toEqual(['ok', 'ok', 'ok']);
    // Neither the home page nor the "page not found" was stored as a version of the report.
    expect(reportOf('/nb/d.html')).toHaveLength(1);
    expect(reportOf('/nb/e.html')).toHaveLength(1);
    expect(db.prepare("SELECT count(*) FROM documents WHERE url LIKE '%/index.html' AND url NOT LIKE '%/nb/%'").pluck().get()).toBe(0);
  });

  it('nianbao check keeps and lists the crawl findings', () => {
    const r = runCheck(db);
    expect(r.changes.map((x) => x.rule).sort()).toEqual(['report.revised', 'report.revised', 'report.vanished', 'report.vanished', 'report.vanished']);
    expect(db.prepare("SELECT count(*) FROM findings WHERE rule LIKE 'report.%'").pluck().get()).toBe(5);
  });

  it('nianbao changes lists both, as text and as JSON', async () => {
    ensureBuilt();
    const text = await runBin(['changes', '--db', dbFile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('5 change(s): 2 revised, 3 vanished');
    expect(text.stdout).toContain(`${changedA.table}.${changedA.row}.${changedA.col} ${changedA.old} → ${changedA.now}`);
    expect(text.stdout).toMatch(/vanished .* HTTP 404 .*\/nb\/b\.html/);
    const json = await runBin(['changes', '--db', dbFile, '--json', '--kind', 'vanished']);
    expect(json.code, json.stderr).toBe(0);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { change: string; http_status: number; url: string });
    expect(rows.map((r) => [r.change, r.http_status, r.url]).sort()).toEqual([
      ['vanished', 200, `${origin}/nb/d.html`],
      ['vanished', 200, `${origin}/nb/e.html`],
      ['vanished', 404, `${origin}/nb/b.html`],
    ]);
    expect(listChanges(db, { kind: 'revised', since: '2000-01-01' })).toHaveLength(2);
    expect(listChanges(db, { since: '2999-01-01' })).toHaveLength(0);
  });

  describe('explorer', () => {
    let ex: Explorer;
    const get = async (path: string): Promise<{ status: number; type: string | null; text: string }> => {
      const res = await ex.app.request(`http://127.0.0.1${path}`, { headers: { host: '127.0.0.1' } });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    beforeAll(() => {
      ex = createExplorer({ dbFile, port: 0 });
    });
    afterAll(() => ex?.close());

    it('lists the changes on the Changes page, linked from every page with the feed', async () => {
      const home = await get('/');
      expect(home.text).toContain('<a href="/changes"');
      expect(home.text).toContain('<link rel="alternate" type="application/atom+xml"');
      const p = await get('/changes');
      expect(p.status).toBe(200);
      expect(p.text).toContain('5 change(s)');
      expect(p.text).toContain(`${changedA.table}.${changedA.row}.${changedA.col}: ${changedA.old} → ${changedA.now}`);
      expect(p.text).toContain('HTTP 404');
      const vanishedOnly = await get('/changes?kind=vanished');
      expect(vanishedOnly.text).toContain('3 change(s)');
      expect(vanishedOnly.text).toContain(`redirects to ${origin}/index.html`);
      expect(vanishedOnly.text).toContain('answers HTTP 200 without report tables');
    });

    it('shows the versions of a revised report with the differing cell old → new', async () => {
      const [, a2] = reportOf('/nb/a.html');
      const p = await get(`/report/${a2}`);
      expect(p.text).toContain('id="versions"');
      expect(p.text).toMatch(new RegExp(`<td class="num old">${changedA.old}</td><td class="num new">${changedA.now}</td>`));
    });

    it('still shows a vanished report and serves its snapshot, marked vanished', async () => {
      const [b] = reportOf('/nb/b.html');
      const p = await get(`/report/${b}`);
      expect(p.status).toBe(200);
      expect(p.text).toContain('id="vanished"');
      expect(p.text).toContain('answers HTTP 404');
      const doc = db.prepare('SELECT document_id FROM reports WHERE id = ?').pluck().get(b) as number;
      const snap = await get(`/snapshot/${doc}`);
      expect(snap.status).toBe(200);
      expect(snap.text).toContain('政府信息公开');
    });

    it('serves an Atom feed that parses as XML, with stable entry ids, filterable by kind, agency and province', async () => {
      const parse = (xml: string): { ids: string[]; categories: string[]; root: string } => {
        const ids: string[] = [];
        const categories: string[] = [];
        let root = '';
        const stack: string[] = [];
        const p = new SaxesParser({ xmlns: true });
        p.on('opentag', (t) => {
          if (!root) root = `{${t.uri}}${t.local}`;
          stack.push(t.local);
          if (t.local === 'category') categories.push(String(t.attributes['term']?.value ?? ''));
        });
        p.on('closetag', () => void stack.pop());
        p.on('text', (t) => {
          if (stack.join('/') === 'feed/entry/id') ids.push(t);
        });
        p.write(xml).close(); // throws on anything not well-formed
        return { ids, categories, root };
      };
      const a = await get('/feed.xml');
      expect(a.type).toBe('application/atom+xml; charset=utf-8');
      const first = parse(a.text);
      expect(first.root).toBe('{http://www.w3.org/2005/Atom}feed');
      expect(first.categories.filter((k) => k === 'revised')).toHaveLength(2);
      expect(first.categories.filter((k) => k === 'vanished')).toHaveLength(3);
      // New: the first report of each agency and year (2019, 2021, 2023, 2025), not later versions.
      expect(first.categories.filter((k) => k === 'new')).toHaveLength(4);
      expect(new Set(first.ids).size).toBe(first.ids.length);
      const second = parse((await get('/feed.xml')).text);
      expect(second.ids).toEqual(first.ids);
      expect(parse((await get('/feed.xml?kind=vanished')).text).categories).toEqual(['vanished', 'vanished', 'vanished']);
      // The agency is the one the reports name (issue 20), not the site's.
      const byAgency = db
        .prepare('SELECT a.name, count(*) AS n FROM revisions v JOIN agencies a ON a.id = v.agency_id GROUP BY a.id ORDER BY n DESC')
        .all() as { name: string; n: number }[];
      expect(byAgency.length).toBeGreaterThan(0);
      expect(parse((await get(`/feed.xml?agency=${encodeURIComponent(byAgency[0]!.name)}&kind=revised`)).text).categories).toEqual(
        Array(byAgency[0]!.n).fill('revised'),
      );
      expect(parse((await get(`/feed.xml?agency=${encodeURIComponent('没有这个机关')}&kind=revised`)).text).categories).toEqual([]);
      expect(parse((await get(`/feed.xml?province=${encodeURIComponent('别的省')}`)).text).ids).toEqual([]);
    });
  });

  it('the feed has missing reports when the database has the missing_reports view', async () => {
    const copy = join(tmp.dir, 'with-missing.db');
    db.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
    const raw = openDatabase(copy);
    raw.exec(`DROP VIEW IF EXISTS missing_reports;
      CREATE VIEW missing_reports AS SELECT a.id AS agency_id, a.name AS agency, 2024 AS year, '2025-01-31' AS deadline, 2023 AS last_year_seen, 'test' AS site, '2025-02-10T08:00:00.000Z' AS last_looked_at FROM agencies a`);
    raw.close();
    const ex = createExplorer({ dbFile: copy, snapshotsDir: defaultSnapshotsDir(dbFile), port: 0 });
    try {
      const xml = await (await ex.app.request('http://127.0.0.1/feed.xml?kind=missing', { headers: { host: '127.0.0.1' } })).text();
      expect(xml).toContain(`<id>tag:nianbao,2026:missing/${encodeURIComponent('测试县人民政府')}/2024</id>`);
      expect(xml).toContain('<updated>2025-01-31T00:00:00.000Z</updated>');
      // The words of `nianbao check`: where we looked and when.
      expect(xml).toContain('not found on test (last crawled 2025-02-10)');
    } finally {
      ex.close();
    }
  });

  it('a re-crawl of content whose bytes changed but not its values records no revision', async () => {
    files.set('/nb/a.html', changedA.html.replace('</body>', '<!-- 访问次数：12345 --></body>'));
    const before = db.prepare('SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM revisions), (SELECT count(*) FROM vanished_reports)').raw().get();
    const round3 = await run();
    expect(round3.totals.reportsRevised).toBe(0);
    expect(round3.totals.reportsNew).toBe(0);
    expect(db.prepare('SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM revisions), (SELECT count(*) FROM vanished_reports)').raw().get()).toEqual(
      before,
    );
    // The changed bytes are on record all the same.
    expect(db.prepare('SELECT count(*) FROM responses WHERE url = ?').pluck().get(`${origin}/nb/a.html`)).toBe(3);
  }, 60_000);
});
