import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BodyTooLargeError,
  ConnectionError,
  DecompressionError,
  FetchAbortedError,
  FetchOptionsError,
  FetchTimeoutError,
  HttpStatusError,
  InvalidUrlError,
  RedirectLoopError,
  TooManyRedirectsError,
  backoffDelay,
  createFetcher,
  decodeResponse,
  isRetryable,
  parseRetryAfter,
} from '../../src/fetch/index.js';
import type { Fetcher, FetcherOptions } from '../../src/fetch/index.js';
import { delay, startServer } from './server.js';
import type { TestServer } from './server.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  cleanup.push(() => s.close());
  return s;
}

function fetcher(options: FetcherOptions = {}): Fetcher {
  const f = createFetcher({ retryBaseDelayMs: 20, retryMaxDelayMs: 100, ...options });
  cleanup.push(() => f.close());
  return f;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('retries', () => {
  it('retries 503 and returns the success, counting attempts', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (++n <= 2) res.writeHead(503).end('busy');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const f = fetcher();
    const r = await f.fetch(s.url('/page'));
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('ok');
    expect(r.attempts).toBe(3);
    expect(s.hits('/page')).toHaveLength(3);
    expect(f.stats()).toMatchObject({ fetches: 1, requests: 3, retries: 2, statuses: { '200': 1 } });
  });

  it('does not retry 404 and returns it (or throws it with throwOnHttpError)', async () => {
    const s = await server((_req, res) => void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>'));
    const f = fetcher();
    const r = await f.fetch(s.url('/missing'));
    expect(r.status).toBe(404);
    expect(r.attempts).toBe(1);
    expect(r.body.toString()).toBe('<h1>404</h1>');
    expect(s.hits('/missing')).toHaveLength(1);

    const err = await rejection(f.fetch(s.url('/missing2'), { throwOnHttpError: true }));
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err).toMatchObject({ code: 'NB_FETCH_HTTP_STATUS', status: 404, retryable: false, attempts: 1 });
    expect(isRetryable(err)).toBe(false);
    expect(s.hits('/missing2')).toHaveLength(1);
  });

  it('gives up after maxRetries on a persistent 503', async () => {
    const s = await server((_req, res) => void res.writeHead(503).end());
    const f = fetcher({ maxRetries: 2, throwOnHttpError: true });
    const err = await rejection(f.fetch(s.url('/down')));
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err).toMatchObject({ status: 503, retryable: true, attempts: 3 });
    expect(s.hits('/down')).toHaveLength(3);
    const r = await f.fetch(s.url('/down2'), { throwOnHttpError: false, maxRetries: 0 });
    expect(r).toMatchObject({ status: 503, attempts: 1 });
  });

  it('honours Retry-After (seconds) before retrying', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (++n === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      else res.writeHead(200).end('ok');
    });
    const f = fetcher({ retryBaseDelayMs: 1 });
    const t0 = Date.now();
    const r = await f.fetch(s.url('/slow'));
    const elapsed = Date.now() - t0;
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(2);
    const [a, b] = s.log;
    expect(b!.start - a!.start).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(3000);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs', async () => {
    const s = await server((_req, res) => void res.writeHead(429, { 'retry-after': '3600' }).end());
    const f = fetcher({ maxRetryAfterMs: 5000 });
    const t0 = Date.now();
    const r = await f.fetch(s.url('/limited'));
    expect(r.status).toBe(429);
    expect(r.attempts).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('parses Retry-After as seconds or HTTP date, and backs off with full jitter', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(backoffDelay(0, 1000, 30_000, () => 0.999)).toBe(999);
    expect(backoffDelay(3, 1000, 30_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(10, 1000, 30_000, () => 0.5)).toBe(15_000);
    expect(backoffDelay(2, 1000, 30_000, () => 0)).toBe(0);
  });
});

