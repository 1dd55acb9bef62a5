/**
 * Per-host politeness: one p-queue per host (`URL.host`, i.e. host name plus a non-default port)
 * limits concurrent requests to that host, a start-to-start interval spaces them out, and a
 * global p-queue bounds the requests in flight over all hosts.
 *
 * The interval of a host is `max(minIntervalMs or the host override, robots Crawl-delay)`, its
 * floor. 429/503 responses (and, by default, timeouts) multiply the host's current delay by
 * `slowDownFactor` (at least 1 s, at most `maxDelayMs`) and a `Retry-After` (seconds or HTTP
 * date) blocks the host until then (at most `maxRetryAfterMs`). Every other response multiplies
 * the delay by `recoveryFactor` until it is back at the floor. A small random extra
 * (`jitterRatio` × delay) is added to each wait, never subtracted.
 */
import PQueue from 'p-queue';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { headerValue, parseRetryAfter } from './client.js';
import type { ResponseHeaders } from './client.js';
import { FetchAbortedError, FetchError, FetchOptionsError } from './errors.js';
import * as clock from './host-clock.js';

/** Per-host overrides (from the site registry). */
export interface HostPolicy {
  /** Concurrent requests to this host. @default perHostConcurrency */
  concurrency?: number | undefined;
  /** Minimum interval between request starts to this host, ms. @default minIntervalMs */
  intervalMs?: number | undefined;
}

/** Options of {@link Politeness}. */
export interface PolitenessOptions {
  /** Requests in flight over all hosts. @default 16 */
  globalConcurrency?: number | undefined;
  /** Requests in flight per host. @default 1 */
  perHostConcurrency?: number | undefined;
  /** Minimum time between two request starts to one host, ms. @default 1000 */
  minIntervalMs?: number | undefined;
  /** Random extra added to each interval, as a fraction of it (0.1 → up to +10 %). @default 0.1 */
  jitterRatio?: number | undefined;
  /** Largest interval a slowed-down host reaches, ms. @default 60000 */
  maxDelayMs?: number | undefined;
  /** Factor applied to a host's delay on 429/503 (and timeouts). @default 2 */
  slowDownFactor?: number | undefined;
  /** Factor applied to a slowed-down host's delay after each other response (slow recovery). @default 0.9 */
  recoveryFactor?: number | undefined;
  /** Statuses that slow a host down and whose `Retry-After` is honoured. @default [429, 503] */
  slowDownStatuses?: number[] | undefined;
  /** Whether timeouts (`NB_FETCH_TIMEOUT`) also slow the host down. @default true */
  slowDownOnTimeout?: boolean | undefined;
  /** Longest `Retry-After` honoured for a host, ms (longer values are clamped). @default 300000 */
  maxRetryAfterMs?: number | undefined;
  /** Overrides keyed by `host:port` or by host name. @default {} */
  hosts?: Record<string, HostPolicy> | undefined;
}

const HostPolicySchema = z.strictObject({
  concurrency: z.number().int().min(1).optional(),
  intervalMs: z.number().int().min(0).optional(),
});

export const PolitenessOptionsSchema = z.strictObject({
  globalConcurrency: z.number().int().min(1).default(16),
  perHostConcurrency: z.number().int().min(1).default(1),
  minIntervalMs: z.number().int().min(0).default(1000),
  jitterRatio: z.number().min(0).max(1).default(clock.DEFAULT_HOST_CLOCK_RULES.jitterRatio),
  maxDelayMs: z.number().int().min(0).default(clock.DEFAULT_HOST_CLOCK_RULES.maxDelayMs),
  slowDownFactor: z.number().min(1).default(clock.DEFAULT_HOST_CLOCK_RULES.slowDownFactor),
  recoveryFactor: z.number().gt(0).max(1).default(clock.DEFAULT_HOST_CLOCK_RULES.recoveryFactor),
  slowDownStatuses: z.array(z.number().int().min(100).max(599)).default([429, 503]),
  slowDownOnTimeout: z.boolean().default(true),
  maxRetryAfterMs: z.number().int().min(0).default(clock.DEFAULT_HOST_CLOCK_RULES.maxRetryAfterMs),
  hosts: z.record(z.string(), HostPolicySchema).default({}),
});
export type ResolvedPolitenessOptions = z.output<typeof PolitenessOptionsSchema>;
const _politenessOptionsMatch = (o: PolitenessOptions): z.input<typeof PolitenessOptionsSchema> => o;
void _politenessOptionsMatch;

