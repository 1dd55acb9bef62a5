/**
 * A portal whose TLS certificate cannot be verified (self-signed here; expired or with an
 * incomplete chain in the wild): crawled only with the registry's `overrides.tls: "insecure"`,
 * which the run announces as a warning; without it the entry page fails with NB_FETCH_TLS and the
 * crawl goes on.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type CrawlEvent } from '../../src/crawl/crawler.js';
import { validateRegistry } from '../../src/sites/registry.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, tempDir } from './helpers.js';

const FIXTURES = join(ROOT, 'tests', 'fetch', 'fixtures');
const REPORT = readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html'));
const TITLE = '测试县2021年度政府信息公开工作年度报告';

describe('overrides.tls', () => {
  const tmp = tempDir();
  let server: https.Server;
  let entry: string;

  beforeAll(async () => {
    server = https.createServer({ key: readFileSync(join(FIXTURES, 'self-signed.key')), cert: readFileSync(join(FIXTURES, 'self-signed.crt')) }, (req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      if (path === '/nb/index.html') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(
          `<html><head><meta charset="utf-8"></head><body><ul class="list"><li><a href="/nb/202202/t20220208_1.html">${TITLE}</a><span>2022-02-08</span></li></ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>`,
        );
        return;
      }
      if (path === '/nb/202202/t20220208_1.html') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(REPORT);
        return;
      }
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    entry = `https://127.0.0.1:${(server.address() as AddressInfo).port}/nb/index.html`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  const run = async (label: string, tls?: 'insecure' | 'strict') => {
    const registry = validateRegistry({
      version: 1,
      sites: [
        {
          name: 'selfsigned',
          agency: '测试县人民政府',
          region: { province: '演示省', county: '测试县' },
          level: 'county',
          entries: [entry],
          adapter: 'trs-classic',
          local: true,
          ...(tls ? { overrides: { tls } } : {}),
        },
      ],
    });
    const dbFile = join(tmp.dir, `${label}.db`);
    const db = openDatabase(dbFile);
    const events: CrawlEvent[] = [];
    try {
      const summary = await crawl(
        { db, registry, onEvent: (e) => events.push(e) },
        { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, ignoreRobots: true, fetch: { maxRetries: 0 }, browser: { enabled: false } },
      );
      const reports = db.prepare('SELECT d.url, r.status FROM reports r JOIN documents d ON d.id = r.document_id').all();
      const failures = db.prepare("SELECT url, error_code FROM frontier WHERE state = 'failed'").all();
      return { summary, events, reports, failures };
    } finally {
      db.close();
    }
  };

  it('verifies certificates by default: the entry page fails with NB_FETCH_TLS, the run itself is ok', async () => {
    const r = await run('strict');
    expect(r.summary.status).toBe('ok');
    expect(r.reports).toEqual([]);
    expect(r.failures).toEqual([{ url: entry, error_code: 'NB_FETCH_TLS' }]);
    expect(r.events.some((e) => e.type === 'warning' && 'code' in e && e.code === 'NB_CRAWL_TLS_INSECURE')).toBe(false);
  });

  it('crawls the site with overrides.tls "insecure", and says so in a warning', async () => {
    const r = await run('insecure', 'insecure');
    expect(r.reports).toEqual([{ url: entry.replace('index.html', '202202/t20220208_1.html'), status: 'ok' }]);
    expect(r.failures).toEqual([]);
    const warning = r.events.find((e) => e.type === 'warning' && 'code' in e && e.code === 'NB_CRAWL_TLS_INSECURE');
    expect(warning && 'message' in warning ? warning.message : '').toContain('is not verified');
  });
});
