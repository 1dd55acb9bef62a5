/**
 * The embedded {@link HostSchedule}: every host's timing in memory, stepped by the same rules as
 * the fetcher's per-host politeness (src/fetch/host-clock.ts). `reserve` books a start and moves
 * the host's next allowed time past it, so callers that reserve at once get successive slots. A
 * shared schedule keeps the same {@link HostClockState} per host in its database and applies the
 * same steps inside a row lock.
 */
import * as clock from '../../fetch/host-clock.js';
import type { HostClockRules, HostClockState } from '../../fetch/host-clock.js';
import type { HostObservation, HostPolicy, HostSchedule, HostTiming } from './contracts.js';

export interface MemoryHostScheduleOptions extends Partial<HostClockRules> {
  /** Interval of hosts without a policy, ms. @default 1000 */
  minIntervalMs?: number;
  /** Statuses that slow a host down and whose Retry-After is honoured. @default [429, 503] */
  slowDownStatuses?: number[];
  /** Random source for the jitter (tests pass a fixed one). @default Math.random */
  random?: () => number;
}

export class MemoryHostSchedule implements HostSchedule {
  readonly rules: HostClockRules;
  readonly #hosts = new Map<string, HostClockState & { concurrency: number }>();
  readonly #minIntervalMs: number;
  readonly #slowDownStatuses: number[];
  readonly #random: () => number;

  constructor(o: MemoryHostScheduleOptions = {}) {
    this.rules = {
      jitterRatio: o.jitterRatio ?? 0.1,
      maxDelayMs: o.maxDelayMs ?? 60_000,
      slowDownFactor: o.slowDownFactor ?? 2,
      recoveryFactor: o.recoveryFactor ?? 0.9,
      maxRetryAfterMs: o.maxRetryAfterMs ?? clock.DEFAULT_MAX_RETRY_AFTER_MS,
    };
    this.#minIntervalMs = o.minIntervalMs ?? 1000;
    this.#slowDownStatuses = o.slowDownStatuses ?? [429, 503];
    this.#random = o.random ?? Math.random;
  }

  #host(host: string): HostClockState & { concurrency: number } {
    let h = this.#hosts.get(host);
    if (!h) {
      h = { ...clock.newHostClock(this.#minIntervalMs), concurrency: 1 };
      this.#hosts.set(host, h);
    }
    return h;
  }

  async setPolicy(host: string, policy: Partial<HostPolicy>): Promise<void> {
    const h = this.#host(host);
    if (policy.intervalMs !== undefined) clock.setHostInterval(h, policy.intervalMs);
    if (policy.concurrency !== undefined) h.concurrency = policy.concurrency;
  }

  async setCrawlDelay(host: string, crawlDelayMs: number | undefined): Promise<void> {
    clock.setCrawlDelay(this.#host(host), crawlDelayMs);
  }

  async reserve(host: string, now: number): Promise<number> {
    const h = this.#host(host);
    const at = Math.max(now, clock.nextStartOf(h));
    clock.startAt(h, at, this.rules, this.#random);
    return at;
  }

  async started(host: string, sentAt: number): Promise<void> {
    const h = this.#host(host);
    if (sentAt > h.lastStartAt) h.lastStartAt = sentAt;
  }

  async observe(host: string, o: HostObservation, now: number): Promise<void> {
    const h = this.#host(host);
    const throttled = (o.status !== undefined && this.#slowDownStatuses.includes(o.status)) || o.timeout === true;
    if (throttled) {
      clock.slowDown(h, this.rules);
      if (o.retryAfterMs !== undefined && !o.timeout) clock.blockFor(h, o.retryAfterMs, now, this.rules);
    } else clock.recover(h, this.rules);
  }

  async timing(host: string, now: number): Promise<HostTiming | undefined> {
    const h = this.#hosts.get(host);
    if (!h) return undefined;
    return {
      host,
      baseIntervalMs: clock.floorOf(h),
      crawlDelayMs: h.crawlDelayMs,
      delayMs: h.delayMs,
      lastStartAt: h.lastStartAt,
      blockedUntil: h.notBefore > now ? h.notBefore : 0,
      nextAllowedAt: Math.max(now, clock.nextStartOf(h)),
    };
  }
}