describe('redirects', () => {
  it('follows a chain of relative and absolute Locations', async () => {
    const s = await server((req, res) => {
      const u = req.url!;
      if (u === '/a/start') res.writeHead(302, { location: 'next' }).end();
      else if (u === '/a/next') res.writeHead(301, { location: '/b/third?x=1#frag' }).end();
      else if (u === '/b/third?x=1') res.writeHead(307, { location: `http://${req.headers.host}/final` }).end();
      else if (u === '/final') res.writeHead(200).end('here');
      else res.writeHead(404).end();
    });
    const f = fetcher();
    const r = await f.fetch(s.url('/a/start#top'));
    expect(r.url).toBe(s.url('/a/start'));
    expect(r.finalUrl).toBe(s.url('/final'));
    expect(r.redirects).toEqual([s.url('/a/next'), s.url('/b/third?x=1'), s.url('/final')]);
    expect(r.body.toString()).toBe('here');
    expect(f.stats().redirects).toBe(3);
  });

  it('percent-encodes raw UTF-8 bytes of a Location header', async () => {
    const s = await server((req, res) => {
      if (req.url === '/old') {
        // a raw UTF-8 Location, as some servers send it
        res.writeHead(302, { location: Buffer.from('/年报/2023.html', 'utf8').toString('latin1') }).end();
      } else res.writeHead(200).end(decodeURIComponent(req.url!));
    });
    const r = await fetcher().fetch(s.url('/old'));
    expect(r.body.toString()).toBe('/年报/2023.html');
    expect(r.finalUrl).toBe(s.url('/%E5%B9%B4%E6%8A%A5/2023.html'));
  });

  it('detects a redirect loop', async () => {
    const s = await server((req, res) => {
      res.writeHead(302, { location: req.url === '/x' ? '/y' : '/x' }).end();
    });
    const err = await rejection(fetcher().fetch(s.url('/x')));
    expect(err).toBeInstanceOf(RedirectLoopError);
    expect(err).toMatchObject({ code: 'NB_FETCH_REDIRECT_LOOP', redirects: [s.url('/y'), s.url('/x')], retryable: false });
    expect(s.log).toHaveLength(2);
  });

  it('stops after maxRedirects', async () => {
    const s = await server((req, res) => {
      const n = Number(req.url!.split('/')[2]);
      res.writeHead(302, { location: `/n/${n + 1}` }).end();
    });
    const err = await rejection(fetcher({ maxRedirects: 3 }).fetch(s.url('/n/0')));
    expect(err).toBeInstanceOf(TooManyRedirectsError);
    expect((err as TooManyRedirectsError).redirects).toEqual(['/n/1', '/n/2', '/n/3', '/n/4'].map(s.url));
    expect(s.log.map((r) => r.path)).toEqual(['/n/0', '/n/1', '/n/2', '/n/3']);
  });

  it('drops cookies when a redirect leaves the origin', async () => {
    const b = await server((_req, res) => void res.writeHead(200).end('b'));
    const a = await server((_req, res) => void res.writeHead(302, { location: b.url('/landing') }).end());
    const r = await fetcher().fetch(a.url('/go'), { headers: { Cookie: 'sid=secret', 'X-Trace': '1' } });
    expect(r.body.toString()).toBe('b');
    expect(a.log[0]!.headers.cookie).toBe('sid=secret');
    expect(b.log[0]!.headers.cookie).toBeUndefined();
    expect(b.log[0]!.headers['x-trace']).toBe('1');
  });

  it('rejects non-http URLs and Locations', async () => {
    const f = fetcher();
    const err = await rejection(f.fetch('ftp://example.org/x'));
    expect(err).toBeInstanceOf(InvalidUrlError);
    expect(await rejection(f.fetch('not a url'))).toBeInstanceOf(InvalidUrlError);
    const s = await server((_req, res) => void res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    expect(await rejection(f.fetch(s.url('/')))).toMatchObject({ code: 'NB_FETCH_INVALID_URL' });
  });
});

describe('size cap', () => {
  it('aborts a 10 MB streamed body at a 1 MB cap without reading it all', async () => {
    const total = 10 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    const s = await server(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked, no length
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done).off('close', done);
              resolve();
            };
            res.on('drain', done).on('close', done);
          });
        }
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const f = fetcher({ maxBytes: 1024 * 1024 });
    const err = await rejection(f.fetch(s.url('/big')));
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err).toMatchObject({ code: 'NB_FETCH_TOO_LARGE', phase: 'raw', limit: 1024 * 1024, attempts: 1 });
    expect((err as BodyTooLargeError).received).toBeLessThanOrEqual(1024 * 1024 + chunk.length);
    for (let i = 0; i < 100 && s.log[0]!.end === undefined; i++) await delay(20);
    expect(s.log[0]!.finished).toBe(false); // the client hung up
    expect(written).toBeLessThan(total);
    expect(s.log).toHaveLength(1); // not retried
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      // never finishes: the client must not wait for the rest
    });
    const err = await rejection(fetcher({ maxBytes: 1024 * 1024 }).fetch(s.url('/declared')));
    expect(err).toMatchObject({ code: 'NB_FETCH_TOO_LARGE', phase: 'declared', received: 10 * 1024 * 1024 });
  });

  it('stops a gzip bomb by its decompressed size', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
    });
    const err = await rejection(fetcher({ maxBytes: 1024 * 1024 }).fetch(s.url('/bomb')));
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err).toMatchObject({ phase: 'decoded' });
    expect((err as BodyTooLargeError).received).toBeLessThan(2 * 1024 * 1024);
  });

  it('lets a single call raise the cap, or truncate', async () => {
    const body = Buffer.alloc(300 * 1024, 'x');
    const s = await server((_req, res) => void res.writeHead(200).end(body));
    const f = fetcher({ maxBytes: 100 * 1024 });
    expect(await rejection(f.fetch(s.url('/a')))).toBeInstanceOf(BodyTooLargeError);
    expect((await f.fetch(s.url('/b'), { maxBytes: 400 * 1024 })).body.length).toBe(body.length);
    const t = await f.fetch(s.url('/c'), { truncate: true });
    expect(t.truncated).toBe(true);
    expect(t.body.length).toBe(100 * 1024);
  });
});

