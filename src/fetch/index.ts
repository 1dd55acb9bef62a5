/**
 * The fetch stage: a polite HTTP fetcher = the plain client (`client.ts`) + robots.txt
 * (`robots.ts`) + per-host queues (`politeness.ts`).
 *
 * ```ts
 * const fetcher = createPoliteFetcher({ contactUrl: 'mailto:me@example.org' });
 * const res = await fetcher.fetch('https://www.example.gov.cn/zwgk/ndbg/', { kind: 'list', conditional: { etag } });
 * if (res.notModified) …; else decodeResponse(res).text …
 * console.log(fetcher.stats());
 * await fetcher.close();
 * ```
 */
import { z } from 'zod';
import { FetcherOptionsSchema, createFetcher } from './client.js';
import type { ConditionalValidators, ClientStats, FetchHooks, FetchResult, Fetcher, FetcherOptions, HopResponse } from './client.js';
import { FetchOptionsError, RobotsDisallowedError } from './errors.js';
import { Politeness, PolitenessOptionsSchema } from './politeness.js';
import type { HostPolicy, HostStats, PolitenessOptions } from './politeness.js';
import { RobotsCache, RobotsOptionsSchema } from './robots.js';
import type { RobotsOptions, RobotsStats } from './robots.js';

export * from './errors.js';
export {
  createFetcher,
  resolveFetcherOptions,
  FetcherOptionsSchema,
  headerValue,
  parseRetryAfter,
  backoffDelay,
  USER_AGENT_PRODUCT,
  DEFAULT_CONTACT_URL,
} from './client.js';
export type {
  Fetcher,
  FetcherOptions,
  ResolvedFetcherOptions,
  FetchResult,
  RequestOptions,
  FetchHooks,
  HopResponse,
  RetryInfo,
  ConditionalValidators,
  ClientStats,
  ResponseHeaders,
} from './client.js';
export { RobotsCache, RobotsOptionsSchema } from './robots.js';
export type { RobotsOptions, RobotsRules, RobotsDecision, RobotsState, RobotsStats } from './robots.js';
export { Politeness, PolitenessOptionsSchema } from './politeness.js';
export type { PolitenessOptions, HostPolicy, HostStats, ObservedResponse } from './politeness.js';
export { decodeResponse, isHtmlResponse } from './text.js';
export { wholeGzipOf } from './body.js';
export { AddressGuard, OutOfScopeError, PrivateAddressError, classifyAddress } from './scope.js';
export type { AddressClass, AddressGuardOptions } from './scope.js';

/** Options of {@link createPoliteFetcher}: the client's options plus robots and politeness. */
export interface PoliteFetcherOptions extends FetcherOptions {
  /**
   * Skip robots.txt entirely (no request, no Crawl-delay). The caller must warn the user
   * (`--ignore-robots`). Per-host exceptions: `robotsIgnoredHosts`.
   * @default false
   */
  ignoreRobots?: boolean | undefined;
  /** Hosts (`host:port` or host name) for which robots.txt is not consulted (documented, human-approved overrides). @default [] */
  robotsIgnoredHosts?: string[] | undefined;
  /** robots.txt cache options. @default {} */
  robots?: RobotsOptions | undefined;
  /** Per-host queues, intervals and slow-down. @default {} */
  politeness?: PolitenessOptions | undefined;
}

const PoliteFetcherOptionsSchema = FetcherOptionsSchema.extend({
  ignoreRobots: z.boolean().default(false),
  robotsIgnoredHosts: z.array(z.string().min(1)).default([]),
  robots: RobotsOptionsSchema.default(RobotsOptionsSchema.parse({})),
  politeness: PolitenessOptionsSchema.default(PolitenessOptionsSchema.parse({})),
});

const _politeOptionsMatch = (o: PoliteFetcherOptions): z.input<typeof PoliteFetcherOptionsSchema> => o;
void _politeOptionsMatch;

/** Per-call options of {@link PoliteFetcher.fetch}. */
export interface PoliteFetchOptions {
  /** Validators from the last fetch of this URL (ETag / Last-Modified) → 304 gives `notModified: true`. */
  conditional?: ConditionalValidators | undefined;
  /** Label for statistics: `list`, `report`, `attachment`… @default 'page' */
  kind?: string | undefined;
  /** Extra request headers for this call. */
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** Override the size cap for this call (e.g. large attachments). */
  maxBytes?: number | undefined;
  /** Override the retry budget for this call. */
  maxRetries?: number | undefined;
  /** Override `throwOnHttpError` for this call. */
  throwOnHttpError?: boolean | undefined;
  /** Checked on the first URL and every redirect target before anything is sent (see `RequestOptions.scope`). */
  scope?: ((url: URL) => void) | undefined;
}

