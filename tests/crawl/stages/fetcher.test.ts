/**
 * The fetch stage against a server on 127.0.0.1: rows asked with their validators (304), POST
 * rows of list APIs with the headers that passed a host's challenge, the site's scope enforced
 * before anything is sent, each request counted for the site.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrawlOptionsSchema } from '../../../src/crawl/options.js';
import type { FrontierRow } from '../../../src/crawl/stages/contracts.js';
import { HttpPageFetcher } from '../../../src/crawl/stages/fetcher.js';
import { SiteRun } from '../../../src/crawl/stages/site-run.js';
import { OutOfScopeError } from '../../../src/fetch/scope.js';
import { testSiteRegistry } from '../helpers.js';

const seen: { method: string; path: string; ifNoneMatch?: string; cookie?: string; acceptEncoding?: string; body: string }[] = [];
const GZ_JSON = gzipSync('{"rows":["年报"]}');
let server: http.Server;
let origin: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({
        method: req.method ?? '',
        path,
        ifNoneMatch: req.headers['if-none-match'],
        cookie: req.headers.cookie,
        acceptEncoding: req.headers['accept-encoding'],
        body,
      });
      if (path === '/robots.txt') return void res.writeHead(404).end();
      if (path === '/nb/index.html') {
        if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { ETag: '"v1"' }).end();
        return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ETag: '"v1"' }).end('<html><body>年报</body></html>');
      }
      if (path === '/api/list' && req.method === 'POST') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"rows":[]}');
      if (path === '/api/gz' && req.method === 'POST')
        return void res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip' }).end(GZ_JSON);
      res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function row(url: string, o: Partial<FrontierRow> = {}): FrontierRow {
  return {
    id: 1,
    key: url,
    url,
    method: 'GET',
    body: null,
    request: null,
    site: 'test',
    kind: 'entry',
    prio: 0,
    state: 'queued',
    attempts: 0,
    next_attempt_at: null,
    depth: 0,
    parent: null,
    title: null,
    year: null,
    role: null,
    meta: null,
    etag: null,
    last_modified: null,
    sha256: null,
    last_status: null,
    error_code: null,
    error: null,
    fetch_mode: null,
    document_id: null,
    discovered_at: new Date().toISOString(),
    fetched_at: null,
    run_id: null,
    ...o,
  };
}

describe('HttpPageFetcher', () => {
  it('fetches a row, then asks with its validators and gets a 304; counts each request for the site', async () => {
    const site = testSiteRegistry(origin).sites[0]!;
    const o = CrawlOptionsSchema.parse({ snapshotsDir: '/nonexistent', intervalMs: 0, jitterRatio: 0 });
    const fetcher = new HttpPageFetcher(o, [site], undefined);
    const r = new SiteRun(site);
    try {
      const first = await fetcher.fetchRow(r.fetchSite, row(site.entries[0]!), { conditional: true });
      expect(first.res.status).toBe(200);
      expect(first.text).toContain('年报');
      expect(first.res.validators.etag).toBe('"v1"');
      const again = await fetcher.fetchRow(r.fetchSite, row(site.entries[0]!, { etag: '"v1"' }), { conditional: true });
      expect(again.res.notModified).toBe(true);
      // Without `conditional`, the validators are not sent.
      const plain = await fetcher.fetchRow(r.fetchSite, row(site.entries[0]!, { etag: '"v1"' }), { conditional: false });
      expect(plain.res.status).toBe(200);
      expect(seen.filter((s) => s.path === '/nb/index.html').map((s) => s.ifNoneMatch ?? null)).toEqual([null, '"v1"', null]);
      expect(r.summary.requests).toBe(3);

      // A POST row carries the cookies that passed the host's challenge.
      fetcher.setHostHeaders(new URL(origin).host, { cookie: 'jsl=ok', 'user-agent': 'browser' });
      const api = await fetcher.fetchRow(r.fetchSite, row(`${origin}/api/list`, { method: 'POST', body: 'page=2', kind: 'api' }), { conditional: false });
      expect(api.text).toBe('{"rows":[]}');
      expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/api/list', cookie: 'jsl=ok', body: 'page=2' });

      // A gzip answer to a POST is decoded, and kept as it came for its snapshot; no br is asked for.
      const gz = await fetcher.fetchRow(r.fetchSite, row(`${origin}/api/gz`, { method: 'POST', body: 'page=1', kind: 'api' }), { conditional: false });
      expect(gz.text).toBe('{"rows":["年报"]}');
      expect(gz.res.gzip?.equals(GZ_JSON)).toBe(true);
      expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/api/gz', acceptEncoding: 'gzip, deflate' });
      expect(api.res.gzip).toBeUndefined();

      // Outside the site's scope: refused before anything is sent.
      const before = seen.length;
      await expect(fetcher.fetchRow(r.fetchSite, row('http://elsewhere.example/nb/x.html'), { conditional: false })).rejects.toBeInstanceOf(OutOfScopeError);
      expect(seen.length).toBe(before);
    } finally {
      await fetcher.close(false);
    }
  });
});