describe('content-encoding', () => {
  const text = '2023年度政府信息公开工作年度报告 '.repeat(500);
  const raw = Buffer.from(text, 'utf8');
  const variants: [string, Buffer, string[]][] = [
    ['gzip', zlib.gzipSync(raw), ['gzip']],
    ['deflate', zlib.deflateSync(raw), ['deflate']],
    ['deflate', zlib.deflateRawSync(raw), ['deflate']], // raw deflate, as IIS and others send it
    ['br', zlib.brotliCompressSync(raw), ['br']],
    ['deflate, gzip', zlib.gzipSync(zlib.deflateSync(raw)), ['gzip', 'deflate']],
    ['identity', raw, []],
  ];
  it.each(variants.map((v, i) => [i, ...v] as const))('#%i decodes %s', async (_i, encoding, payload, undone) => {
    const s = await server((req, res) => {
      expect(req.headers['accept-encoding']).toBe('gzip, deflate'); // br is decoded all the same when sent unasked
      res.writeHead(200, { 'content-encoding': encoding, 'content-type': 'text/plain; charset=utf-8' }).end(payload);
    });
    const r = await fetcher().fetch(s.url('/z'));
    expect(r.body.equals(raw)).toBe(true);
    expect(r.rawBytes).toBe(payload.length);
    expect(r.decodedEncodings).toEqual(undone);
    expect(decodeResponse(r).text).toBe(text);
  });

  // Bodies of a few KB on the wire are decoded in one call, longer ones as they stream in (body.ts):
  // both give the same bytes, and both stop a bomb by its decoded size.
  const noise = randomBytes(300 * 1024); // does not compress: 300 KiB on the wire too
  const long: [string, Buffer][] = [
    ['gzip', zlib.gzipSync(noise)],
    ['br', zlib.brotliCompressSync(noise)],
    ['deflate', zlib.deflateRawSync(noise)],
  ];
  it.each(long)('decodes a %s body of more than 64 KiB on the wire, sent in pieces', async (encoding, payload) => {
    expect(payload.length).toBeGreaterThan(64 * 1024);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-encoding': encoding, 'content-type': 'application/octet-stream' });
      for (let i = 0; i < payload.length; i += 16 * 1024) res.write(payload.subarray(i, i + 16 * 1024));
      res.end();
    });
    const r = await fetcher().fetch(s.url('/long'));
    expect(r.body.equals(noise)).toBe(true);
    expect(r.rawBytes).toBe(payload.length);
    expect(r.decodedEncodings).toEqual([encoding]);
  });

  it('stops a br bomb of a few hundred bytes by its decompressed size', async () => {
    const bomb = zlib.brotliCompressSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(4 * 1024);
    const s = await server((_req, res) => void res.writeHead(200, { 'content-encoding': 'br' }).end(bomb));
    const err = await rejection(fetcher({ maxBytes: 1024 * 1024 }).fetch(s.url('/bomb')));
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err).toMatchObject({ phase: 'decoded', limit: 1024 * 1024 });
  });

  it('fails on corrupt or unsupported encodings', async () => {
    const s = await server((req, res) => {
      if (req.url === '/corrupt') res.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('this is not gzip at all'));
      else res.writeHead(200, { 'content-encoding': 'zstd' }).end('xx');
    });
    const f = fetcher();
    const a = await rejection(f.fetch(s.url('/corrupt')));
    expect(a).toBeInstanceOf(DecompressionError);
    expect(a).toMatchObject({ encoding: 'gzip', retryable: false });
    const b = await rejection(f.fetch(s.url('/zstd')));
    expect(b).toMatchObject({ code: 'NB_FETCH_DECOMPRESSION', encoding: 'zstd' });
    expect(s.log).toHaveLength(2);
  });
});

