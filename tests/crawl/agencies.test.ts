/**
 * Who published it (issue 20), over real HTTP on 127.0.0.1 into real SQLite files: a county
 * portal's 信息公开年报 column lists the reports of several bodies — its own, the city's, the city
 * government office's, the province's, two departments', reports naming no body — and the city's
 * portal posts the city's report too. Each report is stored under the body it names (title, then
 * fields, then signature), the county site is recorded as its publisher, one body named two ways
 * is one agency with an alias, a look-alike pair is listed for review and not merged, a report
 * naming no body falls back to the site's agency, the copy found on two portals is one document
 * with two locations; the user's merge survives a rebuilt database through the agencies file;
 * a database of schema 7 migrates.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { startExplorer } from '../../src/explorer/server.js';
import { validateRegistry, type Registry } from '../../src/sites/registry.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { reparseStored } from '../../src/ingest/index.js';
import { undoMigration16 } from '../helpers/schema.js';
import { BIN, ROOT, tempDir } from './helpers.js';
import { spawn } from 'node:child_process';

const BASE = readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html'), 'utf8');
const BASE_TITLE = '平潭综合实验区2021年度政府信息公开工作年度报告';

/** The corpus's 2021 page retitled, its 来源 field replaced (or removed), optionally signed. */
function reportPage(title: string, o: { source?: string; signature?: string; author?: string } = {}): Buffer {
  let page = BASE.replaceAll(BASE_TITLE, title)
    .replace('来源：平潭县人民政府', o.source ? `来源：${o.source}` : '')
    .replace(/<meta name="Author"[^>]*>/, o.author ? `<meta name="Author" content="${o.author}"/>` : '');
  if (o.signature) page = page.replace('</body>', `<p>${o.signature}</p><p>2022年1月20日</p></body>`);
  return Buffer.from(page);
}

const UNNAMED = '2021年度政府信息公开工作年度报告';
/** County column: path → [link text, page]. */
const COUNTY: Record<string, [string, Buffer]> = {
  '/bx/2022/own.html': ['丙县2021年度政府信息公开工作年度报告', reportPage('丙县2021年度政府信息公开工作年度报告')],
  '/bx/2021/own.html': ['丙县政府2020年度政府信息公开工作年度报告', reportPage('丙县政府2020年度政府信息公开工作年度报告')],
  '/bx/2022/city.html': ['甲市人民政府2021年度政府信息公开工作年度报告', reportPage('甲市人民政府2021年度政府信息公开工作年度报告')],
  '/bx/2022/office.html': ['2021年甲市人民政府办公室政府信息公开工作年度报告', reportPage('2021年甲市人民政府办公室政府信息公开工作年度报告')],
  '/bx/2022/province.html': ['演示省2021年度政府信息公开工作年度报告', reportPage('演示省2021年度政府信息公开工作年度报告')],
  '/bx/2021/edu.html': ['丙县教育局2020年度政府信息公开工作年度报告', reportPage('丙县教育局2020年度政府信息公开工作年度报告')],
  '/bx/2022/edu.html': ['丙县教育体育局2021年度政府信息公开工作年度报告', reportPage('丙县教育体育局2021年度政府信息公开工作年度报告')],
  '/bx/2022/unnamed.html': [`本县${UNNAMED}`, reportPage(UNNAMED)],
  '/bx/2022/field.html': [`财政${UNNAMED}`, reportPage(UNNAMED, { source: '丙县财政局' })],
  '/bx/2022/signed.html': [`卫健${UNNAMED}`, reportPage(UNNAMED, { signature: '丙县卫生健康局' })],
  '/bx/2022/author.html': [`办公室${UNNAMED}`, reportPage(UNNAMED, { author: '县政府办公室' })],
};
/** The city's portal posts the city's report: the same bytes at its own URL. */
const CITY: Record<string, [string, Buffer]> = {
  '/jx/2022/city.html': ['甲市人民政府2021年度政府信息公开工作年度报告', COUNTY['/bx/2022/city.html']![1]],
};

