/**
 * robots.txt per origin (RFC 9309): fetched once, cached with a TTL, parsed by robots-parser.
 *
 * | robots.txt answer | meaning | cached for |
 * | --- | --- | --- |
 * | 2xx | rules apply (groups matched on our product token, `nianbao`) | `ttlMs` (24 h) |
 * | 4xx except 429 (404, 403, 410…) | "unavailable": everything allowed (RFC 9309 §2.3.1.3) | `ttlMs` |
 * | more than `maxRedirects` redirects, or a redirect loop | "unavailable": everything allowed (§2.3.1.2) | `ttlMs` |
 * | 5xx, 429, network error, timeout | "unreachable": everything disallowed (§2.3.1.4) | `unreachableTtlMs` (10 min), then fetched again |
 *
 * Redirects are followed (up to the fetcher's `maxRedirects`, RFC asks for ≥ 5); the rules still
 * apply to the origin that was asked. At most `maxBytes` (512 KiB) are read; a longer file is
 * truncated, not rejected (RFC: parse at least 500 KiB). `Crawl-delay` (seconds) is reported as
 * `crawlDelayMs`, capped at `maxCrawlDelayMs`, and used by the politeness layer as the minimum
 * interval for the host.
 */
import robotsParserModule from 'robots-parser';
import { z } from 'zod';
import type { FetchHooks, Fetcher } from './client.js';
import { FetchError, FetchOptionsError, RobotsDisallowedError } from './errors.js';

// robots-parser's d.ts declares `export default`, its JS is `module.exports = fn`: under NodeNext the
// default import *is* the function at run time, but TypeScript types it as the module object.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;
type Robot = ReturnType<typeof robotsParser>;

/** Options of {@link RobotsCache}. */
export interface RobotsOptions {
  /** How long fetched rules (or a 4xx "no robots.txt") are trusted. RFC 9309: ≤ 24 h. @default 86400000 */
  ttlMs?: number | undefined;
  /** How long an unreachable robots.txt (5xx, 429, network error) blocks the origin before the next try. @default 600000 */
  unreachableTtlMs?: number | undefined;
  /** Largest `Crawl-delay` honoured; longer values are clamped to this. @default 60000 */
  maxCrawlDelayMs?: number | undefined;
  /** Bytes of robots.txt read; the rest is ignored. @default 524288 */
  maxBytes?: number | undefined;
  /** Retries for the robots.txt request itself. @default 1 */
  maxRetries?: number | undefined;
}

export const RobotsOptionsSchema = z.strictObject({
  ttlMs: z
    .number()
    .int()
    .min(0)
    .default(24 * 3600 * 1000),
  unreachableTtlMs: z
    .number()
    .int()
    .min(0)
    .default(10 * 60 * 1000),
  maxCrawlDelayMs: z.number().int().min(0).default(60_000),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .default(512 * 1024),
  maxRetries: z.number().int().min(0).max(10).default(1),
});
export type ResolvedRobotsOptions = z.output<typeof RobotsOptionsSchema>;
const _robotsOptionsMatch = (o: RobotsOptions): z.input<typeof RobotsOptionsSchema> => o;
void _robotsOptionsMatch;

export type RobotsState = 'parsed' | 'missing' | 'unreachable';

/** The cached robots.txt state of one origin. */
export interface RobotsRules {
  origin: string;
  robotsUrl: string;
  state: RobotsState;
  /** HTTP status of the robots.txt response (undefined after a network error). */
  httpStatus: number | undefined;
  /** Code of the error that made it unreachable, when it was an error. */
  errorCode: string | undefined;
  fetchedAt: Date;
  expiresAt: Date;
  /** `Crawl-delay` for our user agent, in ms, clamped to `maxCrawlDelayMs`. */
  crawlDelayMs: number | undefined;
  sitemaps: string[];
  /** Raw rules (only for `parsed`). */
  robot: Robot | undefined;
}

export interface RobotsDecision {
  allowed: boolean;
  /** `disallowed` by a rule, or the origin is `unreachable`. Undefined when allowed. */
  reason: 'disallowed' | 'unreachable' | undefined;
  /** robots.txt line that matched (1-based), when a rule matched. */
  line: number | undefined;
  rules: RobotsRules;
}

export interface RobotsStats {
  /** robots.txt requests made (cache misses). */
  fetched: number;
  /** URLs refused. */
  disallowed: number;
  /** URLs refused because robots.txt was unreachable. */
  unreachable: number;
  /** Current state per origin. */
  origins: Record<string, { state: RobotsState; httpStatus: number | undefined; crawlDelayMs: number | undefined }>;
}

/**
 * Fetches and caches robots.txt per origin. Concurrent checks for one origin share a single
 * request. `onRules` is called whenever rules are (re)loaded, e.g. to apply Crawl-delay.
 */
export class RobotsCache {
  readonly options: ResolvedRobotsOptions;
  readonly #fetcher: Fetcher;
  readonly #hooks: FetchHooks | undefined;
  readonly #onRules: ((rules: RobotsRules) => void) | undefined;
  readonly #entries = new Map<string, Promise<RobotsRules>>();
  readonly #settled = new Map<string, RobotsRules>();
  #fetched = 0;
  #disallowed = 0;
  #unreachable = 0;

  constructor(
    fetcher: Fetcher,
    options: RobotsOptions = {},
    extra: { hooks?: FetchHooks | undefined; onRules?: ((rules: RobotsRules) => void) | undefined } = {},
  ) {
    const parsed = RobotsOptionsSchema.safeParse(options ?? {});
    if (!parsed.success) throw new FetchOptionsError(`invalid robots options:\n${z.prettifyError(parsed.error)}`);
    this.options = parsed.data;
    this.#fetcher = fetcher;
    this.#hooks = extra.hooks;
    this.#onRules = extra.onRules;
  }