describe('timeouts and connection errors', () => {
  it('times out when the server stalls mid-body, after retrying once (not maxRetries times)', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100)); // then nothing
    });
    const t0 = Date.now();
    const err = await rejection(fetcher({ bodyTimeoutMs: 250, maxRetries: 2 }).fetch(s.url('/stall')));
    expect(err).toBeInstanceOf(FetchTimeoutError);
    expect(err).toMatchObject({ code: 'NB_FETCH_TIMEOUT', phase: 'body', retryable: true, attempts: 2 });
    expect(s.log).toHaveLength(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 250 - 30);
  });

  it('times out waiting for headers, and on the per-attempt deadline', async () => {
    const s = await server(async (req, res) => {
      if (req.url === '/no-headers') return; // never answers
      res.writeHead(200);
      for (let i = 0; i < 50 && !res.destroyed; i++) {
        res.write('.');
        await delay(50);
      }
      res.end();
    });
    // undici's header/body timers tick about once a second, so 200 ms fires after ~1 s.
    const f = fetcher({ headersTimeoutMs: 200, requestTimeoutMs: 5000, maxRetries: 0 });
    expect(await rejection(f.fetch(s.url('/no-headers')))).toMatchObject({ code: 'NB_FETCH_TIMEOUT', phase: 'headers' });
    const g = fetcher({ bodyTimeoutMs: 5000, requestTimeoutMs: 400, maxRetries: 0 });
    const t0 = Date.now();
    expect(await rejection(g.fetch(s.url('/dribble')))).toMatchObject({ code: 'NB_FETCH_TIMEOUT', phase: 'total' });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('retries a connection reset and succeeds', async () => {
    let n = 0;
    const s = await server((req, res) => {
      if (++n <= 2) req.socket.resetAndDestroy();
      else res.writeHead(200).end('after resets');
    });
    const r = await fetcher().fetch(s.url('/flaky'));
    expect(r.body.toString()).toBe('after resets');
    expect(r.attempts).toBe(3);
  });

  it('reports resets and refused connections as ConnectionError after retries', async () => {
    const s = await server((req) => void req.socket.resetAndDestroy());
    const f = fetcher({ maxRetries: 1 });
    const err = await rejection(f.fetch(s.url('/reset')));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: 'NB_FETCH_CONNECTION', retryable: true, attempts: 2 });
    expect(s.log).toHaveLength(2);

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const refused = await rejection(f.fetch(`http://127.0.0.1:${port}/`));
    expect(refused).toBeInstanceOf(ConnectionError);
    expect(refused).toMatchObject({ systemCode: 'ECONNREFUSED', attempts: 2 });
    expect(f.stats().errors).toEqual({ NB_FETCH_CONNECTION: 2 });
  });

  it('stops when the caller aborts', async () => {
    const s = await server(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await rejection(fetcher().fetch(s.url('/hang'), { signal: ac.signal }));
    expect(err).toBeInstanceOf(FetchAbortedError);
    expect(isRetryable(err)).toBe(false);
  });
});

