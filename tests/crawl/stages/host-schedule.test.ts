import { describe, expect, it } from 'vitest';
import { MemoryHostSchedule } from '../../../src/crawl/stages/host-schedule.js';

const T0 = 1_800_000_000_000;

describe('MemoryHostSchedule', () => {
  it('books successive slots one interval apart, per host, and never in the past', async () => {
    const s = new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio: 0 });
    await s.setPolicy('a.example', { intervalMs: 500 });
    // Three callers asking at once get three different slots.
    const slots = await Promise.all([s.reserve('a.example', T0), s.reserve('a.example', T0), s.reserve('a.example', T0)]);
    expect(slots).toEqual([T0, T0 + 500, T0 + 1000]);
    // Another host is not held up by this one.
    expect(await s.reserve('b.example', T0)).toBe(T0);
    expect(await s.reserve('b.example', T0)).toBe(T0 + 1000);
    // Late callers start when they ask.
    expect(await s.reserve('a.example', T0 + 60_000)).toBe(T0 + 60_000);
    expect((await s.timing('a.example', T0 + 60_000))?.nextAllowedAt).toBe(T0 + 60_500);
    expect(await s.timing('c.example', T0)).toBeUndefined();
  });

  it('a start sent late moves the next slot to a delay after the real send, never earlier', async () => {
    const s = new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio: 0 });
    const booked = await s.reserve('a.example', T0);
    await s.started('a.example', booked + 400); // the caller was busy: sent 400 ms late
    expect(await s.reserve('a.example', T0)).toBe(T0 + 1400);
    await s.started('a.example', T0 + 100); // a send older than the last start moves nothing
    expect((await s.timing('a.example', T0))?.nextAllowedAt).toBe(T0 + 2400);
  });

  it('a Crawl-delay raises the floor; jitter only ever adds', async () => {
    const s = new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio: 0.1, random: () => 1 });
    await s.setCrawlDelay('a.example', 3000);
    const first = await s.reserve('a.example', T0);
    const second = await s.reserve('a.example', T0);
    expect(second - first).toBe(3300);
    const t = await s.timing('a.example', T0);
    expect(t).toMatchObject({ baseIntervalMs: 3000, crawlDelayMs: 3000, delayMs: 3000 });
  });

  it('429 with Retry-After slows the host and blocks it; other answers bring it back to its floor', async () => {
    const s = new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio: 0 });
    await s.reserve('a.example', T0);
    await s.observe('a.example', { status: 429, retryAfterMs: 30_000 }, T0);
    let t = await s.timing('a.example', T0);
    expect(t).toMatchObject({ delayMs: 2000, blockedUntil: T0 + 30_000, nextAllowedAt: T0 + 30_000 });
    expect(await s.reserve('a.example', T0 + 1)).toBe(T0 + 30_000);
    await s.observe('a.example', { timeout: true }, T0 + 30_000);
    expect((await s.timing('a.example', T0 + 30_000))?.delayMs).toBe(4000);
    for (let i = 0; i < 40; i++) await s.observe('a.example', { status: 200 }, T0 + 40_000);
    t = await s.timing('a.example', T0 + 40_000);
    expect(t).toMatchObject({ delayMs: 1000, baseIntervalMs: 1000, blockedUntil: 0 });
  });

  it('the longest Retry-After honoured is maxRetryAfterMs', async () => {
    const s = new MemoryHostSchedule({ minIntervalMs: 1000, jitterRatio: 0, maxRetryAfterMs: 5000 });
    await s.observe('a.example', { status: 503, retryAfterMs: 3_600_000 }, T0);
    expect((await s.timing('a.example', T0))?.blockedUntil).toBe(T0 + 5000);
  });
});
