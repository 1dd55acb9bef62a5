/**
 * Per-host politeness shared by every worker: the {@link HostSchedule} contract on the `hosts`
 * table. `reserve` is one `INSERT … ON CONFLICT DO UPDATE … RETURNING`: it books the start time
 * (now, or the host's next allowed time, or the end of its Retry-After block) and moves the next
 * allowed time past it by the host's current delay, under the row lock, so two workers (or two
 * machines) never get the same slot. Times are epoch ms of the workers' clocks (keep them in NTP).
 * A 429/503 doubles the host's delay (at most 60 s) and its Retry-After blocks the host, at most
 * {@link DEFAULT_MAX_RETRY_AFTER_MS} (5 minutes), as in the embedded crawl.
 */
import type { HostObservation, HostPolicy, HostSchedule, HostTiming } from '../crawl/stages/contracts.js';
import { DEFAULT_MAX_RETRY_AFTER_MS } from '../fetch/host-clock.js';
import type { Coordinator } from './connect.js';

/** Longest delay a host slows down to after 429/503/timeouts, ms. */
const MAX_DELAY_MS = 60_000;

interface HostRow {
  host: string;
  interval_ms: number;
  crawl_delay_ms: number | null;
  delay_ms: number;
  last_start_at: string;
  backoff_until: string;
  next_allowed_at: string;
}

export class PgHostSchedule implements HostSchedule {
  readonly #c: Coordinator;
  readonly #defaultIntervalMs: number;

  constructor(c: Coordinator, o: { defaultIntervalMs: number }) {
    this.#c = c;
    this.#defaultIntervalMs = o.defaultIntervalMs;
  }

  async setPolicy(host: string, policy: Partial<HostPolicy>): Promise<void> {
    const interval = policy.intervalMs ?? null;
    await this.#c.pool.query(
      `INSERT INTO hosts (host, interval_ms, concurrency, delay_ms) VALUES ($1, COALESCE($2::int, $4::int), COALESCE($3::int, 1), COALESCE($2::int, $4::int))
       ON CONFLICT (host) DO UPDATE SET interval_ms = COALESCE($2::int, hosts.interval_ms), concurrency = COALESCE($3::int, hosts.concurrency),
         delay_ms = GREATEST(hosts.delay_ms, COALESCE($2::int, hosts.interval_ms), COALESCE(hosts.crawl_delay_ms, 0))`,
      [host, interval, policy.concurrency ?? null, this.#defaultIntervalMs],
    );
  }

  async setCrawlDelay(host: string, crawlDelayMs: number | undefined): Promise<void> {
    await this.#c.pool.query(
      `INSERT INTO hosts (host, interval_ms, delay_ms, crawl_delay_ms) VALUES ($1, $3::int, GREATEST($3::int, COALESCE($2::int, 0)), $2::int)
       ON CONFLICT (host) DO UPDATE SET crawl_delay_ms = $2::int, delay_ms = GREATEST(hosts.delay_ms, hosts.interval_ms, COALESCE($2::int, 0)),
         -- the slot booked before the Crawl-delay was read moves to it
         next_allowed_at = CASE WHEN hosts.last_start_at > 0
           THEN GREATEST(hosts.next_allowed_at, hosts.last_start_at + COALESCE($2::int, 0)) ELSE hosts.next_allowed_at END`,
      [host, crawlDelayMs ?? null, this.#defaultIntervalMs],
    );
  }

  async reserve(host: string, now: number): Promise<number> {
    const r = await this.#c.pool.query<{ start: string }>(
      `INSERT INTO hosts (host, interval_ms, delay_ms, last_start_at, next_allowed_at) VALUES ($1, $3::int, $3::int, $2::bigint, $2::bigint + $3::int)
       ON CONFLICT (host) DO UPDATE SET
         last_start_at = GREATEST($2::bigint, hosts.next_allowed_at, hosts.backoff_until),
         next_allowed_at = GREATEST($2::bigint, hosts.next_allowed_at, hosts.backoff_until)
           + GREATEST(hosts.delay_ms, hosts.interval_ms, COALESCE(hosts.crawl_delay_ms, 0))
       RETURNING last_start_at AS start`,
      [host, Math.floor(now), this.#defaultIntervalMs],
    );
    return Number(r.rows[0]!.start);
  }

  async observe(host: string, o: HostObservation, now: number): Promise<void> {
    const slow = o.timeout === true || o.status === 429 || o.status === 503;
    // A Retry-After is honoured on a 429/503 only, and for at most the embedded crawl's limit.
    const until = slow && !o.timeout && o.retryAfterMs !== undefined ? Math.floor(now + Math.min(Math.max(0, o.retryAfterMs), DEFAULT_MAX_RETRY_AFTER_MS)) : 0;
    await this.#c.pool.query(
      `UPDATE hosts SET
         delay_ms = CASE WHEN $2::boolean THEN LEAST($4::int, hosts.delay_ms * 2)
                         ELSE GREATEST(hosts.interval_ms, COALESCE(hosts.crawl_delay_ms, 0), (hosts.delay_ms * 0.9)::int) END,
         backoff_until = GREATEST(hosts.backoff_until, $3::bigint)
       WHERE host = $1`,
      [host, slow, until, MAX_DELAY_MS],
    );
  }

  async timing(host: string, _now?: number): Promise<HostTiming | undefined> {
    const r = (await this.#c.pool.query<HostRow>('SELECT * FROM hosts WHERE host = $1', [host])).rows[0];
    if (!r) return undefined;
    return {
      host,
      baseIntervalMs: Math.max(r.interval_ms, r.crawl_delay_ms ?? 0),
      crawlDelayMs: r.crawl_delay_ms ?? undefined,
      delayMs: r.delay_ms,
      lastStartAt: Number(r.last_start_at),
      blockedUntil: Number(r.backoff_until),
      nextAllowedAt: Number(r.next_allowed_at),
    };
  }
}
