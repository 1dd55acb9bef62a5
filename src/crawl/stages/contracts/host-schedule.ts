/**
 * The host schedule's contract: when each host may be asked next, shared by every worker of a
 * crawl, with the per-host policy, timing state and observations it works from.
 */

/** Per-host settings: from the options and the registry, plus the robots.txt Crawl-delay. */
export interface HostPolicy {
  /** Minimum time between two request starts, ms. */
  intervalMs: number;
  /** Requests in flight at once to the host. */
  concurrency: number;
}

/** A host's timing state (shared across workers in a coordinated crawl). */
export interface HostTiming {
  host: string;
  /** The floor: max(interval, Crawl-delay). */
  baseIntervalMs: number;
  crawlDelayMs: number | undefined;
  /** Current interval (≥ floor; grows on 429/503 and timeouts, shrinks back after other answers). */
  delayMs: number;
  /** Epoch ms of the last request start (0: never). */
  lastStartAt: number;
  /** Epoch ms before which no request starts (Retry-After). */
  blockedUntil: number;
  /** Epoch ms at which the next request may start. */
  nextAllowedAt: number;
}

/** How a request to a host ended, for its delay. */
export interface HostObservation {
  status?: number;
  /** A Retry-After the host sent, ms from now. */
  retryAfterMs?: number;
  /** The request timed out (`NB_FETCH_TIMEOUT`). */
  timeout?: boolean;
}

/**
 * When each host may be asked next. `reserve` is the one decision: it returns the start time it
 * booked for the caller (now, or the host's next allowed time) and moves the host's next allowed
 * time past it, so concurrent callers (threads, processes, machines) never get the same slot. A
 * PostgreSQL version is one `UPDATE hosts … RETURNING` per request.
 */
export interface HostSchedule {
  setPolicy(host: string, policy: Partial<HostPolicy>): Promise<void>;
  setCrawlDelay(host: string, crawlDelayMs: number | undefined): Promise<void>;
  /** Books the next start on `host` at or after `now` (epoch ms); resolves with that time. */
  reserve(host: string, now: number): Promise<number>;
  /**
   * A booked start was sent late, at `sentAt` (the caller's process was busy when its slot came):
   * the host's next allowed time moves to a delay after `sentAt`, so the gap the site sees before
   * the next request is not shortened by the lateness.
   */
  started(host: string, sentAt: number): Promise<void>;
  /** Slows the host down (429/503 with Retry-After, timeouts) or lets it recover. */
  observe(host: string, o: HostObservation, now: number): Promise<void>;
  timing(host: string, now: number): Promise<HostTiming | undefined>;
}
