import { afterEach, describe, expect, it } from 'vitest';
import { FetchOptionsError, createPoliteFetcher } from '../../src/fetch/index.js';
import type { PoliteFetcher, PoliteFetcherOptions } from '../../src/fetch/index.js';
import { delay, startServer } from './server.js';
import type { Handler, TestServer } from './server.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function server(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  cleanup.push(() => s.close());
  return s;
}

function polite(options: PoliteFetcherOptions = {}): PoliteFetcher {
  const f = createPoliteFetcher({
    ignoreRobots: true,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    ...options,
    politeness: { minIntervalMs: 0, jitterRatio: 0, ...options.politeness },
  });
  cleanup.push(() => f.close());
  return f;
}

const slow =
  (ms: number): Handler =>
  async (req, res) => {
    await delay(ms);
    res.writeHead(200).end(req.url);
  };

const gaps = (s: TestServer) => s.log.slice(1).map((r, i) => r.start - s.log[i]!.start);

describe('per-host politeness', () => {
  it('sends one request at a time to a host by default', async () => {
    const s = await server(slow(80));
    const f = polite();
    const t0 = Date.now();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => f.fetch(s.url(`/p${i}`))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(s.maxActive).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5 * 80 - 20);
    expect(f.stats().hosts[s.host]).toMatchObject({ requests: 5, maxInFlight: 1, concurrency: 1, statuses: { '200': 5 } });
  });

  it('per-host overrides raise the concurrency of one host only', async () => {
    const a = await server(slow(100));
    const b = await server(slow(100));
    const f = polite({ politeness: { hosts: { [a.host]: { concurrency: 3 } } } });
    await Promise.all([1, 2, 3, 4, 5, 6].flatMap((i) => [f.fetch(a.url(`/a${i}`)), f.fetch(b.url(`/b${i}`))]));
    expect(a.maxActive).toBe(3);
    expect(b.maxActive).toBe(1);
    f.setHostPolicy(b.host, { concurrency: 2 });
    await Promise.all([1, 2, 3, 4].map((i) => f.fetch(b.url(`/c${i}`))));
    expect(b.maxActive).toBe(2);
  });

  it('spaces request starts to one host by the interval while two hosts proceed in parallel', async () => {
    const a = await server(slow(10));
    const b = await server(slow(10));
    const f = polite({ politeness: { minIntervalMs: 200 } });
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4].flatMap((i) => [f.fetch(a.url(`/a${i}`)), f.fetch(b.url(`/b${i}`))]));
    const elapsed = Date.now() - t0;
    // The fetcher spaces the starts it sends; the server sees a request later by the connection's
    // set-up and by the time this process (client and server both) waited for a core, so an
    // observed gap can be that much shorter: 61 ms short of 200 was seen at load 13 on two cores.
    // Half the interval, as tests/coordinator/shared-crawl.test.ts allows; unspaced requests to a
    // host would arrive ~10 ms apart (the response time). The full 3 intervals are checked on the
    // caller's side below, where no arrival delay can shorten them.
    for (const g of [...gaps(a), ...gaps(b)]) expect(g).toBeGreaterThanOrEqual(200 / 2);
    // parallel: b's first request does not wait for a's queue
    expect(b.log[0]!.start).toBeLessThan(a.log[1]!.start);
    // Serial (one queue for both hosts) would take ≥ 7 intervals; 4 requests per host in parallel
    // take 3 (≈ 650 ms), the rest is room for a loaded CI.
    expect(elapsed).toBeLessThan(7 * 200);
    expect(elapsed).toBeGreaterThanOrEqual(3 * 200 - 10);
  });

  it('bounds the requests in flight over all hosts', async () => {
    let active = 0;
    let maxActive = 0;
    const counting: Handler = async (_req, res) => {
      maxActive = Math.max(maxActive, ++active);
      await delay(60);
      active--;
      res.writeHead(200).end();
    };
    const servers = await Promise.all([1, 2, 3, 4].map(() => server(counting)));
    const f = polite({ politeness: { globalConcurrency: 2 } });
    await Promise.all(servers.flatMap((s) => [f.fetch(s.url('/1')), f.fetch(s.url('/2'))]));
    expect(maxActive).toBe(2);
    expect(f.stats().maxInFlight).toBe(2);
  });

  it('429 with Retry-After blocks the host, doubles its delay, and successes restore it slowly', async () => {
    const s = await server((req, res) => {
      if (req.url === '/limited') return void res.writeHead(429, { 'retry-after': '1' }).end();
      res.writeHead(200).end('ok');
    });
    const f = polite({ maxRetries: 0, politeness: { minIntervalMs: 100, recoveryFactor: 0.5 } });
    const r = await f.fetch(s.url('/limited'));
    expect(r.status).toBe(429);
    const host = f.stats().hosts[s.host]!;
    expect(host.throttled).toBe(1);
    expect(host.delayMs).toBe(1000); // max(2 × 100, 1 s)
    expect(host.blockedUntil).toBeDefined();

    // The host's delay after each success: halved each time; within 50 ms of the 100 ms floor
    // (125) it is back at the floor.
    const delays: number[] = [];
    for (const p of ['/ok1', '/ok2', '/ok3', '/ok4']) {
      await f.fetch(s.url(p));
      delays.push(f.stats().hosts[s.host]!.delayMs);
    }
    expect(delays).toEqual([500, 250, 100, 100]);
    const [limited, ok1, ok2, ok3, ok4] = s.log.map((e) => e.start);
    // The server stamps a request when it arrives: late by a new connection's set-up (the idle
    // keep-alive one closed during the 1 s block) and by the time this process (client and server
    // both) waited for a core, so a gap can look shorter than the delay the fetcher kept: 488 ms
    // for 500 was seen on CI, 61 ms short of a 200 ms interval at load 13. Each gap is held to half
    // its delay, as tests/coordinator/shared-crawl.test.ts does; the delays themselves are checked
    // exactly above. A host not slowed down would be asked every 100 ms, under 250 and 125.
    expect(ok1! - limited!).toBeGreaterThanOrEqual(990); // Retry-After: 1 (the block starts when the 429 is read, after it arrived)
    expect(ok2! - ok1!).toBeGreaterThanOrEqual(500 / 2);
    expect(ok3! - ok2!).toBeGreaterThanOrEqual(250 / 2);
    expect(ok4! - ok3!).toBeGreaterThanOrEqual(100 / 2);
    // The recovery is real, not only in the stats: a host kept at its slowed-down 1 s delay would
    // take ≥ 2 s from /ok2 to /ok4 (≈ 350 ms expected; the rest is room for a loaded CI, where a
    // single gap ~300 ms over its delay was seen at load 13).
    expect(ok4! - ok2!).toBeLessThan(2 * 1000);
  });

  it('a 503 with Retry-After is retried after the wait and counted per host', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (++n === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      else res.writeHead(200).end('ok');
    });
    const f = polite({ maxRetries: 2 });
    const t0 = Date.now();
    const r = await f.fetch(s.url('/x'), { kind: 'list' });
    expect(r).toMatchObject({ status: 200, attempts: 2 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    const stats = f.stats();
    expect(stats.retries).toBe(1);
    expect(stats.byKind['list']).toMatchObject({ fetches: 1 });
    expect(stats.hosts[s.host]).toMatchObject({ requests: 2, retries: 1, throttled: 1, statuses: { '503': 1, '200': 1 }, bytes: 2 });
  });

  it('sends per-host headers (cookies from a browser session)', async () => {
    const s = await server((_req, res) => void res.writeHead(200).end());
    const f = polite();
    f.setHostHeaders(s.host, { Cookie: '__jsl_clearance=abc' });
    await f.fetch(s.url('/1'));
    f.setHostHeaders(s.host, undefined);
    await f.fetch(s.url('/2'));
    expect(s.log.map((e) => e.headers.cookie)).toEqual(['__jsl_clearance=abc', undefined]);
  });

  it('validates options', () => {
    expect(() => createPoliteFetcher({ politeness: { perHostConcurrency: 0 } })).toThrow(FetchOptionsError);
    expect(() => createPoliteFetcher({ politeness: { hosts: { x: { intervalMs: -1 } } } })).toThrow(/intervalMs/);
    expect(() => createPoliteFetcher({ bogus: 1 } as PoliteFetcherOptions)).toThrow(/bogus/);
    expect(() => createPoliteFetcher({ robots: { ttlMs: 'long' } } as unknown as PoliteFetcherOptions)).toThrow(/ttlMs/);
  });
});