/** The part of a response the politeness layer looks at. */
export interface ObservedResponse {
  status: number;
  headers: ResponseHeaders;
  body?: Buffer | undefined;
  rawBytes?: number | undefined;
}

/** Counters and current state of one host. */
export interface HostStats {
  host: string;
  /** HTTP exchanges started. */
  requests: number;
  /** Retries the client made on this host (reported by the caller). */
  retries: number;
  /** Decompressed body bytes received. */
  bytes: number;
  /** Body bytes on the wire. */
  rawBytes: number;
  statuses: Record<string, number>;
  /** Exchanges that threw (timeouts, resets…). */
  errors: number;
  /** Responses with a slow-down status (429/503), plus timeouts when counted. */
  throttled: number;
  /** URLs refused by robots.txt (reported by the caller). */
  robotsBlocked: number;
  concurrency: number;
  /** The host's floor: max(interval, Crawl-delay). */
  baseIntervalMs: number;
  crawlDelayMs: number | undefined;
  /** Current interval (≥ floor; grows on 429/503). */
  delayMs: number;
  /** ISO time before which no request starts (Retry-After), if in the future. */
  blockedUntil: string | undefined;
  inFlight: number;
  maxInFlight: number;
  /** Requests waiting in the host queue. */
  queued: number;
}

/** A host's queue and counters, and its timing (host-clock.ts). */
interface HostState extends clock.HostClockState {
  key: string;
  hostname: string;
  queue: PQueue;
  stats: Omit<HostStats, 'host' | 'concurrency' | 'baseIntervalMs' | 'crawlDelayMs' | 'delayMs' | 'blockedUntil' | 'queued'>;
}

const NOT_YET = Symbol('not-yet');

export class Politeness {
  readonly options: ResolvedPolitenessOptions;
  readonly #global: PQueue;
  readonly #hosts = new Map<string, HostState>();
  #globalInFlight = 0;
  #globalMaxInFlight = 0;
  /** Fired by {@link stop}: ends every wait, so no timer keeps an interrupted process alive. */
  readonly #stop = new AbortController();