describe('conditional requests and headers', () => {
  it('sends validators and reports 304 as notModified', async () => {
    const lastModified = 'Tue, 02 Jan 2024 03:04:05 GMT';
    let etag = '"v1"';
    const s = await server((req, res) => {
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      res.writeHead(200, { etag, 'last-modified': lastModified, 'content-type': 'text/html' }).end('<p>list</p>');
    });
    const f = fetcher();
    const first = await f.fetch(s.url('/list'));
    expect(first).toMatchObject({ status: 200, notModified: false, validators: { etag: '"v1"', lastModified } });
    const second = await f.fetch(s.url('/list'), { conditional: first.validators });
    expect(second).toMatchObject({ status: 304, notModified: true });
    expect(second.body.length).toBe(0);
    expect(s.log[1]!.headers['if-none-match']).toBe('"v1"');
    expect(s.log[1]!.headers['if-modified-since']).toBe(lastModified);
    etag = '"v2"';
    const third = await f.fetch(s.url('/list'), { conditional: first.validators });
    expect(third).toMatchObject({ status: 200, notModified: false, validators: { etag: '"v2"' } });
    expect(f.stats().notModified).toBe(1);
  });

  it('sends an honest User-Agent with the contact URL', async () => {
    const s = await server((_req, res) => void res.writeHead(200).end());
    const f = fetcher({ contactUrl: 'mailto:crawler@example.org' });
    expect(f.userAgent).toBe('nianbao/0.1.0 (+mailto:crawler@example.org)');
    await f.fetch(s.url('/'));
    expect(s.log[0]!.headers['user-agent']).toBe('nianbao/0.1.0 (+mailto:crawler@example.org)');
    expect(s.log[0]!.headers['accept-language']).toMatch(/^zh-CN/);
  });

  it('validates options with zod', () => {
    const bad = (o: unknown) => {
      try {
        createFetcher(o as FetcherOptions);
      } catch (err) {
        return err;
      }
      throw new Error('accepted');
    };
    const e = bad({ maxRetries: -1 });
    expect(e).toBeInstanceOf(FetchOptionsError);
    expect(String((e as Error).message)).toContain('maxRetries');
    expect(String((bad({ maxByte: 5 }) as Error).message)).toContain('maxByte');
  });
});

describe('decodeResponse', () => {
  it('hands bytes and Content-Type to the charset decoder (GBK page with only a meta charset)', async () => {
    const iconv = (await import('iconv-lite')).default;
    const html = '<html><head><meta charset="gb2312"><title>2023年政府信息公开工作年度报告</title></head><body>收到申请数</body></html>';
    const gbk = iconv.encode(html, 'gbk');
    const s = await server((req, res) => {
      if (req.url === '/gbk') res.writeHead(200, { 'content-type': 'text/html' }).end(gbk);
      else res.writeHead(200).end(gbk); // no Content-Type at all: sniffed as HTML from the bytes
    });
    const f = fetcher();
    for (const path of ['/gbk', '/untyped']) {
      const r = await f.fetch(s.url(path));
      expect(r.body.equals(gbk)).toBe(true); // the fetcher never decodes
      const d = decodeResponse(r);
      expect(d.text).toBe(html);
      expect(d.source).toBe('meta');
    }
  });
});
