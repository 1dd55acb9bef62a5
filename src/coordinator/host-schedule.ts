/**
 * Per-host politeness shared by every worker: the {@link HostSchedule} contract on the `hosts`
 * table. `reserve` is one `INSERT … ON CONFLICT DO UPDATE … RETURNING`: it books the start time
 * (now, or the host's next allowed time, or the end of its Retry-After block) and moves the next
 * allowed time past it by the host's current delay plus a random jitter, under the row lock, so two
 * workers (or two machines) never get the same slot; `started` moves it past a start that was sent
 * late. Times are epoch ms of the workers' clocks (keep them in NTP).
 * The jitter follows the embedded crawl's rule (src/fetch/host-clock.ts): a fraction drawn in
 * [0, jitterRatio) by the worker that books the slot, stored on the row (`jitter`) and applied to
 * the delay after that start — gap = floor(delay × (1 + jitter)), never below the delay — so a
 * multi-worker crawl does not ask a host at a perfectly regular rhythm.
 * 429/503 and timeouts slow the host down and other answers let it recover by the embedded crawl's
 * own steps and rules (`slowDown`, `recover`, `blockFor` and {@link DEFAULT_HOST_CLOCK_RULES} of
 * src/fetch/host-clock.ts): the delay doubles, to at least 1 s and at most 60 s, and a Retry-After
 * blocks the host for at most 5 minutes.
 */
import type { HostObservation, HostPolicy, HostSchedule, HostTiming } from '../crawl/stages/contracts.js';
import { blockFor, DEFAULT_HOST_CLOCK_RULES, recover, slowDown, type HostClockRules, type HostClockState } from '../fetch/host-clock.js';
import type { Coordinator } from './connect.js';

interface HostRow {
  host: string;
  interval_ms: number;
  crawl_delay_ms: number | null;
  delay_ms: number;
  last_start_at: string;
  backoff_until: string;
  next_allowed_at: string;
  jitter: number;
}

/** The host's gap after its last start, in SQL: its delay (at least interval and Crawl-delay) with the row's jitter. */
const JITTERED_GAP = 'floor(GREATEST(hosts.delay_ms, hosts.interval_ms, COALESCE(hosts.crawl_delay_ms, 0)) * (1 + hosts.jitter))::bigint';

export class PgHostSchedule implements HostSchedule {
  readonly #c: Coordinator;
  readonly #defaultIntervalMs: number;
  readonly #rules: Readonly<HostClockRules>;
  readonly #random: () => number;

  /**
   * `rules`: how a host slows down and recovers, and its jitter (`jitterRatio`: the crawl's option
   * of that name); the embedded crawl's defaults unless given. `random`: the jitter's source (tests
   * pass a fixed one).
   */
  constructor(c: Coordinator, o: { defaultIntervalMs: number; rules?: Partial<HostClockRules>; random?: () => number }) {
    this.#c = c;
    this.#defaultIntervalMs = o.defaultIntervalMs;
    this.#rules = { ...DEFAULT_HOST_CLOCK_RULES, ...o.rules };
    this.#random = o.random ?? Math.random;
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
         -- the slot booked before the Crawl-delay was read moves to it (with the slot's jitter)
         next_allowed_at = CASE WHEN hosts.last_start_at > 0
           THEN GREATEST(hosts.next_allowed_at, hosts.last_start_at + floor(COALESCE($2::int, 0) * (1 + hosts.jitter))::bigint) ELSE hosts.next_allowed_at END`,
      [host, crawlDelayMs ?? null, this.#defaultIntervalMs],
    );
  }

  /** Books the next start; the jitter of the gap after it is drawn here, by the booking worker. */
  async reserve(host: string, now: number): Promise<number> {
    const jitter = this.#random() * this.#rules.jitterRatio;
    const r = await this.#c.pool.query<{ start: string }>(
      `INSERT INTO hosts (host, interval_ms, delay_ms, last_start_at, next_allowed_at, jitter)
         VALUES ($1, $3::int, $3::int, $2::bigint, $2::bigint + floor($3::int * (1 + $4::float8))::bigint, $4::float8)
       ON CONFLICT (host) DO UPDATE SET
         last_start_at = GREATEST($2::bigint, hosts.next_allowed_at, hosts.backoff_until),
         next_allowed_at = GREATEST($2::bigint, hosts.next_allowed_at, hosts.backoff_until)
           + floor(GREATEST(hosts.delay_ms, hosts.interval_ms, COALESCE(hosts.crawl_delay_ms, 0)) * (1 + $4::float8))::bigint,
         jitter = $4::float8
       RETURNING last_start_at AS start`,
      [host, Math.floor(now), this.#defaultIntervalMs, jitter],
    );
    return Number(r.rows[0]!.start);
  }

  async started(host: string, sentAt: number): Promise<void> {
    await this.#c.pool.query(
      `UPDATE hosts SET last_start_at = GREATEST(last_start_at, $2::bigint),
         next_allowed_at = GREATEST(next_allowed_at, $2::bigint + ${JITTERED_GAP})
       WHERE host = $1`,
      [host, Math.floor(sentAt)],
    );
  }

  async observe(host: string, o: HostObservation, now: number): Promise<void> {
    const slow = o.timeout === true || o.status === 429 || o.status === 503;
    await this.#c.tx(async (db) => {
      const r = (await db.query<HostRow>('SELECT * FROM hosts WHERE host = $1 FOR UPDATE', [host])).rows[0];
      if (!r) return;
      // The embedded crawl's steps (host-clock.ts) on the row, under its lock.
      const h: HostClockState = {
        intervalMs: r.interval_ms,
        crawlDelayMs: r.crawl_delay_ms ?? undefined,
        delayMs: r.delay_ms,
        lastStartAt: Number(r.last_start_at),
        jitter: r.jitter,
        notBefore: Number(r.backoff_until),
      };
      if (slow) {
        slowDown(h, this.#rules);
        // A Retry-After is honoured on a 429/503 only, and for at most the embedded crawl's limit.
        if (!o.timeout && o.retryAfterMs !== undefined) blockFor(h, Math.max(0, o.retryAfterMs), Math.floor(now), this.#rules);
      } else {
        recover(h, this.#rules);
      }
      // As in the embedded crawl, a slow-down applies to the very next request (the slot booked with the old delay moves).
      await db.query(
        `UPDATE hosts SET delay_ms = $2::int, backoff_until = $3::bigint,
           next_allowed_at = CASE WHEN $4::boolean AND last_start_at > 0
             THEN GREATEST(next_allowed_at, last_start_at + floor($2::int * (1 + jitter))::bigint) ELSE next_allowed_at END
         WHERE host = $1`,
        [host, Math.round(h.delayMs), Math.floor(h.notBefore), slow],
      );
    });
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
