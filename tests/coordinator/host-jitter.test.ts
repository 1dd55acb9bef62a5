/**
 * Jitter in the shared host schedule, as in the embedded crawl's politeness (src/fetch/host-clock.ts):
 * the gap after a booked start is floor(delay × (1 + jitter)), the jitter drawn in [0, jitterRatio)
 * where the slot is booked — never below the interval, varying from slot to slot when
 * jitterRatio > 0, exact when it is 0. On a real PostgreSQL (PgHostSchedule) and in memory
 * (MemoryHostSchedule); given the same random draws, the two book the same slots through late
 * sends, a Crawl-delay and a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARSER_VERSION } from '../../parsers/version.js';
import { connectCoordinator, type Coordinator } from '../../src/coordinator/connect.js';
import { PgHostSchedule } from '../../src/coordinator/host-schedule.js';
import { leaseHostOf, openRun } from '../../src/coordinator/run.js';
import { runWorker } from '../../src/coordinator/worker.js';
import type { HostSchedule } from '../../src/crawl/stages/contracts.js';
import { MemoryHostSchedule } from '../../src/crawl/stages/host-schedule.js';
import { rngFor } from '../../src/demo/generate.js';
import { DEFAULT_HOST_CLOCK_RULES } from '../../src/fetch/host-clock.js';
import { serveFiles, tempDir, testSiteRegistry } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const T0 = 1_800_000_000_000;
const INTERVAL = 200;

/** The gaps between `n` starts booked at once on one host (every caller asking at the same time). */
async function gaps(s: HostSchedule, host: string, n: number): Promise<number[]> {
  await s.setPolicy(host, { intervalMs: INTERVAL });
  const starts = (await Promise.all(Array.from({ length: n }, () => s.reserve(host, T0)))).sort((a, b) => a - b);
  expect(new Set(starts).size, 'distinct slots').toBe(n);
  expect(starts[0]).toBe(T0);
  return starts.slice(1).map((x, i) => x - starts[i]!);
}

/** Bookings, a late send, a Crawl-delay and a 429, in that order: the slots booked. */
async function script(s: HostSchedule, host: string): Promise<number[]> {
  await s.setPolicy(host, { intervalMs: INTERVAL });
  const slots: number[] = [];
  for (let i = 0; i < 6; i++) slots.push(await s.reserve(host, T0));
  await s.started(host, slots.at(-1)! + 50); // the last slot sent 50 ms late
  slots.push(await s.reserve(host, T0));
  await s.setCrawlDelay(host, 400);
  slots.push(await s.reserve(host, T0));
  await s.observe(host, { status: 429 }, T0);
  slots.push(await s.reserve(host, T0));
  slots.push(await s.reserve(host, T0 + 60_000));
  slots.push(await s.reserve(host, T0 + 60_000));
  return slots;
}

describe('MemoryHostSchedule jitter', () => {
  it('gaps are never below the interval, vary with jitterRatio > 0, and are equal with 0', async () => {
    const jittered = await gaps(new MemoryHostSchedule({ minIntervalMs: 1000 }), 'a.example', 40);
    for (const g of jittered) expect(g).toBeGreaterThanOrEqual(INTERVAL);
    for (const g of jittered) expect(g).toBeLessThan(INTERVAL * (1 + DEFAULT_HOST_CLOCK_RULES.jitterRatio));
    expect(new Set(jittered).size).toBeGreaterThan(1);
    expect(new Set(await gaps(new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio: 0 }), 'a.example', 40))).toEqual(new Set([INTERVAL]));
  });
});

const skip = postgresSkipReason();