  /** The product token robots.txt groups are matched against (`nianbao`). */
  get userAgent(): string {
    return this.#fetcher.userAgent;
  }

  /** Rules for the origin of `url`, fetching robots.txt when not cached or expired. */
  rulesFor(url: URL | string): Promise<RobotsRules> {
    const origin = new URL(url).origin;
    const cached = this.#settled.get(origin);
    if (cached && cached.expiresAt.getTime() <= Date.now()) {
      this.#settled.delete(origin);
      this.#entries.delete(origin);
    }
    let entry = this.#entries.get(origin);
    if (!entry) {
      entry = this.#load(origin).then(
        (rules) => {
          this.#settled.set(origin, rules);
          this.#onRules?.(rules);
          return rules;
        },
        (err: unknown) => {
          this.#entries.delete(origin); // do not cache an unexpected failure
          throw err;
        },
      );
      this.#entries.set(origin, entry);
    }
    return entry;
  }

  /** Whether our user agent may fetch `url`. robots.txt itself is always allowed. */
  async check(url: URL | string): Promise<RobotsDecision> {
    const u = new URL(url);
    const rules = await this.rulesFor(u);
    if (u.pathname === '/robots.txt') return { allowed: true, reason: undefined, line: undefined, rules };
    if (rules.state === 'missing') return { allowed: true, reason: undefined, line: undefined, rules };
    if (rules.state === 'unreachable') return { allowed: false, reason: 'unreachable', line: undefined, rules };
    const robot = rules.robot!;
    const allowed = robot.isAllowed(u.href, this.userAgent) !== false;
    const line = robot.getMatchingLineNumber(u.href, this.userAgent);
    return { allowed, reason: allowed ? undefined : 'disallowed', line: line > 0 ? line : undefined, rules };
  }

  /** Throws {@link RobotsDisallowedError} unless `url` may be fetched. */
  async assertAllowed(url: URL | string): Promise<void> {
    const d = await this.check(url);
    if (d.allowed) return;
    if (d.reason === 'unreachable') {
      this.#unreachable++;
      throw new RobotsDisallowedError('unreachable', d.rules.robotsUrl, {
        url: String(url),
        retryAfterMs: Math.max(0, d.rules.expiresAt.getTime() - Date.now()),
        errorCode: d.rules.errorCode,
        httpStatus: d.rules.httpStatus,
      });
    }
    this.#disallowed++;
    throw new RobotsDisallowedError('disallowed', d.rules.robotsUrl, { url: String(url), line: d.line });
  }

  /** Forget the cached rules of one origin (or all). */
  clear(origin?: string): void {
    if (origin === undefined) {
      this.#entries.clear();
      this.#settled.clear();
    } else {
      this.#entries.delete(origin);
      this.#settled.delete(origin);
    }
  }

  stats(): RobotsStats {
    const origins: RobotsStats['origins'] = {};
    for (const [o, r] of this.#settled) origins[o] = { state: r.state, httpStatus: r.httpStatus, crawlDelayMs: r.crawlDelayMs };
    return { fetched: this.#fetched, disallowed: this.#disallowed, unreachable: this.#unreachable, origins };
  }

  async #load(origin: string): Promise<RobotsRules> {
    const robotsUrl = `${origin}/robots.txt`;
    const o = this.options;
    const make = (state: RobotsState, httpStatus: number | undefined, extra: Partial<RobotsRules> = {}): RobotsRules => {
      const now = Date.now();
      return {
        origin,
        robotsUrl,
        state,
        httpStatus,
        errorCode: undefined,
        fetchedAt: new Date(now),
        expiresAt: new Date(now + (state === 'unreachable' ? o.unreachableTtlMs : o.ttlMs)),
        crawlDelayMs: undefined,
        sitemaps: [],
        robot: undefined,
        ...extra,
      };
    };
    this.#fetched++;
    let res;
    try {
      res = await this.#fetcher.fetch(robotsUrl, {
        kind: 'robots',
        maxBytes: o.maxBytes,
        truncate: true,
        maxRetries: o.maxRetries,
        throwOnHttpError: false,
        hooks: this.#hooks,
      });
    } catch (err) {
      const errorCode = err instanceof FetchError ? err.code : 'NB_FETCH_FAILED';
      // RFC 9309 §2.3.1.2: too many redirects → the file MAY be treated as unavailable (allow all).
      if (errorCode === 'NB_FETCH_TOO_MANY_REDIRECTS' || errorCode === 'NB_FETCH_REDIRECT_LOOP') {
        return make('missing', undefined, { errorCode });
      }
      return make('unreachable', undefined, { errorCode });
    }
    const s = res.status;
    if (s >= 200 && s <= 299) {
      const text = new TextDecoder('utf-8').decode(res.body); // strips a UTF-8 BOM
      const robot = robotsParser(robotsUrl, text);
      const delay = robot.getCrawlDelay(this.userAgent);
      const crawlDelayMs = delay !== undefined && Number.isFinite(delay) && delay > 0 ? Math.min(Math.round(delay * 1000), o.maxCrawlDelayMs) : undefined;
      return make('parsed', s, { robot, crawlDelayMs, sitemaps: robot.getSitemaps() });
    }
    if (s >= 400 && s <= 499 && s !== 429) return make('missing', s);
    // 5xx, 429, or an unexpected 1xx/3xx left over (e.g. redirect without Location): unreachable.
    return make('unreachable', s);
  }
}