  constructor(options: PolitenessOptions = {}) {
    const parsed = PolitenessOptionsSchema.safeParse(options ?? {});
    if (!parsed.success) throw new FetchOptionsError(`invalid politeness options:\n${z.prettifyError(parsed.error)}`);
    this.options = parsed.data;
    this.#global = new PQueue({ concurrency: this.options.globalConcurrency });
    // Every request waiting for its host's turn listens on the one stop signal: as many listeners
    // as requests in flight (up to globalConcurrency), each removed when its wait ends — no leak.
    setMaxListeners(0, this.#stop.signal);
  }

  /** The key hosts are tracked by: `URL.host` (lower-case host name, plus port when not the default). */
  static hostKey(url: URL | string): string {
    return new URL(url).host;
  }

  /**
   * Run one request to `url`'s host when the host's turn comes: after the host queue admits it,
   * the interval since the previous start has passed, any Retry-After has expired, and a global
   * slot is free. The result (or error) adjusts the host's delay.
   */
  schedule<T extends ObservedResponse>(url: URL, run: () => Promise<T>): Promise<T> {
    const h = this.#host(Politeness.hostKey(url), url.hostname);
    return h.queue.add(async () => {
      for (;;) {
        if (this.#stop.signal.aborted) throw new FetchAbortedError({ url: url.href, cause: this.#stop.signal.reason });
        const wait = clock.nextStartOf(h) - Date.now();
        if (wait > 0) {
          await sleep(wait, undefined, { signal: this.#stop.signal }).catch(() => undefined);
          continue;
        }
        const result = await this.#global.add(async (): Promise<T | typeof NOT_YET> => {
          // Re-check inside the global slot: another task of this host may have started meanwhile.
          const now = Date.now();
          if (clock.nextStartOf(h) > now) return NOT_YET;
          clock.startAt(h, now, this.options);
          h.stats.requests++;
          h.stats.inFlight++;
          h.stats.maxInFlight = Math.max(h.stats.maxInFlight, h.stats.inFlight);
          this.#globalInFlight++;
          this.#globalMaxInFlight = Math.max(this.#globalMaxInFlight, this.#globalInFlight);
          try {
            const res = await run();
            this.#observe(h, res);
            return res;
          } catch (err) {
            h.stats.errors++;
            if (this.options.slowDownOnTimeout && err instanceof FetchError && err.code === 'NB_FETCH_TIMEOUT') this.#slowDown(h);
            throw err;
          } finally {
            h.stats.inFlight--;
            this.#globalInFlight--;
          }
        });
        if (result !== NOT_YET) return result;
      }
    });
  }

  /** Apply or change per-host overrides (e.g. from the site registry). */
  setHostPolicy(host: string, policy: HostPolicy): void {
    const p = HostPolicySchema.parse(policy);
    this.options.hosts[host] = { ...this.options.hosts[host], ...p };
    for (const h of this.#hosts.values()) {
      if (h.key === host || h.hostname === host) this.#applyPolicy(h, this.#policyFor(h.key, h.hostname));
    }
  }

  /** Record a robots.txt Crawl-delay (ms) for a host; it becomes the host's minimum interval. */
  setCrawlDelay(host: string, crawlDelayMs: number | undefined): void {
    clock.setCrawlDelay(this.#host(host, host.replace(/:\d+$/, '')), crawlDelayMs);
  }

  /** Caller-side counters (retries, robots refusals) that belong in the host's stats. */
  count(host: string, what: 'retries' | 'robotsBlocked'): void {
    this.#host(host, host.replace(/:\d+$/, '')).stats[what]++;
  }

  /** Snapshot of one host, or undefined if it was never contacted. */
  host(host: string): HostStats | undefined {
    const h = this.#hosts.get(host);
    return h ? this.#snapshot(h) : undefined;
  }

  stats(): { inFlight: number; maxInFlight: number; hosts: Record<string, HostStats> } {
    const hosts: Record<string, HostStats> = {};
    for (const h of this.#hosts.values()) hosts[h.key] = this.#snapshot(h);
    return { inFlight: this.#globalInFlight, maxInFlight: this.#globalMaxInFlight, hosts };
  }

  /**
   * Stops for good (an interrupted crawl): requests still waiting for their turn are dropped (their
   * promises never settle: callers give up on their own signal), a request waiting for its interval
   * fails with `NB_FETCH_ABORTED`, and no wait timer stays behind.
   */
  stop(): void {
    this.#stop.abort(new Error('stopped'));
    for (const h of this.#hosts.values()) h.queue.clear();
    this.#global.clear();
  }

  /** Resolves when no request is queued or running. */
  async onIdle(): Promise<void> {
    await Promise.all([...this.#hosts.values()].map((h) => h.queue.onIdle()));
    await this.#global.onIdle();
  }

  #policyFor(key: string, hostname: string): HostPolicy {
    return this.options.hosts[key] ?? this.options.hosts[hostname] ?? {};
  }

  #host(key: string, hostname: string): HostState {
    let h = this.#hosts.get(key);
    if (!h) {
      h = {
        key,
        hostname,
        queue: new PQueue({ concurrency: this.options.perHostConcurrency }),
        ...clock.newHostClock(this.options.minIntervalMs),
        stats: {
          requests: 0,
          retries: 0,
          bytes: 0,
          rawBytes: 0,
          statuses: {},
          errors: 0,
          throttled: 0,
          robotsBlocked: 0,
          inFlight: 0,
          maxInFlight: 0,
        },
      };
      this.#applyPolicy(h, this.#policyFor(key, hostname));
      this.#hosts.set(key, h);
    }
    return h;
  }

  #applyPolicy(h: HostState, p: HostPolicy): void {
    h.queue.concurrency = p.concurrency ?? this.options.perHostConcurrency;
    clock.setHostInterval(h, p.intervalMs ?? this.options.minIntervalMs);
  }

  #slowDown(h: HostState): void {
    h.stats.throttled++;
    clock.slowDown(h, this.options);
  }

  #observe(h: HostState, res: ObservedResponse): void {
    const s = h.stats;
    s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1;
    s.bytes += res.body?.length ?? 0;
    s.rawBytes += res.rawBytes ?? 0;
    if (this.options.slowDownStatuses.includes(res.status)) {
      this.#slowDown(h);
      const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'));
      if (retryAfter !== undefined) clock.blockFor(h, retryAfter, Date.now(), this.options);
    } else {
      clock.recover(h, this.options);
    }
  }

  #snapshot(h: HostState): HostStats {
    return {
      host: h.key,
      ...h.stats,
      statuses: { ...h.stats.statuses },
      concurrency: h.queue.concurrency,
      baseIntervalMs: clock.floorOf(h),
      crawlDelayMs: h.crawlDelayMs,
      delayMs: h.delayMs,
      blockedUntil: h.notBefore > Date.now() ? new Date(h.notBefore).toISOString() : undefined,
      queued: h.queue.size,
    };
  }
}