function listPage(items: Record<string, [string, Buffer]>): Buffer {
  const lis = Object.entries(items).map(([path, [text]]) => `<li><a href="${path}">${text}</a><span>2022-01-25</span></li>`);
  return Buffer.from(
    `<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">${lis.join('')}</ul>` +
      '<script>createPageHTML(1, 0, "index", "html");</script></body></html>',
  );
}

const FILES = new Map<string, Buffer>([
  ['/bx/index.html', listPage(COUNTY)],
  ['/jx/index.html', listPage(CITY)],
  ...Object.entries(COUNTY).map(([p, [, b]]): [string, Buffer] => [p, b]),
  ...Object.entries(CITY).map(([p, [, b]]): [string, Buffer] => [p, b]),
]);

interface Stored {
  path: string;
  agency: string | null;
  agency_key: string | null;
  agency_source: string | null;
  publisher: string | null;
  year: number | null;
}

function stored(db: Database.Database): Map<string, Stored> {
  const rows = db
    .prepare(
      `SELECT d.url, a.name AS agency, a.key AS agency_key, r.agency_source, p.name AS publisher, r.year
       FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN agencies a ON a.id = r.agency_id LEFT JOIN agencies p ON p.id = r.publisher_id`,
    )
    .all() as (Omit<Stored, 'path'> & { url: string })[];
  return new Map(rows.map(({ url, ...r }) => [new URL(url).pathname, { path: new URL(url).pathname, ...r }]));
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('agency identity from the report itself', () => {
  const tmp = tempDir('nianbao-agencies-');
  let server: http.Server;
  let registry: Registry;
  let dbFile: string;
  let db: Database.Database;

  async function crawlInto(file: string): Promise<void> {
    const d = openDatabase(file);
    try {
      await crawl({ db: d, registry }, { snapshotsDir: defaultSnapshotsDir(file), intervalMs: 0, browser: { enabled: false } });
    } finally {
      d.close();
    }
  }

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const body = FILES.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (!body) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registry = validateRegistry({
      version: 1,
      sites: [
        {
          name: 'county',
          agency: '丙县人民政府',
          region: { province: '演示省', city: '甲市', county: '丙县' },
          level: 'county',
          entries: [`${origin}/bx/index.html`],
          adapter: 'trs-classic',
          local: true,
        },
        {
          name: 'city',
          agency: '甲市人民政府',
          region: { province: '演示省', city: '甲市' },
          level: 'city',
          entries: [`${origin}/jx/index.html`],
          adapter: 'trs-classic',
          local: true,
        },
      ],
    });
    dbFile = join(tmp.dir, 'agencies.db');
    await crawlInto(dbFile);
    db = new Database(dbFile, { readonly: true });
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it("stores each report of the county's column under the body it names, the county site as publisher", () => {
    const s = stored(db);
    expect(s.size).toBe(Object.keys(COUNTY).length);
    // The city's report is stored once, under the URL where it was found first (either portal).
    const at = (p: string) => s.get(p) ?? s.get(p.replace('/bx/', '/jx/'));
    const agencyOf = (p: string) => [at(p)?.agency, at(p)?.agency_source];
    expect(agencyOf('/bx/2022/own.html')).toEqual(['丙县人民政府', 'title']);
    expect(agencyOf('/bx/2022/city.html')).toEqual(['甲市人民政府', 'title']);
    expect(agencyOf('/bx/2022/office.html')).toEqual(['甲市人民政府办公室', 'title']);
    expect(agencyOf('/bx/2022/province.html')).toEqual(['演示省', 'title']);
    expect(agencyOf('/bx/2021/edu.html')).toEqual(['丙县教育局', 'title']);
    expect(agencyOf('/bx/2022/edu.html')).toEqual(['丙县教育体育局', 'title']);
    // Named by a 来源 field, by the signature.
    expect(agencyOf('/bx/2022/field.html')).toEqual(['丙县财政局', 'field']);
    expect(agencyOf('/bx/2022/signed.html')).toEqual(['丙县卫生健康局', 'signature']);
    // Found on the county's portal, all of them (the city's report was found first or second there: either way the county is a location).
    for (const r of s.values()) if (!r.path.endsWith('/city.html')) expect(r.publisher, r.path).toBe('丙县人民政府');
    // The county's own reports are the county site's agency (by the identity rule 丙县 = 丙县人民政府); the city's report the city site's.
    expect(s.get('/bx/2022/own.html')?.agency_key).toBe('site:county');
    expect(at('/bx/2022/city.html')?.agency_key).toBe('site:city');
  });

  it('falls back to the site agency, with that provenance, for a report naming no body', () => {
    const r = stored(db).get('/bx/2022/unnamed.html')!;
    expect([r.agency, r.agency_source, r.publisher]).toEqual(['丙县人民政府', 'site', '丙县人民政府']);
    // A page whose only name is an author tag without a region (县政府办公室) names no body for sure: the site's.
    const a = stored(db).get('/bx/2022/author.html')!;
    expect([a.agency, a.agency_source]).toEqual(['丙县人民政府', 'site']);
    expect(db.prepare("SELECT count(*) FROM agencies WHERE name = '县政府办公室'").pluck().get()).toBe(0);
  });

  it('keeps one body named two ways across years as one agency with an alias', () => {
    const s = stored(db);
    expect([s.get('/bx/2021/own.html')?.agency, s.get('/bx/2021/own.html')?.year]).toEqual(['丙县人民政府', 2020]);
    const id = db.prepare("SELECT id FROM agencies WHERE key = 'site:county'").pluck().get() as number;
    const aliases = db.prepare('SELECT alias, source FROM agency_aliases WHERE agency_id = ? ORDER BY alias').all(id);
    expect(aliases).toEqual([
      { alias: '丙县', source: 'rule' },
      { alias: '丙县人民政府', source: 'registry' },
      { alias: '丙县政府', source: 'rule' },
    ]);
    // Each (agency, year) group has exactly one primary report.
    const groups = db.prepare('SELECT agency_id, year, sum(is_primary) AS p FROM reports WHERE year IS NOT NULL GROUP BY agency_id, year').all() as {
      p: number;
    }[];
    for (const g of groups) expect(g.p).toBe(1);
  });

  it('lists an uncertain pair for review and does not merge it', async () => {
    const edu = db.prepare("SELECT id, kind, level, region, parent_id FROM agencies WHERE name IN ('丙县教育局', '丙县教育体育局') ORDER BY id").all() as {
      id: number;
      kind: string;
      region: string;
      parent_id: number;
    }[];
    expect(edu.length).toBe(2);
    const county = db.prepare("SELECT id FROM agencies WHERE key = 'site:county'").pluck().get();
    for (const e of edu) expect(e).toMatchObject({ kind: 'department', level: 'county', region: '丙县', parent_id: county });
    const r = await runCli(['agencies', 'review', '--json', '--db', dbFile]);
    expect(r.stderr).toBe('');
    const pairs = JSON.parse(r.stdout) as { agency: string; other: string; status: string; similarity: number }[];
    expect(pairs.map((p) => [p.agency, p.other, p.status])).toEqual([['丙县教育局', '丙县教育体育局', 'open']]);
    expect(pairs[0]!.similarity).toBeGreaterThanOrEqual(0.4);
    // Other bodies of the same region and kind with unlike names are not listed (丙县财政局, 丙县卫生健康局).
  });

  it('infers kind, level and parent from the names; the deadline follows the kind', () => {
    const row = (name: string) =>
      db.prepare('SELECT a.kind, a.level, p.name AS parent FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id WHERE a.name = ?').get(name);
    expect(row('甲市人民政府办公室')).toEqual({ kind: 'government_office', level: 'city', parent: '甲市人民政府' });
    expect(row('演示省')).toMatchObject({ kind: 'government', level: 'province' });
    const deadline = (p: string) =>
      db
        .prepare(
          'SELECT s.agency, s.deadline FROM report_summary s JOIN reports r ON r.id = s.report_id JOIN documents d ON d.id = r.document_id WHERE d.url LIKE ?',
        )
        .get(`%${p}`);
    expect(deadline('/2022/city.html')).toEqual({ agency: '甲市人民政府', deadline: '2022-03-31' });
    expect(deadline('/bx/2022/office.html')).toEqual({ agency: '甲市人民政府办公室', deadline: '2022-01-31' });
    expect(deadline('/bx/2022/edu.html')).toEqual({ agency: '丙县教育体育局', deadline: '2022-01-31' });
  });

  it('stores the report found on two portals once, with both locations', () => {
    const docs = db.prepare("SELECT d.id FROM documents d WHERE d.url LIKE '%/city.html'").pluck().all() as number[];
    expect(docs.length).toBe(1);
    const locs = db
      .prepare(
        'SELECT l.place, l.site, a.name AS publisher FROM document_locations l JOIN agencies a ON a.id = l.publisher_id WHERE l.document_id = ? ORDER BY l.site',
      )
      .all(docs[0]!) as { place: string; site: string; publisher: string }[];
    expect(locs.map((l) => [new URL(l.place).pathname, l.site, l.publisher])).toEqual([
      ['/jx/2022/city.html', 'city', '甲市人民政府'],
      ['/bx/2022/city.html', 'county', '丙县人民政府'],
    ]);
  });

  it('shows aliases, kind, parent and where each report was found on the explorer agency page', async () => {
    const ex = await startExplorer({ dbFile, port: 0 });
    const base = ex.url.replace(/\/$/, '');
    try {
      const county = db.prepare("SELECT id FROM agencies WHERE key = 'site:county'").pluck().get() as number;
      const $ = cheerio.load(await (await fetch(`${base}/agency/${county}`)).text());
      expect($('#agency-aliases').text()).toContain('丙县政府');
      expect($('#agency-kind').text()).toBe('government');
      expect($('#agency-children').text()).toContain('丙县教育局');
      expect($('#documents').text()).toContain('/bx/2022/unnamed.html');
      expect($('#posted-for-others').length).toBe(1);
      const office = db.prepare("SELECT id FROM agencies WHERE name = '甲市人民政府办公室'").pluck().get() as number;
      const o = cheerio.load(await (await fetch(`${base}/agency/${office}`)).text());
      expect(o('#agency-parent').text()).toBe('甲市人民政府');
      const edu = db.prepare("SELECT id FROM agencies WHERE name = '丙县教育局'").pluck().get() as number;
      const e = cheerio.load(await (await fetch(`${base}/agency/${edu}`)).text());
      expect(e('#agency-review').text()).toContain('丙县教育体育局');
    } finally {
      await ex.close();
    }
  });

  it('the user merges the pair; the agencies file carries the decision to a rebuilt database', async () => {
    const work = join(tmp.dir, 'decided.db');
    copyFileSync(dbFile, work);
    const m = await runCli(['agencies', 'merge', '丙县教育体育局', '丙县教育局', '--db', work]);
    expect(m.stderr).toBe('');
    expect(m.code).toBe(0);
    const file = join(tmp.dir, 'agencies.json');
    expect((await runCli(['agencies', 'export', '--file', file, '--db', work])).code).toBe(0);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { version: number; agencies: { name: string; aliases: string[] }[] };
    expect(exported.version).toBe(1);
    expect(exported.agencies.find((a) => a.name === '丙县教育体育局')?.aliases).toEqual(['丙县教育局']);
    // check and export use the resolved agency: both years of the merged body under its one name.
    const check = await runCli(['check', '--db', work, '--json']);
    expect(check.code).toBe(0);
    const late = (JSON.parse(check.stdout) as { late: { agency: string; year: number; rule: string }[] }).late.filter((f) => f.rule === 'compliance.late');
    expect(
      late
        .filter((f) => f.agency === '丙县教育体育局')
        .map((f) => f.year)
        .sort(),
    ).toEqual([2020, 2021]);
    expect(late.some((f) => f.agency === '丙县教育局')).toBe(false);
    const exported2 = await runCli(['export', '--view', 'report_summary', '--agency', '丙县教育局', '--format', 'json', '--db', work]);
    expect(exported2.stderr).toBe('');
    expect((JSON.parse(exported2.stdout) as { agency: string; year: number }[]).map((r) => [r.agency, r.year]).sort()).toEqual([
      ['丙县教育体育局', 2020],
      ['丙县教育体育局', 2021],
    ]);
    // Rebuild: a fresh database crawled again knows nothing of the merge until the file is applied.
    const fresh = join(tmp.dir, 'rebuilt.db');
    await crawlInto(fresh);
    const eduAgencies = (f: string) => {
      const d = new Database(f, { readonly: true });
      try {
        return d
          .prepare(
            "SELECT DISTINCT a.name FROM reports r JOIN documents d ON d.id = r.document_id JOIN agencies a ON a.id = r.agency_id WHERE d.url LIKE '%/edu.html'",
          )
          .pluck()
          .all();
      } finally {
        d.close();
      }
    };
    expect(eduAgencies(fresh).length).toBe(2);
    const applied = await runCli(['agencies', 'apply', '--file', file, '--db', fresh, '--json']);
    expect(applied.stderr).toBe('');
    expect(JSON.parse(applied.stdout)).toMatchObject({ merged: 1 });
    expect(eduAgencies(fresh)).toEqual(['丙县教育体育局']);
    // Applying again changes nothing; `split` undoes the merge.
    expect(JSON.parse((await runCli(['agencies', 'apply', '--file', file, '--db', fresh, '--json'])).stdout)).toMatchObject({
      merged: 0,
      created: 0,
      aliases: 0,
    });
    expect((await runCli(['agencies', 'split', '丙县教育体育局', '丙县教育局', '--db', fresh])).code).toBe(0);
    expect(eduAgencies(fresh).length).toBe(2);
    // A broken file is refused with its path and the problem.
    const bad = join(tmp.dir, 'bad.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, JSON.stringify({ version: 2, agencies: [] }));
    const refused = await runCli(['agencies', 'apply', '--file', bad, '--db', fresh]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bad\.json: version: .*\[NB_AGENCY_FILE\]/);
  }, 120_000);

  it('migrates a database of schema 7: agencies become entities, reports get their publisher, reparse re-resolves', async () => {
    const old = join(tmp.dir, 'v7.db');
    copyFileSync(dbFile, old);
    const raw = new Database(old);
    undoMigration16(raw);
    // As schema 7 stored a crawl: every report under its site's agency; a report-named agency beside the registry's.
    raw.exec('UPDATE reports SET agency_id = (SELECT d.agency_id FROM documents d WHERE d.id = reports.document_id)');
    raw.exec("INSERT INTO agencies (key, name, source, created_at) VALUES ('甲市', '甲市', 'report', '2024-01-01T00:00:00Z')");
    raw.exec(
      "DELETE FROM agency_aliases WHERE alias = '甲市'; INSERT INTO agency_aliases (alias, agency_id) VALUES ('甲市', (SELECT id FROM agencies WHERE key = '甲市'))",
    );
    raw.pragma('user_version = 7');
    raw.close();
    const db7 = openDatabase(old);
    try {
      const s = stored(db7);
      expect(s.get('/bx/2022/office.html')).toMatchObject({ agency: '丙县人民政府', agency_source: 'site', publisher: '丙县人民政府' });
      // 甲市 (from a report) and 甲市人民政府 (the registry's) are one body by rule: merged, the registry's row kept.
      expect(db7.prepare("SELECT m.key FROM agencies a JOIN agencies m ON m.id = a.merged_into WHERE a.key = '甲市'").pluck().get()).toBe('site:city');
      expect(db7.prepare("SELECT a.key FROM agency_aliases al JOIN agencies a ON a.id = al.agency_id WHERE al.alias = '甲市'").pluck().get()).toBe('site:city');
      expect(db7.prepare("SELECT kind FROM agencies WHERE key = 'site:county'").pluck().get()).toBe('government');
      expect(db7.prepare('SELECT count(*) FROM document_locations').pluck().get()).toBe(Object.keys(COUNTY).length + 1);
      const summary = await reparseStored(db7, { all: true, snapshotsDir: defaultSnapshotsDir(dbFile) });
      expect(summary.updated).toBe(Object.keys(COUNTY).length);
      const after = stored(db7);
      for (const [p, r] of stored(db)) expect([p, after.get(p)?.agency, after.get(p)?.agency_source]).toEqual([p, r.agency, r.agency_source]);
    } finally {
      db7.close();
    }
  });
});
