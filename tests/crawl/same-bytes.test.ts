/**
 * One report posted by two sites (the city and the county both post it), crawled at the same
 * moment (real HTTP on 127.0.0.1): both sites look the bytes up before either has stored them, so
 * the second store must find the first one's document instead of inserting a duplicate — one
 * document, two locations, no error. The servers hold the report back until both sites asked for
 * it, so both look-ups come before either parse ends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { validateRegistry } from '../../src/sites/registry.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, tempDir } from './helpers.js';

const REPORT = readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html'));
const LIST = Buffer.from(
  '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
    '<li><a href="/nb/202202/t20220208_1.html">平潭综合实验区2021年度政府信息公开工作年度报告</a><span>2022-02-08</span></li></ul>' +
    '<script>createPageHTML(1, 0, "index", "html");</script></body></html>',
);

/** Two servers with the same files; each holds the report until both have been asked for it. */
async function twinServers(): Promise<{ origins: string[]; asked: () => number; close: () => Promise<void> }> {
  const waiting: (() => void)[] = [];
  let asked = 0;
  const servers = [0, 1].map(() =>
    http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/nb/index.html') return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(LIST);
      if (path !== '/nb/202202/t20220208_1.html') return void res.writeHead(404).end('not found');
      asked++;
      waiting.push(() => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(REPORT));
      // Both asked (or, should one site not ask, after 5 s): answer everyone waiting.
      if (waiting.length === 2) waiting.splice(0).forEach((answer) => answer());
      else setTimeout(() => waiting.splice(0).forEach((answer) => answer()), 5000).unref();
    }),
  );
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
  return {
    origins: servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`),
    asked: () => asked,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

describe('one report posted by two sites, crawled at once', () => {
  const tmp = tempDir();
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await close?.();
    tmp.cleanup();
  });

  it('is stored once, with both places, and no page fails', async () => {
    const twins = await twinServers();
    close = twins.close;
    const site = (name: string, origin: string, agency: string) => ({
      name,
      agency,
      region: { province: '演示省', county: name },
      level: 'county' as const,
      entries: [`${origin}/nb/index.html`],
      adapter: 'trs-classic' as const,
      local: true,
    });
    const registry = validateRegistry({
      version: 1,
      sites: [site('city', twins.origins[0]!, '演示市人民政府'), site('county', twins.origins[1]!, '演示县人民政府')],
    });
    const dbFile = join(tmp.dir, 'twins.db');
    const db = openDatabase(dbFile);
    try {
      const summary = await crawl(
        { db, registry },
        { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, siteConcurrency: 2, browser: { enabled: false } },
      );
      expect(twins.asked()).toBe(2);
      const errors = db.prepare('SELECT code FROM run_errors').all() as { code: string }[];
      expect(errors).toEqual([]);
      expect(summary.sites.map((s) => s.errors)).toEqual([0, 0]);
      expect(db.prepare('SELECT count(*) AS n FROM documents').get()).toEqual({ n: 1 });
      expect(db.prepare('SELECT count(*) AS n FROM reports').get()).toEqual({ n: 1 });
      const places = (db.prepare('SELECT site, place FROM document_locations ORDER BY site').all() as { site: string; place: string }[]).map((l) => [
        l.site,
        l.place.startsWith(twins.origins[l.site === 'city' ? 0 : 1]!),
      ]);
      expect(places).toEqual([
        ['city', true],
        ['county', true],
      ]);
      const failed = db.prepare("SELECT count(*) AS n FROM frontier WHERE state = 'failed'").get();
      expect(failed).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