/** Counters for the run summary. */
export interface FetchStats extends ClientStats {
  robots: RobotsStats | undefined;
  /** Highest number of requests in flight at once, over all hosts. */
  maxInFlight: number;
  hosts: Record<string, HostStats>;
}

/**
 * An HTTP fetcher that honours robots.txt (by default), spaces and limits requests per host,
 * backs off on 429/503 and Retry-After, retries transient failures and keeps counters.
 * Every hop of a redirect chain is checked against the robots.txt of its own origin and
 * scheduled in its own host's queue.
 */
export class PoliteFetcher {
  readonly client: Fetcher;
  readonly politeness: Politeness;
  /** Undefined when robots.txt is ignored. */
  readonly robots: RobotsCache | undefined;
  readonly #robotsIgnoredHosts: Set<string>;
  readonly #hostHeaders = new Map<string, Record<string, string>>();
  readonly #hooks: FetchHooks;

  constructor(options: PoliteFetcherOptions = {}) {
    const parsed = PoliteFetcherOptionsSchema.safeParse(options ?? {});
    if (!parsed.success) throw new FetchOptionsError(`invalid fetcher options:\n${z.prettifyError(parsed.error)}`);
    const { ignoreRobots, robotsIgnoredHosts, robots, politeness, ...clientOptions } = parsed.data;
    this.client = createFetcher(clientOptions);
    this.politeness = new Politeness(politeness);
    this.#robotsIgnoredHosts = new Set(robotsIgnoredHosts);
    const schedule = (url: URL, run: () => Promise<HopResponse>) => this.politeness.schedule(url, run);
    const headersFor = (url: URL) => this.#hostHeaders.get(url.host) ?? this.#hostHeaders.get(url.hostname);
    this.robots = ignoreRobots
      ? undefined
      : new RobotsCache(this.client, robots, {
          hooks: { schedule, headersFor },
          onRules: (rules) => this.politeness.setCrawlDelay(new URL(rules.origin).host, rules.crawlDelayMs),
        });
    this.#hooks = {
      schedule,
      headersFor,
      beforeHop: async (url) => {
        if (!this.robots || this.#robotsIgnoredHosts.has(url.host) || this.#robotsIgnoredHosts.has(url.hostname)) return;
        try {
          await this.robots.assertAllowed(url);
        } catch (err) {
          if (err instanceof RobotsDisallowedError) this.politeness.count(url.host, 'robotsBlocked');
          throw err;
        }
      },
      onRetry: (info) => this.politeness.count(info.url.host, 'retries'),
    };
  }

  /** The User-Agent sent with every request. */
  get userAgent(): string {
    return this.client.userAgent;
  }

  /** Whether robots.txt is consulted (false with `ignoreRobots`). */
  get respectsRobots(): boolean {
    return this.robots !== undefined;
  }

  /**
   * Fetch `url` politely. Resolves with the final response, including 4xx/5xx ones unless
   * `throwOnHttpError`; rejects with a `FetchError` subclass (see `errors.ts`), e.g.
   * {@link RobotsDisallowedError} before any request is sent to a disallowed URL.
   */
  fetch(url: string | URL, options: PoliteFetchOptions = {}): Promise<FetchResult> {
    return this.client.fetch(url, { ...options, hooks: this.#hooks });
  }

  /** Headers added to every request to `host` (`host:port` or host name), e.g. cookies from a browser session. */
  setHostHeaders(host: string, headers: Record<string, string> | undefined): void {
    if (headers) this.#hostHeaders.set(host, headers);
    else this.#hostHeaders.delete(host);
  }

  /** Per-host concurrency / interval override (e.g. from the site registry). */
  setHostPolicy(host: string, policy: HostPolicy): void {
    this.politeness.setHostPolicy(host, policy);
  }

  stats(): FetchStats {
    const p = this.politeness.stats();
    return { ...this.client.stats(), robots: this.robots?.stats(), maxInFlight: p.maxInFlight, hosts: p.hosts };
  }

  /** Waits for queued requests, then closes the sockets. */
  async close(): Promise<void> {
    await this.politeness.onIdle();
    await this.client.close();
  }

  /** Drops queued requests and the sockets now, without waiting (an interrupted crawl). */
  async destroy(): Promise<void> {
    this.politeness.stop();
    await this.client.destroy();
  }
}

export function createPoliteFetcher(options: PoliteFetcherOptions = {}): PoliteFetcher {
  return new PoliteFetcher(options);
}
