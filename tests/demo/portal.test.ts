import http from 'node:http';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import mammoth from 'mammoth';
import * as cheerio from 'cheerio';
import robotsParser from 'robots-parser';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { projectRoot } from '../../src/demo/corpus.js';
import { detectChallenge } from '../../parsers/sites/index.js';
import { fetchText, walkSite } from './walk.js';

type RobotsFactory = (url: string, contents: string) => { isAllowed(url: string, ua?: string): boolean | undefined };
const makeRobots = robotsParser as unknown as RobotsFactory;
const ROOT = projectRoot();

/** A raw GET (no automatic decompression, custom headers). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function corpusTables(name: string): string[][] {
  const $ = cheerio.load(readFileSync(join(ROOT, 'snapshots', 'corpus', `${name}.html`), 'utf8'));
  return $('table')
    .toArray()
    .map((t) =>
      $(t)
        .find('td')
        .toArray()
        .map((td) => $(td).text().replace(/\s+/g, '')),
    );
}

let portal: DemoPortal;
beforeAll(async () => {
  portal = await startDemoPortal({ faults: { flaky: false } });
});
afterAll(async () => {
  await portal.close();
});

describe('demo portal: sites and expected reports', () => {
  it('runs every family on its own 127.0.0.1 origin', () => {
    const names = portal.sites.map((s) => s.name);
    expect(names).toEqual(['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'spa', 'docx', 'flaky', 'robots', 'jsl']);
    const origins = new Set(portal.sites.map((s) => s.origin));
    expect(origins.size).toBe(names.length);
    for (const s of portal.sites) expect(s.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves every entry page (the challenge site answers 521)', async () => {
    for (const s of portal.sites) {
      const r = await fetchText(s.entry);
      expect(r.status, s.name).toBe(s.name === 'jsl' ? 521 : 200);
      expect(r.headers.get('content-type'), s.name).toMatch(/^text\/html/);
    }
  });

  it('serves every expected report, with its values taken from a corpus report', async () => {
    const all = portal.expectedReports();
    expect(all.length).toBe(33);
    for (const e of all) {
      if (e.site === 'jsl') continue; // behind the challenge, see below
      const r = await fetchText(e.url);
      expect(r.status, e.url).toBe(200);
      const corpus = JSON.parse(readFileSync(join(ROOT, 'snapshots', 'corpus', `${e.source}.expected.json`), 'utf8')) as { year: number; title: string };
      expect(e.year).toBe(corpus.year);
      if (e.format === 'html') {
        expect(r.text).toContain(e.title);
        expect(r.text).toContain('<table');
      }
      if (e.site !== 'fj') {
        expect(e.title).toBe(corpus.title.replace('平潭综合实验区', e.agency));
        if (e.format === 'html') expect(r.text).not.toContain('平潭');
      } else expect(e.title).toBe(corpus.title);
    }
  });

  it('answers 404 for the listed reports missing from the snapshot', async () => {
    const fj = portal.sites.find((s) => s.name === 'fj')!;
    expect(fj.missing.map((m) => new URL(m.url).pathname.split('/')[4])).toEqual(['202503', '202302', '202103', '201901']);
    for (const m of fj.missing) expect((await fetchText(m.url)).status).toBe(404);
  });

  it('gives a validated registry whose entries are the sites', () => {
    const reg = portal.registry();
    expect(reg.sites.map((s) => s.entries[0])).toEqual(portal.sites.map((s) => s.entry));
    expect(reg.sites.find((s) => s.name === 'hanweb')!.adapter).toBe('hanweb');
  });

  it('has a hub page and /sites.json', async () => {
    const hub = await fetchText(`${portal.origin}/`);
    for (const s of portal.sites) expect(hub.text).toContain(s.entry);
    const reg = JSON.parse((await fetchText(`${portal.origin}/sites.json`)).text) as { sites: unknown[] };
    expect(reg.sites).toHaveLength(portal.sites.length);
  });
});

describe('demo portal: encodings, caching, compression', () => {
  it('serves the GBK site as real GBK bytes with only a meta charset', async () => {
    const gbk = portal.sites.find((s) => s.name === 'gbk')!;
    const e = gbk.expected[0]!;
    const r = await rawGet(e.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(r.body)).toThrow();
    const text = iconv.decode(r.body, 'gbk');
    expect(text).toContain(e.title);
    expect(text).toMatch(/<meta http-equiv="Content-Type" content="text\/html; charset=gbk"/);
    expect(text).not.toMatch(/charset="?utf-8/i);
    expect(Buffer.compare(iconv.encode(text, 'gbk'), r.body)).toBe(0);
    const home = await rawGet(gbk.entry);
    expect(iconv.decode(home.body, 'gbk')).toContain('charset=gb2312');
    expect(home.body.includes(Buffer.from('政府信息公开年报', 'utf8'))).toBe(false);
    expect(home.body.includes(iconv.encode('政府信息公开年报', 'gbk'))).toBe(true);
  });

  it('answers conditional requests with 304 on pages, never on the JSON API', async () => {
    const trs = portal.sites.find((s) => s.name === 'trs')!;
    const first = await rawGet(trs.entry);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect((await rawGet(trs.entry, { 'if-none-match': etag })).status).toBe(304);
    expect((await rawGet(trs.entry, { 'if-modified-since': first.headers['last-modified']! })).status).toBe(304);
    expect((await rawGet(trs.entry, { 'if-none-match': '"other"' })).status).toBe(200);
    const fj = portal.sites.find((s) => s.name === 'fj')!;
    const api = await rawGet(`${fj.origin}/fjdzapp/search?channelid=200210&page=1&prepage=10`);
    expect(api.headers.etag).toBeUndefined();
    expect(JSON.parse(api.body.toString()).data).toHaveLength(10);
  });

  it('compresses with gzip when asked', async () => {
    const trs = portal.sites.find((s) => s.name === 'trs')!;
    const plain = await rawGet(trs.entry);
    const gz = await rawGet(trs.entry, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
  });

  it('serves the DOCX attachment, which mammoth reads back into the corpus tables', async () => {
    const docx = portal.sites.find((s) => s.name === 'docx')!;
    const e = docx.expected.find((x) => x.format === 'docx')!;
    const r = await rawGet(e.documentUrl);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(r.body.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))).toBe(true);
    const star = /filename\*=UTF-8''([^;]+)/.exec(String(r.headers['content-disposition']))![1]!;
    expect(decodeURIComponent(star)).toBe(`${e.title}.docx`);
    const html = (await mammoth.convertToHtml({ buffer: r.body })).value;
    expect(html).toContain(e.title);
    const $ = cheerio.load(html);
    const tables = $('table')
      .toArray()
      .map((t) =>
        $(t)
          .find('td')
          .toArray()
          .map((td) => $(td).text().replace(/\s+/g, '')),
      );
    expect(tables).toEqual(corpusTables(e.source));
    expect($('td[rowspan]').length).toBeGreaterThan(0);
  });
});

describe('demo portal: politeness fixtures', () => {
  it('serves robots.txt per origin; the disallowed report sits under it', async () => {
    const robots = portal.sites.find((s) => s.name === 'robots')!;
    const r = await fetchText(`${robots.origin}/robots.txt`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('Disallow: /old/');
    const parsed = makeRobots(`${robots.origin}/robots.txt`, r.text);
    for (const d of robots.disallowed) expect(parsed.isAllowed(d.url, 'nianbao')).toBe(false);
    for (const e of robots.expected) expect(parsed.isAllowed(e.url, 'nianbao')).toBe(true);
    const hanweb = portal.sites.find((s) => s.name === 'hanweb')!;
    expect((await fetchText(`${hanweb.origin}/robots.txt`)).status).toBe(404);
  });

  it('logs every request and counts concurrent requests per host', async () => {
    const p = await startDemoPortal({ sites: ['trs', 'vsb'], latencyMs: 150 });
    try {
      const trs = p.sites[0]!;
      const vsb = p.sites[1]!;
      await Promise.all([trs.entry, trs.expected[0]!.url, trs.expected[1]!.url].map((u) => fetchText(u)));
      for (const e of vsb.expected.slice(0, 2)) await fetchText(e.url);
      const trsHost = new URL(trs.origin).host;
      const vsbHost = new URL(vsb.origin).host;
      expect(p.concurrencyByHost.get(trsHost)).toMatchObject({ max: 3, current: 0, requests: 3 });
      expect(p.concurrencyByHost.get(vsbHost)).toMatchObject({ max: 1, current: 0, requests: 2 });
      expect(p.concurrencyByHost.get(trsHost)!.maxConnections).toBeGreaterThanOrEqual(1);
      const log = p.requestLog.filter((e) => e.site === 'vsb');
      expect(log.map((e) => [e.method, e.path, e.host, e.status])).toEqual(vsb.expected.slice(0, 2).map((e) => ['GET', new URL(e.url).pathname, vsbHost, 200]));
      expect(log.every((e) => e.ms >= 140 && e.time > 0 && e.bytes > 0 && e.userAgent === 'nianbao-test-walker')).toBe(true);
      p.resetLog();
      expect(p.requestLog).toEqual([]);
      expect(p.concurrencyByHost.get(trsHost)!.max).toBe(0);
    } finally {
      await p.close();
    }
  });

  it('flaky site: 503 with Retry-After twice, a stalled response, a 503, then OK', async () => {
    const p = await startDemoPortal({ sites: ['flaky'], faults: { stallMs: 200 } });
    try {
      const site = p.sites[0]!;
      const a = await rawGet(site.entry);
      expect([a.status, a.headers['retry-after']]).toEqual([503, '1']);
      const b = await rawGet(site.entry);
      expect(b.status).toBe(503);
      expect((await rawGet(site.entry)).status).toBe(200);
      const [r2023, r2021] = site.expected;
      const t0 = Date.now();
      await expect(rawGet(r2023!.url)).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect((await rawGet(r2023!.url)).status).toBe(200);
      expect((await rawGet(r2021!.url)).status).toBe(503);
      expect((await rawGet(r2021!.url)).status).toBe(200);
      expect(p.requestLog.map((e) => e.fault ?? String(e.status))).toEqual(['503', '503', '200', 'stall', '200', '503', '200']);
    } finally {
      await p.close();
    }
  });

  it('extra fault rules apply to any path (reset, status)', async () => {
    const p = await startDemoPortal({
      sites: ['vsb'],
      faults: { rules: [{ site: 'vsb', path: '/xxgk/xxgknb.htm', steps: [{ reset: true }, { status: 429, retryAfter: 2 }] }] },
    });
    try {
      const entry = p.sites[0]!.entry;
      await expect(rawGet(entry)).rejects.toThrow();
      const r = await rawGet(entry);
      expect([r.status, r.headers['retry-after']]).toEqual([429, '2']);
      expect((await rawGet(entry)).status).toBe(200);
    } finally {
      await p.close();
    }
  });
});

describe('demo portal: the challenge site', () => {
  it('answers 521 until the script-computed cookie is sent, then serves plain HTTP', async () => {
    const jsl = portal.sites.find((s) => s.name === 'jsl')!;
    const first = await fetchText(jsl.entry);
    expect(first.status).toBe(521);
    expect(detectChallenge(first.status, first.text)?.kind).toBe('jsl');
    expect((await fetchText(jsl.entry, { cookie: '__jsl_clearance_s=guess' })).status).toBe(521);
    // Run the page's script as a browser would, to obtain the cookie.
    const script = /<script>([\s\S]*?)<\/script>/.exec(first.text)![1]!;
    const sandbox = { document: { cookie: '' }, location: { pathname: '/xxgk/nb/index.html', search: '', href: '' } };
    vm.runInNewContext(script, sandbox);
    const cookie = sandbox.document.cookie.split(';')[0]!;
    expect(cookie).toMatch(/^__jsl_clearance_s=[0-9a-f]{24}$/);
    const ok = await fetchText(jsl.entry, { cookie });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(jsl.expected[0]!.title);
    expect((await fetchText(jsl.expected[0]!.url, { cookie })).status).toBe(200);
    expect((await fetchText(`${jsl.origin}/robots.txt`)).status).toBe(200);
  });
});

describe('adapters against the demo portal over HTTP', () => {
  it.each(['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'robots'])('%s: discovery finds exactly the listed reports', async (name) => {
    const site = portal.sites.find((s) => s.name === name)!;
    const w = await walkSite(site.entry, site.adapter);
    const expected = [...site.expected.map((e) => e.url), ...site.missing.map((m) => m.url), ...site.disallowed.map((d) => d.url)].sort();
    expect([...w.reports.keys()].sort()).toEqual(expected);
    for (const e of site.expected) expect(w.reports.get(e.url)?.year).toBe(e.year);
    expect(w.needsBrowser).toEqual([]);
    expect(w.challenges).toEqual([]);
    expect(w.robotsBlocked.sort()).toEqual(site.disallowed.map((d) => d.url).sort());
    for (const e of site.expected.filter((x) => x.format === 'docx')) {
      expect(w.attachments.get(e.url)?.map((a) => a.url)).toEqual([e.documentUrl]);
    }
  });

  it('fingerprinting the entry pages picks the registered adapter', async () => {
    for (const name of ['fj', 'trs', 'hanweb', 'vsb']) {
      const site = portal.sites.find((s) => s.name === name)!;
      const w = await walkSite(site.entry, undefined, { maxPages: 1 });
      expect(w.adapter, name).toBe(site.adapter);
    }
  });

  it('spa: no links over plain HTTP, and the reason to use the browser', async () => {
    const site = portal.sites.find((s) => s.name === 'spa')!;
    const w = await walkSite(site.entry, site.adapter);
    expect(w.reports.size).toBe(0);
    expect(w.needsBrowser[0]).toMatch(/#nbList.*data request/);
    expect(site.needsBrowser).toBeDefined();
  });

  it('jsl: plain HTTP meets the challenge', async () => {
    const site = portal.sites.find((s) => s.name === 'jsl')!;
    const w = await walkSite(site.entry, site.adapter);
    expect(w.challenges.map((c) => c.kind)).toEqual(['jsl']);
    expect(w.reports.size).toBe(0);
  });
});
