/**
 * The fetcher's scope and deadlines against real servers on 127.0.0.1: private addresses refused
 * (IP literals and names resolved in the connection's lookup), redirects checked hop by hop, a
 * refused host gets no request at all (not even robots.txt), a dripping body is cut at the total
 * deadline and retried once, an abort ends a queued or running fetch at once.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFetcher, type Fetcher } from '../../src/fetch/client.js';
import { createPoliteFetcher, FetchAbortedError, FetchTimeoutError, type PoliteFetcher } from '../../src/fetch/index.js';
import { AddressGuard, classifyAddress, OutOfScopeError, PrivateAddressError } from '../../src/fetch/scope.js';
import { startServer, type TestServer } from './server.js';

describe('classifyAddress', () => {
  it('names every non-public range, including IPv4-mapped IPv6 forms, and passes public addresses', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.1.2', 'loopback'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.0.10', 'private'],
      ['fd12:3456::1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['100.64.0.1', 'cgnat'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local'],
      ['::ffff:192.168.1.1', 'private'],
      ['172.32.0.1', null],
      ['100.128.0.1', null],
      ['8.8.8.8', null],
      ['2400:3200::1', null],
      ['::ffff:8.8.8.8', null],
      ['www.gov.cn', null],
    ];
    expect(cases.map(([a]) => [a, classifyAddress(a)])).toEqual(cases);
  });
});

describe('address guard', () => {
  let server: TestServer;
  const fetchers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(fetchers.splice(0).map((f) => f.close()));
    await server?.close();
  });
  const plain = (o: Parameters<typeof createFetcher>[0]): Fetcher => {
    const f = createFetcher({ maxRetries: 0, ...o });
    fetchers.push(f);
    return f;
  };

  it('refuses an IP literal and a name resolving to loopback before any request; a plain fetcher still reaches them', async () => {
    server = await startServer((_req, res) => void res.end('secret'));
    const port = new URL(server.origin).port;
    const guarded = plain({ refusePrivateAddresses: true });
    const literal = await guarded.fetch(server.url('/secret.html')).catch((e: unknown) => e);
    expect(literal).toBeInstanceOf(PrivateAddressError);
    expect(literal).toMatchObject({ code: 'NB_FETCH_PRIVATE_ADDRESS', addressClass: 'loopback', url: server.url('/secret.html') });
    const byName = await guarded.fetch(`http://localhost:${port}/secret.html`).catch((e: unknown) => e);
    expect(byName).toBeInstanceOf(PrivateAddressError);
    expect(byName).toMatchObject({ code: 'NB_FETCH_PRIVATE_ADDRESS', host: 'localhost', addressClass: 'loopback' });
    const metadata = await guarded.fetch('http://169.254.169.254/latest/meta-data/').catch((e: unknown) => e);
    expect(metadata).toMatchObject({ code: 'NB_FETCH_PRIVATE_ADDRESS', addressClass: 'link-local' });
    expect(server.log).toEqual([]);
    const open = await plain({}).fetch(server.url('/secret.html'));
    expect(open.body.toString()).toBe('secret');
  });

  it("the connection's lookup refuses a name resolving to loopback, in both callback forms, unless the host is local", async () => {
    const guard = new AddressGuard({ localHosts: ['LocalHost'] });
    const strict = new AddressGuard();
    const call = (g: AddressGuard, all: boolean) =>
      new Promise<{ err: unknown; address: unknown }>((resolve) => g.lookup('localhost', { all }, (err, address) => resolve({ err, address })));
    for (const all of [true, false]) {
      const refused = await call(strict, all);
      expect(refused.err).toBeInstanceOf(PrivateAddressError);
      expect(refused.err).toMatchObject({ host: 'localhost', addressClass: 'loopback' });
      const local = await call(guard, all);
      expect(local.err).toBeNull();
      if (all) expect((local.address as { address: string }[]).length).toBeGreaterThan(0);
      else expect(['127.0.0.1', '::1']).toContain(local.address);
    }
  });

  it('lets a local host through but checks every redirect hop', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/go') {
        res.writeHead(302, { location: `http://127.0.0.1:${new URL(server.origin).port}/secret.html` });
        res.end();
        return;
      }
      res.end('ok');
    });
    const port = new URL(server.origin).port;
    const f = plain({ refusePrivateAddresses: true, localHosts: ['localhost'] });
    expect((await f.fetch(`http://localhost:${port}/page`)).body.toString()).toBe('ok');
    const err = await f.fetch(`http://localhost:${port}/go`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrivateAddressError);
    expect(err).toMatchObject({ url: server.url('/secret.html') });
    expect(server.log.map((e) => e.path)).toEqual(['/page', '/go']);
  });
});

describe('scope hook', () => {
  let portal: TestServer;
  let other: TestServer;
  let fetcher: PoliteFetcher;
  afterAll(async () => {
    await fetcher?.close();
    await Promise.all([portal?.close(), other?.close()]);
  });

  it('refuses a redirect to a host outside the scope: nothing is sent to it, not even robots.txt', async () => {
    other = await startServer((_req, res) => void res.end('secret'));
    portal = await startServer((req, res) => {
      if (req.url === '/robots.txt') res.writeHead(404).end();
      else res.writeHead(302, { location: other.url('/secret.html') }).end();
    });
    fetcher = createPoliteFetcher({ maxRetries: 0, politeness: { minIntervalMs: 0 } });
    const scope = (u: URL) => {
      if (u.host !== portal.host) throw new OutOfScopeError(u.host, 'site "test"', { url: u.href });
    };
    const err = await fetcher.fetch(portal.url('/report.html'), { scope }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfScopeError);
    expect(err).toMatchObject({ code: 'NB_FETCH_OUT_OF_SCOPE', host: other.host, url: other.url('/secret.html') });
    expect(other.log).toEqual([]);
    expect(portal.log.map((e) => e.path)).toEqual(['/robots.txt', '/report.html']);
    const direct = await fetcher.fetch(other.url('/x'), { scope }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(OutOfScopeError);
    expect(other.log).toEqual([]);
  });
});

describe('deadlines and aborts', () => {
  let server: TestServer;
  let fetcher: Fetcher | PoliteFetcher | undefined;
  afterEach(async () => {
    await fetcher?.close();
    await server?.close();
  });

  it('cuts a body dripping one byte at a time at the total deadline, and retries it only once', async () => {
    const timers = new Set<NodeJS.Timeout>();
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const t = setInterval(() => res.write('x'), 100);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    });
    fetcher = createFetcher({ requestTimeoutMs: 1_200, bodyTimeoutMs: 60_000, maxRetries: 3, retryBaseDelayMs: 10 });
    const t0 = Date.now();
    const err = await fetcher.fetch(server.url('/drip')).catch((e: unknown) => e);
    const elapsed = Date.now() - t0;
    for (const t of timers) clearInterval(t);
    expect(err).toBeInstanceOf(FetchTimeoutError);
    expect(err).toMatchObject({ code: 'NB_FETCH_TIMEOUT', phase: 'total', attempts: 2 });
    expect(server.log).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(2_400);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('an abort ends a running fetch and a fetch waiting for its host slot at once', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/fast') res.end('ok');
      // /hang: headers never come
    });
    const polite = createPoliteFetcher({ maxRetries: 3, ignoreRobots: true, politeness: { minIntervalMs: 30_000, jitterRatio: 0 } });
    fetcher = polite;
    await polite.fetch(server.url('/fast'));
    const ac = new AbortController();
    const waiting = polite.fetch(server.url('/queued'), { signal: ac.signal }).catch((e: unknown) => e);
    const ac2 = new AbortController();
    const direct = createFetcher({ maxRetries: 3 });
    const running = direct.fetch(server.url('/hang'), { signal: ac2.signal }).catch((e: unknown) => e);
    // Abort once /hang is in flight (the server has it), not after a fixed sleep: on a loaded
    // machine the request could still be connecting when a 300 ms timer fired, and the abort would
    // then end a fetch that never ran.
    const deadline = Date.now() + 30_000;
    while (!server.log.some((e) => e.path === '/hang') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    ac.abort();
    ac2.abort();
    const [a, b] = await Promise.all([waiting, running]);
    // Without the abort each would wait 30 s (the host's interval, the headers timeout); 5 s leaves
    // a loaded two-core CI room for the few event-loop turns an abort takes.
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(a).toBeInstanceOf(FetchAbortedError);
    expect(b).toBeInstanceOf(FetchAbortedError);
    expect(server.log.map((e) => e.path)).toEqual(['/fast', '/hang']);
    await direct.destroy();
    await polite.destroy();
    fetcher = undefined;
  });
});
