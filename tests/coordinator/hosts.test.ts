/**
 * Host leases and the shared host schedule on a real PostgreSQL: concurrent claims never get the
 * same host, an expired lease is taken over (and the old holder can no longer renew it), and
 * concurrent bookings on one host get distinct starts at least its delay apart, slowed by 429s
 * and blocked by Retry-After.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCoordinator, type Coordinator } from '../../src/coordinator/connect.js';
import { PgHostSchedule } from '../../src/coordinator/host-schedule.js';
import { claimHost, hostsLeft, releaseHost, renewHost } from '../../src/coordinator/hosts.js';
import { ScheduledFetcher } from '../../src/coordinator/worker.js';
import { CrawlOptionsSchema } from '../../src/crawl/options.js';
import type { FrontierRow } from '../../src/crawl/stages/contracts.js';
import { HttpPageFetcher } from '../../src/crawl/stages/fetcher.js';
import { DEFAULT_MAX_RETRY_AFTER_MS } from '../../src/fetch/host-clock.js';
import { SiteRun } from '../../src/crawl/stages/site-run.js';
import { serveFiles, tempDir, testSiteRegistry } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const skip = postgresSkipReason();

describe.skipIf(skip !== null)(`host leases and schedule on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestPostgres;
  let c: Coordinator;
  let runId: number;

  beforeAll(async () => {
    cluster = await startTestPostgres();
    c = await connectCoordinator(cluster.createDatabase('hosts'));
    runId = Number((await c.pool.query<{ id: string }>("INSERT INTO runs (options, parser_version) VALUES ('{}', 'test') RETURNING id")).rows[0]!.id);
    for (let i = 1; i <= 6; i++) {
      const host = `h${i}.example:80`;
      await c.pool.query("INSERT INTO hosts (host, run_id, state, interval_ms, delay_ms) VALUES ($1, $2, 'pending', 200, 200)", [host, runId]);
      await c.pool.query("INSERT INTO sites (run_id, site, host, def) VALUES ($1, $2, $3, '{}')", [runId, `s${i}`, host]);
    }
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    cluster?.stop();
  });

  it('claims: each host to one worker; an expired lease is taken over, its old holder cannot renew it', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimHost(c, runId, `w${i}`, 60_000)));
    const got = claims.filter((x) => x !== null);
    expect(got).toHaveLength(6);
    expect(new Set(got.map((x) => x.host)).size).toBe(6);
    expect(got.every((x) => x.sites.length === 1 && x.leases === 1 && x.takenFrom === null)).toBe(true);
    expect(await hostsLeft(c, runId)).toEqual({ pending: 6, leased: 6 });

    const first = got[0]!;
    const owner = claims.indexOf(first);
    await releaseHost(c, first.host, `w${owner}`, true);
    expect((await hostsLeft(c, runId)).pending).toBe(5);

    // A holder that stops renewing: its lease expires and another worker takes the host over.
    const second = got[1]!;
    const holder = `w${claims.indexOf(second)}`;
    await c.pool.query("UPDATE hosts SET lease_expires_at = now() - interval '1 second' WHERE host = $1", [second.host]);
    const taken = await claimHost(c, runId, 'late', 60_000);
    expect(taken).toMatchObject({ host: second.host, leases: 2, takenFrom: holder });
    expect(await renewHost(c, second.host, holder, 60_000)).toBe(false);
    expect(await renewHost(c, second.host, 'late', 60_000)).toBe(true);
    expect(await claimHost(c, runId, 'other', 60_000)).toBeNull();
  });

  it('books distinct starts on a host at least its delay apart, from any number of callers', async () => {
    // Without jitter, so the gaps are exact (tests/coordinator/host-jitter.test.ts has the jitter).
    const s = new PgHostSchedule(c, { defaultIntervalMs: 1000, rules: { jitterRatio: 0 } });
    await s.setPolicy('book.example', { intervalMs: 200 });
    const now = Date.now();
    const starts = (await Promise.all(Array.from({ length: 10 }, () => s.reserve('book.example', now)))).sort((a, b) => a - b);
    expect(starts[0]).toBe(now);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(200);
    // Crawl-delay raises the floor; a 429 doubles the delay (to at least 1 s); Retry-After blocks the host.
    await s.setCrawlDelay('book.example', 300);
    expect(await s.timing('book.example', now)).toMatchObject({ baseIntervalMs: 300, delayMs: 300, crawlDelayMs: 300 });
    await s.observe('book.example', { status: 429, retryAfterMs: 5000 }, now);
    const t = await s.timing('book.example', now);
    expect(t).toMatchObject({ delayMs: 1000, blockedUntil: now + 5000 });
    const next = await s.reserve('book.example', now);
    expect(next).toBe(Math.max(now + 5000, starts.at(-1)! + 1000));
    // Other answers let it recover towards the floor.
    await s.observe('book.example', { status: 200 }, now);
    expect((await s.timing('book.example', now))?.delayMs).toBe(900);
    // A host never seen gets the default interval.
    const a = await s.reserve('new.example', now);
    expect(await s.reserve('new.example', now)).toBe(a + 1000);
    // A start sent late (the worker was busy when its slot came) moves the next slot past the real send.
    const late = await s.reserve('late.example', now);
    await s.started('late.example', late + 400);
    expect(await s.reserve('late.example', now)).toBe(late + 1400);
    await s.started('late.example', late + 100); // never earlier
    expect((await s.timing('late.example', now))?.nextAllowedAt).toBe(late + 2400);
  });

  it("a worker's fetches book the shared schedule, and the Crawl-delay it reads becomes every worker's floor", async () => {
    const html = Buffer.from('<html><body>ok</body></html>');
    const server = await serveFiles({
      '/robots.txt': { type: 'text/plain', body: Buffer.from('User-agent: *\nCrawl-delay: 2\n') },
      '/nb/index.html': { type: 'text/html', body: html },
    });
    const tmp = tempDir();
    try {
      const site = testSiteRegistry(server.origin).sites[0]!;
      const o = CrawlOptionsSchema.parse({ snapshotsDir: tmp.dir, intervalMs: 10, fetch: { maxRetries: 0 } });
      const schedule = new PgHostSchedule(c, { defaultIntervalMs: 10, rules: { jitterRatio: 0 } });
      const fetcher = new ScheduledFetcher(new HttpPageFetcher(o, [site], undefined), schedule, undefined);
      const row = { id: 1, key: site.entries[0]!, url: site.entries[0]!, method: 'GET', kind: 'entry' } as FrontierRow;
      const got = await fetcher.fetchRow(new SiteRun(site).fetchSite, row, { conditional: false });
      expect(got.res.status).toBe(200);
      const host = new URL(server.origin).host;
      const t = await schedule.timing(host, Date.now());
      expect(t).toMatchObject({ crawlDelayMs: 2000, baseIntervalMs: 2000, delayMs: 2000 });
      // The next booking on the host, by any worker, is two seconds after the last one.
      expect(await schedule.reserve(host, t!.lastStartAt)).toBe(t!.lastStartAt + 2000);
      await fetcher.close(false);
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });

  it('a worker busy when its slot comes sends late, and the next slot moves to a delay after the real send', async () => {
    const server = await serveFiles({
      '/robots.txt': { type: 'text/plain', body: Buffer.from('User-agent: *\n') },
      '/nb/index.html': { type: 'text/html', body: Buffer.from('<html><body>ok</body></html>') },
    });
    const tmp = tempDir();
    try {
      const site = testSiteRegistry(server.origin).sites[0]!;
      // The worker's own pacing is quick; the shared schedule's interval puts the second slot ahead.
      const o = CrawlOptionsSchema.parse({ snapshotsDir: tmp.dir, intervalMs: 10, jitterRatio: 0, fetch: { maxRetries: 0 } });
      const schedule = new PgHostSchedule(c, { defaultIntervalMs: 3000, rules: { jitterRatio: 0 } });
      const fetcher = new ScheduledFetcher(new HttpPageFetcher(o, [site], undefined), schedule, undefined);
      const row = { id: 1, key: site.entries[0]!, url: site.entries[0]!, method: 'GET', kind: 'entry' } as FrontierRow;
      const host = new URL(server.origin).host;
      await fetcher.fetchRow(new SiteRun(site).fetchSite, row, { conditional: false });
      const first = (await schedule.timing(host, Date.now()))!.lastStartAt;
      const second = fetcher.fetchRow(new SiteRun(site).fetchSite, row, { conditional: false });
      // Wait until the second request has booked its slot, then hold the event loop past it.
      let slot = first;
      while (slot === first) slot = (await schedule.timing(host, Date.now()))!.lastStartAt;
      expect(slot).toBe(first + 3000);
      expect(Date.now(), 'the second request is still waiting for its slot').toBeLessThan(slot);
      const busyUntil = slot + 250;
      while (Date.now() < busyUntil) {
        // busy: parsing another host's page, say
      }
      await second;
      const t = (await schedule.timing(host, Date.now()))!;
      expect(t.lastStartAt).toBeGreaterThanOrEqual(busyUntil);
      expect(t.nextAllowedAt).toBeGreaterThanOrEqual(busyUntil + 3000);
      await fetcher.close(false);
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });

  it('a 429 slows a host of a 10 ms interval down to the same delay in the shared schedule as in the embedded crawl (at least 1 s), and a 200 recovers both alike', async () => {
    const answers = [429, 200];
    const server = http.createServer((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end();
      res.writeHead(answers.shift() ?? 200, { 'Content-Type': 'text/html' }).end('<html><body>page</body></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tmp = tempDir();
    try {
      const site = testSiteRegistry(origin).sites[0]!;
      const o = CrawlOptionsSchema.parse({ snapshotsDir: tmp.dir, intervalMs: 10, fetch: { maxRetries: 0 } });
      const schedule = new PgHostSchedule(c, { defaultIntervalMs: 10 });
      // The HTTP fetcher inside is the embedded crawl's: its own politeness sees the same answers.
      const embedded = new HttpPageFetcher(o, [site], undefined);
      const fetcher = new ScheduledFetcher(embedded, schedule, undefined);
      const row = { id: 1, key: site.entries[0]!, url: site.entries[0]!, method: 'GET', kind: 'entry' } as FrontierRow;
      const host = new URL(origin).host;

      const first = await fetcher.fetchRow(new SiteRun(site).fetchSite, row, { conditional: false });
      expect(first.res.status).toBe(429);
      const slowed = await schedule.timing(host, Date.now());
      const embeddedSlowed = embedded.http.politeness.host(host)!;
      expect(embeddedSlowed.delayMs).toBeGreaterThanOrEqual(1000);
      expect(slowed!.delayMs).toBe(embeddedSlowed.delayMs);
      // Any worker's next request to the host waits the slowed-down delay after the last start.
      expect(await schedule.reserve(host, slowed!.lastStartAt)).toBeGreaterThanOrEqual(slowed!.lastStartAt + embeddedSlowed.delayMs);

      const second = await fetcher.fetchRow(new SiteRun(site).fetchSite, row, { conditional: false });
      expect(second.res.status).toBe(200);
      const recovered = await schedule.timing(host, Date.now());
      const embeddedRecovered = embedded.http.politeness.host(host)!;
      expect(embeddedRecovered.delayMs).toBeLessThan(embeddedSlowed.delayMs);
      expect(recovered!.delayMs).toBe(embeddedRecovered.delayMs);
      await fetcher.close(false);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      tmp.cleanup();
    }
  });

  it("a worker's 503 with a day-long Retry-After blocks the host for every worker for at most the embedded crawl's 5 minutes", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/robots.txt') return void res.writeHead(404).end();
      res.writeHead(503, { 'Content-Type': 'text/html', 'Retry-After': '86400' }).end('<html><body>busy</body></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tmp = tempDir();
    try {
      const site = testSiteRegistry(origin).sites[0]!;
      const o = CrawlOptionsSchema.parse({ snapshotsDir: tmp.dir, intervalMs: 10, fetch: { maxRetries: 0 } });
      const schedule = new PgHostSchedule(c, { defaultIntervalMs: 10 });
      const fetcher = new ScheduledFetcher(new HttpPageFetcher(o, [site], undefined), schedule, undefined);
      const row = { id: 1, key: site.entries[0]!, url: site.entries[0]!, method: 'GET', kind: 'entry' } as FrontierRow;
      const before = Date.now();
      const got = await fetcher.fetchRow(new SiteRun(site).fetchSite, row, { conditional: false });
      const after = Date.now();
      expect(got.res.status).toBe(503);
      expect(seen).toContain('/nb/index.html');
      const host = new URL(origin).host;
      const t = await schedule.timing(host, after);
      // Blocked for 300 s from the answer (not 86 400 s).
      expect(t!.blockedUntil).toBeGreaterThanOrEqual(before + DEFAULT_MAX_RETRY_AFTER_MS);
      expect(t!.blockedUntil).toBeLessThanOrEqual(after + DEFAULT_MAX_RETRY_AFTER_MS);
      // Another worker's next booking on the host waits for the end of the block, no longer.
      expect(await schedule.reserve(host, after)).toBe(t!.blockedUntil);
      // A Retry-After on an answer that is no 429/503 blocks nothing.
      await schedule.setPolicy('ok.example', { intervalMs: 10 });
      await schedule.observe('ok.example', { status: 200, retryAfterMs: 86_400_000 }, after);
      expect(await schedule.timing('ok.example', after)).toMatchObject({ blockedUntil: 0 });
      await fetcher.close(false);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      tmp.cleanup();
    }
  });
});