describe.skipIf(skip !== null)(`PgHostSchedule jitter on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestPostgres;
  let c: Coordinator;

  beforeAll(async () => {
    cluster = await startTestPostgres();
    c = await connectCoordinator(cluster.createDatabase('jitter'));
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    cluster?.stop();
  });

  it('with the crawl’s default jitterRatio, gaps between concurrent bookings are never below the interval and not all equal', async () => {
    const s = new PgHostSchedule(c, { defaultIntervalMs: 1000 });
    const got = await gaps(s, 'jitter.example', 40);
    for (const g of got) expect(g).toBeGreaterThanOrEqual(INTERVAL);
    for (const g of got) expect(g).toBeLessThan(INTERVAL * (1 + DEFAULT_HOST_CLOCK_RULES.jitterRatio));
    expect(new Set(got).size).toBeGreaterThan(1);
    // The row keeps the jitter drawn for the gap after its last start.
    const row = (await c.pool.query<{ jitter: number }>("SELECT jitter FROM hosts WHERE host = 'jitter.example'")).rows[0]!;
    expect(row.jitter).toBeGreaterThanOrEqual(0);
    expect(row.jitter).toBeLessThan(DEFAULT_HOST_CLOCK_RULES.jitterRatio);
  });

  it('a larger jitterRatio spreads the gaps further; jitterRatio 0 books them exactly one interval apart', async () => {
    const wide = await gaps(new PgHostSchedule(c, { defaultIntervalMs: 1000, rules: { jitterRatio: 0.5 } }), 'wide.example', 40);
    for (const g of wide) expect(g).toBeGreaterThanOrEqual(INTERVAL);
    for (const g of wide) expect(g).toBeLessThan(INTERVAL * 1.5);
    expect(new Set(wide).size).toBeGreaterThan(1);
    const none = await gaps(new PgHostSchedule(c, { defaultIntervalMs: 1000, rules: { jitterRatio: 0 } }), 'none.example', 40);
    expect(new Set(none)).toEqual(new Set([INTERVAL]));
  });

  it('a late send moves the next slot by the same jittered gap after the real send (the late-send rule kept)', async () => {
    const s = new PgHostSchedule(c, { defaultIntervalMs: 1000, rules: { jitterRatio: 0.5 }, random: () => 0.5 });
    await s.setPolicy('late.example', { intervalMs: INTERVAL });
    const booked = await s.reserve('late.example', T0);
    const gap = Math.floor(INTERVAL * 1.25);
    expect((await s.timing('late.example', T0))?.nextAllowedAt).toBe(booked + gap);
    await s.started('late.example', booked + 400);
    expect(await s.reserve('late.example', T0)).toBe(booked + 400 + gap);
    await s.started('late.example', booked + 100); // a send older than the last start moves nothing
    expect((await s.timing('late.example', T0))?.nextAllowedAt).toBe(booked + 400 + 2 * gap);
  });

  it('books the same slots as the in-memory schedule given the same random draws', async () => {
    for (const seed of [1, 2, 3]) {
      for (const jitterRatio of [0, 0.1, 0.5]) {
        const pg = await script(
          new PgHostSchedule(c, { defaultIntervalMs: 1000, rules: { jitterRatio }, random: rngFor(`host-jitter-${seed}`) }),
          `same-${seed}-${jitterRatio}.example`,
        );
        const memory = await script(new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio, random: rngFor(`host-jitter-${seed}`) }), 'same.example');
        expect(pg, `seed ${seed}, jitterRatio ${jitterRatio}`).toEqual(memory);
        const steps = pg.slice(1).map((x, i) => x - pg[i]!);
        for (const g of steps) expect(g).toBeGreaterThanOrEqual(INTERVAL);
        if (jitterRatio > 0) expect(new Set(steps.slice(0, 5)).size).toBeGreaterThan(1);
      }
    }
  });
  it("a worker books with the run's jitterRatio, not the schedule's default (0: no jitter on its gaps)", async () => {
    const server = await serveFiles({
      '/robots.txt': { type: 'text/plain', body: Buffer.from('User-agent: *\n') },
      '/nb/index.html': { type: 'text/html', body: Buffer.from('<html><body>ok</body></html>') },
    });
    const tmp = tempDir();
    const w = await connectCoordinator(cluster.createDatabase('jitter_worker'));
    try {
      const site = testSiteRegistry(server.origin).sites[0]!;
      const now = new Date().toISOString();
      const { runId } = await openRun(w, {
        sites: [site],
        options: { intervalMs: 20, jitterRatio: 0, browser: { enabled: false }, fetch: { maxRetries: 0 } },
        runArgs: null,
        parserVersion: PARSER_VERSION,
        prepare: () => ({ now, ignoreRobots: false, since: null, maxAttempts: 5, refresh: false, revisit: { limit: 0, before: now } }),
        intervalMs: () => 20,
      });
      const summary = await runWorker(w, { sharedDir: tmp.dir, runId, pollMs: 50 });
      expect(summary.hosts).toBe(1);
      const row = (
        await w.pool.query<{ jitter: number; last_start_at: string }>('SELECT jitter, last_start_at FROM hosts WHERE host = $1', [leaseHostOf(site)])
      ).rows[0]!;
      expect(Number(row.last_start_at), 'the worker booked the host').toBeGreaterThan(0);
      // The schedule's own default is 0.1: a jitter of 0 comes from the run's options.
      expect(row.jitter).toBe(0);
    } finally {
      await w.close();
      await server.close();
      tmp.cleanup();
    }
  });
});
