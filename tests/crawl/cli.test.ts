/**
 * The `crawl`, `sites` and `demo` commands through the built CLI (`node bin/nianbao.js`): exit
 * codes, JSON log lines, the summary, the registry commands against the demo portal's registry.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { ensureBuilt, runBin, tempDir } from './helpers.js';

describe('nianbao sites / crawl (CLI)', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  let registry: string;
  beforeAll(async () => {
    ensureBuilt();
    portal = await startDemoPortal({ sites: ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'spa', 'robots', 'jsl'] });
    registry = join(tmp.dir, 'sites.json');
    writeFileSync(registry, JSON.stringify(portal.registry(), null, 2));
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  it('sites list prints the registry', async () => {
    const r = await runBin(['sites', 'list', '--sites', registry]);
    expect(r.code, r.stderr).toBe(0);
    for (const s of portal.sites) expect(r.stdout).toContain(s.entry);
    expect(r.stdout).toContain('8 site(s), 8 enabled');
    const j = await runBin(['sites', 'list', '--sites', `${portal.origin}/sites.json`, '--json']);
    expect((JSON.parse(j.stdout) as { sites: unknown[] }).sites).toHaveLength(8);
  });

  it('sites check fingerprints each entry page and says what a crawl would do', async () => {
    portal.resetLog();
    const r = await runBin(['sites', 'check', '--sites', registry, '--interval-ms', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const checks = JSON.parse(r.stdout) as {
      site: string;
      status?: number;
      detected?: { id: string };
      challenge?: string;
      reports: number;
      api: number;
      lists: number;
      hubs: number;
      needsBrowser?: string;
      charset?: string;
      verdict: string;
    }[];
    const by = Object.fromEntries(checks.map((c) => [c.site, c]));
    for (const name of ['fj', 'trs', 'hanweb', 'vsb']) expect(by[name]!.detected?.id, name).toBe(portal.sites.find((s) => s.name === name)!.adapter);
    expect(by['fj']!.api).toBeGreaterThan(0);
    expect(by['trs']!.lists).toBe(2);
    expect(by['trs']!.reports).toBe(2);
    expect(by['hanweb']!.api).toBeGreaterThan(0);
    expect(by['gbk']!.charset).toBe('gb18030');
    expect(by['gbk']!.lists + by['gbk']!.hubs).toBeGreaterThan(0);
    expect(by['spa']!.needsBrowser).toMatch(/nbList/);
    expect(by['spa']!.verdict).toMatch(/browser/);
    expect(by['jsl']!.status).toBe(521);
    expect(by['jsl']!.challenge).toBe('jsl');
    // Nothing but entry pages (and robots.txt) was requested.
    const entries = new Set(portal.sites.map((s) => new URL(s.entry).pathname));
    expect(portal.requestLog.filter((e) => e.path !== '/robots.txt' && !entries.has(e.path))).toEqual([]);
    const text = await runBin(['sites', 'check', '--sites', registry, '--site', 'trs', '--interval-ms', '0']);
    expect(text.stdout).toMatch(/trs\s+200\s+utf-8\s+trs-classic/);
  });

  it('sites add validates and appends; errors name the field', async () => {
    const file = join(tmp.dir, 'new-registry.json');
    const ok = await runBin([
      'sites',
      'add',
      '--sites',
      file,
      '--name',
      'example-county',
      '--agency',
      '某某县人民政府',
      '--entry',
      'https://www.example.gov.cn/zwgk/zfxxgknb/',
      '--level',
      'county',
      '--province',
      '某某省',
      '--county',
      '某某县',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const reg = JSON.parse(readFileSync(file, 'utf8')) as { sites: { name: string; adapter: string; region: Record<string, unknown> }[] };
    expect(reg.sites).toEqual([expect.objectContaining({ name: 'example-county', adapter: 'auto', region: { province: '某某省', county: '某某县' } })]);
    const dup = await runBin([
      'sites',
      'add',
      '--sites',
      file,
      '--name',
      'example-county',
      '--agency',
      'x',
      '--entry',
      'https://x.gov.cn/',
      '--level',
      'county',
    ]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/duplicate site name "example-county"/);
    const bad = await runBin(['sites', 'add', '--sites', file, '--name', 'other', '--agency', 'x', '--entry', 'ftp://x.gov.cn/', '--level', 'county']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/sites\[1\]\.entries\[0\]: expected an absolute http\(s\) URL/);
  });

  it('crawl: exit 1 with the line and field of a bad registry; exit 1 when the database cannot be written', async () => {
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(
      bad,
      '{\n  "version": 1,\n  "sites": [\n    { "name": "x", "agency": "x", "region": { "province": null }, "level": "county",\n      "entries": ["https://x.gov.cn/"], "adapter": "trs", "overrides": {} }\n  ]\n}\n',
    );
    const r = await runBin(['crawl', '--sites', bad, '--db', join(tmp.dir, 'x.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json:5:\d+: sites\[0\]\.adapter/);
    expect(r.stderr).toContain('NB_REGISTRY_INVALID');
    const dir = join(tmp.dir, 'a-directory.db');
    mkdirSync(dir);
    const unwritable = await runBin(['crawl', '--sites', registry, '--db', dir, '--site', 'trs']);
    expect(unwritable.code).toBe(1);
    const unknown = await runBin(['crawl', '--sites', registry, '--db', join(tmp.dir, 'y.db'), '--site', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NB_CRAWL_NO_SITES');
  });

  it('crawl: JSON log lines on stderr when not on a terminal, the summary table on stdout, exit 0 despite per-site failures', async () => {
    const dbFile = join(tmp.dir, 'cli.db');
    portal.resetLog();
    const r = await runBin([
      'crawl',
      '--sites',
      registry,
      '--db',
      dbFile,
      '--site',
      'fj,robots',
      '--interval-ms',
      '10',
      '--contact',
      'mailto:crawler@example.org',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; site?: string; code?: string });
    const events = new Set(lines.map((l) => l.event));
    for (const e of ['start', 'site', 'error', 'done']) expect(events, e).toContain(e);
    expect(lines.filter((l) => l.event === 'error').every((l) => l.site === 'fj' && l.code === 'NB_CRAWL_HTTP')).toBe(true);
    expect(r.stdout).toMatch(/^site\s+adapter\s+pages\s+lists/m);
    expect(r.stdout).toMatch(/^fj\s+trs-fujian\s+\d+\s+\d+\s+0\s+6\s+0\s+0\s+4\s+0\s+HTTP 404 ×4/m);
    expect(r.stdout).toMatch(/^robots\s+trs-classic\s+.*robots\.txt disallows/m);
    expect(r.stdout).toContain('User-Agent: nianbao/0.1.0 (+mailto:crawler@example.org)');
    expect(portal.requestLog.filter((e) => e.site === 'fj').every((e) => e.userAgent === 'nianbao/0.1.0 (+mailto:crawler@example.org)')).toBe(true);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM reports').get()).toEqual({ n: 8 });
    db.close();
  });

  it('--parse-workers reaches the crawl; the summary says where reports were parsed', async () => {
    const dbFile = join(tmp.dir, 'pw.db');
    const r = await runBin([
      'crawl',
      '--sites',
      registry,
      '--db',
      dbFile,
      '--site',
      'trs',
      '--interval-ms',
      '0',
      '--parse-workers',
      '1',
      '--progress',
      'none',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      totals: { reportsNew: number };
      parse: { workers: number; threaded: number; inline: number; failure: string | null };
    };
    expect(summary.parse.workers).toBe(1);
    expect(summary.parse.failure).toBeNull();
    expect(summary.parse.threaded + summary.parse.inline).toBeGreaterThanOrEqual(summary.totals.reportsNew);
    expect(summary.totals.reportsNew).toBeGreaterThan(0);
    const bad = await runBin(['crawl', '--sites', registry, '--db', join(tmp.dir, 'pw2.db'), '--parse-workers', 'two']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--parse-workers must be a whole number from 0 to 16');
  });

  it('--ignore-robots warns', async () => {
    const r = await runBin([
      'crawl',
      '--sites',
      registry,
      '--db',
      join(tmp.dir, 'ir.db'),
      '--site',
      'robots',
      '--interval-ms',
      '10',
      '--ignore-robots',
      '--progress',
      'none',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: --ignore-robots/);
  });
});

describe('nianbao demo (CLI)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('crawls the demo portal into the database (two rounds) and prints the summary, the findings and the example queries', async () => {
    ensureBuilt();
    const dbFile = join(tmp.dir, 'demo.db');
    // No browser here (browser.test.ts covers it): the demo must still run and say what it left out.
    const r = await runBin(['demo', '--db', dbFile, '--progress', 'none'], { NIANBAO_CHROMIUM: join(tmp.dir, 'none') }, 90_000);
    expect(r.code, r.stderr).toBe(0);
    // A newcomer's first command prints no raw Node warning (e.g. MaxListenersExceededWarning).
    expect(r.stderr).not.toMatch(/Warning|\(node:\d+\)/);
    expect(r.stdout).toMatch(/^site\s+adapter/m);
    for (const s of ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'spa', 'docx', 'flaky', 'robots', 'jsl', 'demo-province', 'demo-county', 'demo-health']) {
      expect(r.stdout).toMatch(new RegExp(`^${s}\\s`, 'm'));
    }
    // 30 reports of the ten sites + 27 of the six fictional agencies; round 2 stores the revised
    // one and the reworded one (its text only) again.
    expect(r.stdout).toMatch(/57 new report\(s\)/);
    expect(r.stdout).toMatch(/Round 2 \(the portal changed: 2 report\(s\) revised, 1 gone\)[^\n]* 2 updated[^\n]* 1 failed/);
    expect(r.stdout).toMatch(/The demo ran without a browser: spa, jsl/);
    expect(r.stdout).toMatch(/apt-get install chromium/);
    expect(r.stdout).toMatch(/1\. Who received the most requests/);
    expect(r.stdout).toMatch(/2\. How often/);
    expect(r.stdout).toMatch(/3\. Who did not publish/);
    expect(r.stdout).toMatch(/4\. Who published late/);
    expect(r.stdout).toMatch(/甲市人民政府\s+2025\s+154/);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM reports').get()).toEqual({ n: 59 });
    db.close();
  }, 120_000);
});
