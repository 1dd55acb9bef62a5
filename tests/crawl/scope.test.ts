/**
 * The crawl scope against real servers on 127.0.0.1: a portal (a `local` site) whose list links a
 * report on a second server that is not in the registry, and another "report" that redirects
 * there. Nothing is requested from the second server (not even robots.txt); both refusals are
 * recorded (frontier row blocked with its code, a run error, the summary's reasons). Links with
 * file:, ftp:, javascript:, mailto: and data: schemes are counted, file:/ftp: ones recorded.
 * With the second server in the site's `allowHosts` the report is fetched; a site that is not
 * marked local is refused its loopback address before any request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import { SiteScope, addressPolicy, refusedLinks } from '../../src/crawl/scope.js';
import { OutOfScopeError } from '../../src/fetch/scope.js';
import { validateRegistry, type SiteInput } from '../../src/sites/registry.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, tempDir } from './helpers.js';

const REPORT = readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html'));

interface Server {
  origin: string;
  host: string;
  log: string[];
  close(): Promise<void>;
}

async function serve(handler: (path: string, res: http.ServerResponse) => void): Promise<Server> {
  const log: string[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(path);
    handler(path, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin: `http://${host}`,
    host,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('SiteScope', () => {
  const scope = new SiteScope({
    name: 'pt',
    entries: ['https://www.pingtan.gov.cn/zwgk/nb/', 'http://127.0.0.1:8080/nb/'],
    allowHosts: ['cdn.example.com', 'files.example.net:8443', '*.oss.example.org'],
  });
  const ok = (u: string) => scope.allows(new URL(u));

  it("allows the site's own domain (any subdomain, any port), its allowHosts, and nothing else", () => {
    expect(ok('https://www.pingtan.gov.cn/a.html')).toBe(true);
    expect(ok('http://xxgk.pingtan.gov.cn:8081/b.pdf')).toBe(true);
    expect(ok('https://pingtan.gov.cn/')).toBe(true);
    expect(ok('http://127.0.0.1:8080/x')).toBe(true);
    expect(ok('http://127.0.0.1:8081/x')).toBe(false); // an IP address counts with its port
    expect(ok('http://127.0.0.1/x')).toBe(false);
    expect(ok('https://www.fuzhou.gov.cn/')).toBe(false);
    expect(ok('https://cdn.example.com/r.pdf')).toBe(true);
    expect(ok('https://cdn.example.com:444/r.pdf')).toBe(false);
    expect(ok('https://evil.cdn.example.com/r.pdf')).toBe(false);
    expect(ok('https://files.example.net:8443/r.pdf')).toBe(true);
    expect(ok('https://files.example.net/r.pdf')).toBe(false);
    expect(ok('https://a.b.oss.example.org/r.pdf')).toBe(true);
    expect(ok('https://oss.example.org/r.pdf')).toBe(false);
    expect(ok('https://oss.example.org.evil.com/r.pdf')).toBe(false);
    expect(ok('ftp://www.pingtan.gov.cn/r.pdf')).toBe(false);
    expect(() => scope.check(new URL('http://169.254.169.254/latest/'))).toThrow(OutOfScopeError);
  });

  it('names the hosts of local sites only as exempt from the address check', () => {
    expect(
      addressPolicy([
        { entries: ['http://127.0.0.1:9000/'], allowHosts: ['localhost:9001', '*.test'], local: true },
        { entries: ['https://www.gov.cn/'], local: false },
      ]),
    ).toEqual({ refusePrivateAddresses: true, localHosts: ['127.0.0.1', 'localhost'] });
  });

  it('rejects allowHosts entries that are not hosts', () => {
    const bad = (h: string) => () => validateRegistry({ version: 1, sites: [{ ...base, allowHosts: [h] }] });
    const base = { name: 'x', agency: 'x', region: { province: null }, level: 'county', entries: ['https://x.gov.cn/'], adapter: 'trs-classic' };
    for (const h of ['http://cdn.x.com', 'cdn.x.com/path', 'CDN.X.COM', '*', '', 'a b']) expect(bad(h), h).toThrow(/allowHosts\[0\]/);
    expect(
      validateRegistry({ version: 1, sites: [{ ...base, allowHosts: ['cdn.x.com', 'x.com:8443', '*.x.com', '[::1]:8080'], local: true }] }).sites[0],
    ).toMatchObject({ local: true });
  });

  it('finds the links a crawl never follows', () => {
    const html = `<a href="file:///etc/passwd">a</a><a href=' FTP://h/x.pdf'>b</a><a href=javascript:void(0)>c</a>
      <a href="mailto:x@y">d</a><a href="data:text/html,${'x'.repeat(500)}">e</a><a href="/ok.html">f</a><a href="https://x/">g</a>`;
    const links = refusedLinks(html);
    expect(links.map((l) => l.scheme)).toEqual(['file:', 'ftp:', 'javascript:', 'mailto:', 'data:']);
    expect(links[1]!.href).toBe('FTP://h/x.pdf');
    expect(links[4]!.href).toHaveLength(300);
  });
});

describe('crawl scope', () => {
  const tmp = tempDir('nianbao-scope-');
  let portal: Server;
  let other: Server;

  beforeAll(async () => {
    other = await serve((path, res) => {
      if (path === '/robots.txt') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(REPORT);
    });
    portal = await serve((path, res) => {
      if (path === '/robots.txt') return void res.writeHead(404).end();
      if (path === '/nb/index.html') {
        const items: [string, string][] = [
          ['/nb/202202/t20220208_1.html', '测试县2021年度政府信息公开工作年度报告'],
          [`${other.origin}/secret.html`, '测试县2020年度政府信息公开工作年度报告'],
          ['/nb/202001/t20200120_3.html', '测试县2019年度政府信息公开工作年度报告'],
          ['file:///etc/passwd', '测试县2018年度政府信息公开工作年度报告'],
          ['ftp://ftp.example.gov.cn/nb/2017.pdf', '测试县2017年度政府信息公开工作年度报告'],
          ['javascript:void(0)', '测试县2016年度政府信息公开工作年度报告'],
          ['mailto:gk@example.gov.cn', '联系我们'],
          ['data:text/html,<b>x</b>', '测试县2015年度政府信息公开工作年度报告'],
        ];
        const li = items.map(([href, title]) => `<li><a href="${href}">${title}</a><span>2024-01-01</span></li>`).join('');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(
          `<html><head><meta charset="utf-8"></head><body><ul class="list">${li}</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>`,
        );
      }
      if (path === '/nb/202202/t20220208_1.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(REPORT);
      if (path === '/nb/202001/t20200120_3.html') return void res.writeHead(302, { location: `${other.origin}/secret2.html` }).end();
      res.writeHead(404).end();
    });
  });
  afterAll(async () => {
    await Promise.all([portal?.close(), other?.close()]);
    tmp.cleanup();
  });

  const site = (extra: Partial<SiteInput> = {}, entry = `${portal.origin}/nb/index.html`): SiteInput => ({
    name: 'test',
    agency: '测试县人民政府',
    region: { province: '演示省', county: '测试县' },
    level: 'county',
    entries: [entry],
    adapter: 'trs-classic',
    ...extra,
  });
  const run = async (name: string, s: SiteInput): Promise<{ db: Database.Database; summary: CrawlSummary }> => {
    const file = join(tmp.dir, `${name}.db`);
    const db = openDatabase(file);
    const summary = await crawl(
      { db, registry: validateRegistry({ version: 1, sites: [s] }) },
      { snapshotsDir: defaultSnapshotsDir(file), intervalMs: 0, fetch: { maxRetries: 0 }, browser: { enabled: false } },
    );
    return { db, summary };
  };

  it('requests nothing from a host outside the registry, by link or by redirect, and records both refusals', async () => {
    const { db, summary } = await run('scope', site({ local: true }));
    try {
      expect(summary.status).toBe('ok');
      expect(other.log).toEqual([]);
      const rows = db.prepare("SELECT url, state, error_code, error FROM frontier WHERE kind = 'report' ORDER BY url").all() as Record<string, string>[];
      const by = (suffix: string) => rows.find((r) => r.url!.endsWith(suffix));
      expect(by('_1.html')).toMatchObject({ state: 'done' });
      expect(by('/secret.html')).toMatchObject({ state: 'blocked', error_code: 'NB_FETCH_OUT_OF_SCOPE' });
      expect(by('/secret.html')!.error).toContain(`host ${other.host} is outside the scope of site "test"`);
      expect(by('_3.html')).toMatchObject({ state: 'blocked', error_code: 'NB_FETCH_OUT_OF_SCOPE' });
      expect(by('_3.html')!.error).toContain(`${other.origin}/secret2.html`);
      // Only the redirect itself was requested from the portal; no document came from the other host.
      expect(portal.log.filter((p) => p === '/nb/202001/t20200120_3.html')).toHaveLength(1);
      const docs = db.prepare('SELECT url, final_url FROM documents').all() as { url: string; final_url: string }[];
      expect(docs.map((d) => d.final_url).filter((u) => u.startsWith(other.origin))).toEqual([]);
      expect(docs).toHaveLength(1);
      const errs = db.prepare('SELECT path, code, message FROM run_errors WHERE run_id = ? ORDER BY id').all(summary.runId) as Record<string, string>[];
      expect(
        errs
          .filter((e) => e.code === 'NB_FETCH_OUT_OF_SCOPE')
          .map((e) => e.path)
          .sort(),
      ).toEqual([`${other.origin}/secret.html`, `${portal.origin}/nb/202001/t20200120_3.html`].sort());
      const scheme = errs.filter((e) => e.code === 'NB_CRAWL_SCHEME').map((e) => e.message);
      expect(scheme).toHaveLength(2);
      expect(scheme[0]).toContain('file:///etc/passwd');
      expect(scheme[1]).toContain('ftp://ftp.example.gov.cn/nb/2017.pdf');
      const s = summary.sites[0]!;
      expect(s.blocked).toBe(2);
      expect(s.reasons).toMatchObject({
        'outside the crawl scope': 2,
        'file: link not followed': 1,
        'ftp: link not followed': 1,
        'javascript: link not followed': 1,
        'mailto: link not followed': 1,
        'data: link not followed': 1,
      });
    } finally {
      db.close();
    }
  });

  it("fetches from a host in the site's allowHosts", async () => {
    const { db, summary } = await run('allowed', site({ local: true, allowHosts: [other.host] }));
    try {
      expect(summary.status).toBe('ok');
      expect(other.log).toEqual(['/robots.txt', '/secret.html', '/secret2.html']);
      const blocked = db.prepare("SELECT count(*) AS n FROM frontier WHERE state = 'blocked'").get() as { n: number };
      expect(blocked.n).toBe(0);
    } finally {
      db.close();
      other.log.length = 0;
    }
  });

  it('refuses a site not marked local its loopback address: no request at all, the refusal recorded', async () => {
    const before = portal.log.length;
    const port = new URL(portal.origin).port;
    const { db, summary } = await run('private', site({}, `http://localhost:${port}/nb/index.html`));
    try {
      expect(portal.log.length).toBe(before);
      const row = db.prepare("SELECT state, error_code, error FROM frontier WHERE kind = 'entry'").get() as Record<string, string>;
      expect(row).toMatchObject({ state: 'blocked', error_code: 'NB_FETCH_PRIVATE_ADDRESS' });
      expect(row.error).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
      expect(summary.sites[0]!.reasons).toMatchObject({ 'private address': 1 });
      const errs = db.prepare('SELECT code FROM run_errors WHERE run_id = ?').all(summary.runId);
      expect(errs).toEqual([{ code: 'NB_FETCH_PRIVATE_ADDRESS' }]);
    } finally {
      db.close();
    }
  });
});
