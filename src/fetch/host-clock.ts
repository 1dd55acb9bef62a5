/**
 * The timing of one host, as plain data and pure steps: when its next request may start, and how
 * its delay moves. The in-process politeness (`politeness.ts`) keeps one per host; a shared
 * schedule (a crawl coordinated through a database) loads the same state, applies the same steps
 * and stores it back, so every worker spaces a host's requests alike.
 *
 * The floor of a host is `max(interval, robots Crawl-delay)`. 429/503 (and timeouts) multiply the
 * current delay by `slowDownFactor` (at least 1 s, at most `maxDelayMs`), and a `Retry-After`
 * blocks the host until then (at most `maxRetryAfterMs`); every other answer multiplies the delay
 * by `recoveryFactor` until it is back at the floor. A random extra (`jitterRatio` × delay) is
 * added to each wait, never subtracted.
 */

/**
 * The longest Retry-After a host is blocked for, ms (5 minutes): the default of the politeness
 * option `maxRetryAfterMs`, the embedded crawl's and a shared crawl's limit alike (docs/fetch.md).
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 300_000;

/** The shortest delay a host slows down to on 429/503 or a timeout, ms (1 s), whatever its interval. */
export const MIN_SLOW_DOWN_DELAY_MS = 1000;

/** The tunables of host timing (the politeness options of the same names). */
export interface HostClockRules {
  jitterRatio: number;
  maxDelayMs: number;
  slowDownFactor: number;
  recoveryFactor: number;
  maxRetryAfterMs: number;
}

/**
 * The default rules: those of the politeness options (`politeness.ts`) and of a shared crawl's host
 * schedule (`src/coordinator/host-schedule.ts`) alike.
 */
export const DEFAULT_HOST_CLOCK_RULES: Readonly<HostClockRules> = Object.freeze({
  jitterRatio: 0.1,
  maxDelayMs: 60_000,
  slowDownFactor: 2,
  recoveryFactor: 0.9,
  maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
});

/** One host's timing state. */
export interface HostClockState {
  intervalMs: number;
  crawlDelayMs: number | undefined;
  /** Current interval (≥ floor). */
  delayMs: number;
  /** Epoch ms of the last request start (0: never). */
  lastStartAt: number;
  /** Random fraction (0..jitterRatio) added to the delay after the last start. */
  jitter: number;
  /** Epoch ms before which no request starts (Retry-After). */
  notBefore: number;
}

export function newHostClock(intervalMs: number): HostClockState {
  return { intervalMs, crawlDelayMs: undefined, delayMs: intervalMs, lastStartAt: 0, jitter: 0, notBefore: 0 };
}

/** The floor: max(interval, Crawl-delay). */
export function floorOf(h: HostClockState): number {
  return Math.max(h.intervalMs, h.crawlDelayMs ?? 0);
}

/**
 * Earliest start of the next request: the current delay after the last start (so a slow-down or a
 * recovery applies to the very next request) and not before a Retry-After.
 */
export function nextStartOf(h: HostClockState): number {
  return Math.max(h.lastStartAt + Math.floor(h.delayMs * (1 + h.jitter)), h.notBefore);
}

/** A request starts at `at`: the next one waits a delay (with a fresh jitter) from there. */
export function startAt(h: HostClockState, at: number, rules: Pick<HostClockRules, 'jitterRatio'>, random: () => number = Math.random): void {
  h.lastStartAt = at;
  h.jitter = random() * rules.jitterRatio;
}

/** A new interval (registry override): the delay starts again from the floor. */
export function setHostInterval(h: HostClockState, intervalMs: number): void {
  h.intervalMs = intervalMs;
  h.delayMs = floorOf(h);
}

/** A robots.txt Crawl-delay: it raises the floor (never lowers the current delay). */
export function setCrawlDelay(h: HostClockState, crawlDelayMs: number | undefined): void {
  h.crawlDelayMs = crawlDelayMs;
  h.delayMs = Math.max(h.delayMs, floorOf(h));
}

/** 429/503 or a timeout: the delay grows. */
export function slowDown(h: HostClockState, rules: HostClockRules): void {
  h.delayMs = Math.min(rules.maxDelayMs, Math.max(h.delayMs * rules.slowDownFactor, MIN_SLOW_DOWN_DELAY_MS, floorOf(h)));
}

/** A Retry-After of `retryAfterMs` from `now`: no request before then. */
export function blockFor(h: HostClockState, retryAfterMs: number, now: number, rules: HostClockRules): void {
  h.notBefore = Math.max(h.notBefore, now + Math.min(retryAfterMs, rules.maxRetryAfterMs));
}

/** Any other answer: a slowed-down host recovers a step towards its floor. */
export function recover(h: HostClockState, rules: HostClockRules): void {
  const floor = floorOf(h);
  if (h.delayMs <= floor) return;
  const next = h.delayMs * rules.recoveryFactor;
  h.delayMs = next <= floor * 1.05 || next - floor < 50 ? floor : Math.round(next);
}
