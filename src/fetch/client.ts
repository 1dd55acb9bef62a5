/**
 * The plain HTTP client: one shared undici `Agent`, bounded retries with exponential backoff and
 * full jitter, manual redirects (so every hop can be checked against robots.txt and scheduled by
 * the politeness layer), a response size cap enforced while streaming (on the wire and after
 * decompression), gzip/deflate/br decoding (body.ts) and conditional requests.
 *
 * It returns bytes and headers and never decodes text: see `./text.ts` for that.
 */
import { PACKAGE_VERSION } from '../version.js';
import { request } from 'undici';
import { Agents } from './agents.js';
import { AddressGuard, PrivateAddressError } from './scope.js';
import { parseContentEncoding, readBody } from './body.js';
import type { Readable } from 'node:stream';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { z } from 'zod';
import {
  BodyTooLargeError,
  ConnectionError,
  DnsError,
  FetchAbortedError,
  FetchError,
  FetchOptionsError,
  FetchTimeoutError,
  HttpStatusError,
  InvalidUrlError,
  ProtocolError,
  RedirectLoopError,
  TlsError,
  TooManyRedirectsError,
  isRetryableStatus,
} from './errors.js';

/** Version token sent in the User-Agent. */
export const USER_AGENT_PRODUCT = `nianbao/${PACKAGE_VERSION}`;
/**
 * Placeholder put in the User-Agent when no contact is configured: deliberately not a URL, so no
 * made-up address is ever sent. Deployments should set `contactUrl` to a page or `mailto:`
 * address where a site operator can reach whoever runs the crawl (`nianbao crawl --contact`).
 */
export const DEFAULT_CONTACT_URL = 'no contact configured';

/** Options of {@link createFetcher}. All are optional; defaults are listed with each. */
export interface FetcherOptions {
  /**
   * Full User-Agent string. When unset it is built as `nianbao/<version> (+<contactUrl>)`; robots.txt
   * groups are matched on the product token before the `/` (`nianbao`).
   * @default `nianbao/<package version> (+${contactUrl})`
   */
  userAgent?: string | undefined;
  /**
   * Where a site operator can learn about the crawler or reach its operator (URL or `mailto:`).
   * @default DEFAULT_CONTACT_URL
   */
  contactUrl?: string | undefined;
  /** TCP + TLS connect timeout. @default 10000 */
  connectTimeoutMs?: number | undefined;
  /** Time allowed between sending the request and receiving all response headers. @default 30000 */
  headersTimeoutMs?: number | undefined;
  /** Longest idle gap between two body chunks. @default 60000 */
  bodyTimeoutMs?: number | undefined;
  /**
   * Total deadline of one attempt (connect + headers + whole body), so a server dripping bytes
   * cannot hold a fetch: the attempt fails with `NB_FETCH_TIMEOUT` (phase `total`). A fetch whose
   * response timed out mid-way (`total` or idle `body` timeout) is retried at most once.
   * @default 60000
   */
  requestTimeoutMs?: number | undefined;
  /** Retries after the first attempt on timeouts, connection errors, 5xx and 429 (never other 4xx). @default 3 */
  maxRetries?: number | undefined;
  /**
   * Refuse to connect to loopback, private, link-local, unspecified, CGNAT, multicast and reserved
   * addresses (IP literals before the request, resolved addresses in the connection's lookup):
   * `NB_FETCH_PRIVATE_ADDRESS`, nothing sent. The crawler turns it on; a plain client allows all.
   * @default false
   */
  refusePrivateAddresses?: boolean | undefined;
  /** With `refusePrivateAddresses`: host names (no port) exempt from it — the hosts of `local` sites. @default [] */
  localHosts?: string[] | undefined;
  /** Backoff base: retry n waits a random time in [0, min(max, base·2ⁿ)) ("full jitter"). @default 1000 */
  retryBaseDelayMs?: number | undefined;
  /** Backoff cap. @default 30000 */
  retryMaxDelayMs?: number | undefined;
  /**
   * Longest `Retry-After` the client waits for before a retry; a longer one ends the retries and
   * the 429/503 response is returned (or thrown with `throwOnHttpError`). @default 120000
   */
  maxRetryAfterMs?: number | undefined;
  /** Redirects followed per fetch (relative `Location` is resolved; loops are detected). @default 5 */
  maxRedirects?: number | undefined;
  /** Response size cap in bytes, enforced on the wire and again after decompression. @default 20971520 (20 MiB) */
  maxBytes?: number | undefined;
  /**
   * Throw {@link HttpStatusError} for a final status that is neither 2xx nor 304. Off by default:
   * the crawler records 404 and error pages, so they are returned like any other response.
   * @default false
   */
  throwOnHttpError?: boolean | undefined;
  /** Sockets per origin in the shared Agent (politeness limits concurrency further). @default 6 */
  connectionsPerOrigin?: number | undefined;
  /** Extra request headers sent with every request (lower-case names win over the defaults). @default {} */
  headers?: Record<string, string> | undefined;
  /**
   * Hosts (`host:port`, as in `URL.host`) whose TLS certificate is not verified — for portals
   * known to serve an expired, self-signed or incomplete certificate chain (a registry site's
   * `overrides.tls: "insecure"`). Their requests go through a second Agent; every other host's
   * certificate is verified. @default []
   */
  insecureHosts?: string[] | undefined;
}

const ms = () => z.number().int().min(0);

/** Zod schema of {@link FetcherOptions}; unknown keys are rejected. */
export const FetcherOptionsSchema = z.strictObject({
  userAgent: z.string().min(1).optional(),
  contactUrl: z.string().min(1).default(DEFAULT_CONTACT_URL),
  connectTimeoutMs: ms().min(1).default(10_000),
  headersTimeoutMs: ms().min(1).default(30_000),
  bodyTimeoutMs: ms().min(1).default(60_000),
  requestTimeoutMs: ms().min(1).default(60_000),
  maxRetries: z.number().int().min(0).max(20).default(3),
  retryBaseDelayMs: ms().default(1000),
  retryMaxDelayMs: ms().default(30_000),
  maxRetryAfterMs: ms().default(120_000),
  maxRedirects: z.number().int().min(0).max(50).default(5),
  maxBytes: z
    .number()
    .int()
    .min(1)
    .default(20 * 1024 * 1024),
  throwOnHttpError: z.boolean().default(false),
  connectionsPerOrigin: z.number().int().min(1).default(6),
  headers: z.record(z.string(), z.string()).default({}),
  insecureHosts: z.array(z.string().min(1)).default([]),
  refusePrivateAddresses: z.boolean().default(false),
  localHosts: z.array(z.string().min(1)).default([]),
});

export type ResolvedFetcherOptions = z.output<typeof FetcherOptionsSchema> & { userAgent: string };

// Compile-time check that the documented interface matches what the schema accepts.
const _optionsMatchSchema = (o: FetcherOptions): z.input<typeof FetcherOptionsSchema> => o;
void _optionsMatchSchema;

/** Validate options with zod; throws {@link FetchOptionsError} naming every bad field. */
export function resolveFetcherOptions(options: unknown = {}): ResolvedFetcherOptions {
  const parsed = FetcherOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new FetchOptionsError(`invalid fetcher options:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  const o = parsed.data;
  const contact = o.contactUrl === DEFAULT_CONTACT_URL ? '' : ` (+${o.contactUrl})`;
  return { ...o, userAgent: o.userAgent ?? `${USER_AGENT_PRODUCT}${contact}` };
}

/** Response headers as undici gives them: lower-case names, values decoded as latin1 (byte-preserving). */
export type ResponseHeaders = Record<string, string | string[]>;

/** Validators remembered from an earlier fetch of the same URL. */
export interface ConditionalValidators {
  /** Sent as `If-None-Match`. */
  etag?: string | null | undefined;
  /** Sent as `If-Modified-Since` (the earlier `Last-Modified` value, verbatim). */
  lastModified?: string | null | undefined;
}

/** One HTTP exchange (one hop of one attempt), as seen by the politeness layer. */
export interface HopResponse {
  url: URL;
  status: number;
  headers: ResponseHeaders;
  /** Decompressed body; empty for redirects, 304 and HEAD. */
  body: Buffer;
  /** Bytes read from the socket for the body (before decompression). */
  rawBytes: number;
  /** Content-codings removed from the body, in the order they were undone. */
  decodedEncodings: string[];
  /** The body was cut at the size limit (only with `truncate`). */
  truncated: boolean;
  /** The body's gzip as it came on the wire, when whole (see FetchResult.gzip). */
  gzip?: Buffer;
  /** When the response headers arrived. */
  receivedAt: Date;
}

/** Why the client is about to retry. */
export interface RetryInfo {
  url: URL;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** The status (429/5xx) or error code that caused the retry. */
  reason: number | string;
}

/**
 * Hooks used by the politeness layer (`PoliteFetcher`); a plain client needs none.
 * Every hop of every attempt goes through `beforeHop` then `schedule`.
 */
export interface FetchHooks {
  /** Called before each hop (first URL and every redirect target); throw to stop (robots.txt). */
  beforeHop?: ((url: URL) => Promise<void> | void) | undefined;
  /** Runs one exchange, e.g. inside a per-host queue. Must call `run` exactly once and return its result. */
  schedule?: ((url: URL, run: () => Promise<HopResponse>) => Promise<HopResponse>) | undefined;
  /** Called before sleeping for a retry. */
  onRetry?: ((info: RetryInfo) => void) | undefined;
  /** Extra headers for one hop (e.g. cookies kept per host); merged over the per-call headers. */
  headersFor?: ((url: URL) => Record<string, string> | undefined) | undefined;
}

/** Per-call options of {@link Fetcher.fetch}. */
export interface RequestOptions {
  /** Validators from an earlier fetch: sends `If-None-Match` / `If-Modified-Since`; a 304 gives `notModified: true`. */
  conditional?: ConditionalValidators | undefined;
  /** Extra headers for this request (e.g. `cookie` reused from a browser session). Cookie and
   * Authorization are dropped when a redirect leaves the origin. */
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** Overrides the fetcher's `maxBytes` for this call (attachments may need more). */
  maxBytes?: number | undefined;
  /**
   * Instead of failing with {@link BodyTooLargeError}, stop reading at `maxBytes` and return the
   * first `maxBytes` bytes with `truncated: true` (used for robots.txt). @default false
   */
  truncate?: boolean | undefined;
  /** Overrides the fetcher's `maxRetries` for this call. */
  maxRetries?: number | undefined;
  /** Overrides the fetcher's `throwOnHttpError` for this call. */
  throwOnHttpError?: boolean | undefined;
  /**
   * Called with the first URL and every redirect target before anything is requested for it (not
   * even robots.txt); throw (e.g. `OutOfScopeError`) to refuse the hop.
   */
  scope?: ((url: URL) => void) | undefined;
  /** Free label for statistics (`list`, `report`, `attachment`, `robots`, …). @default 'page' */
  kind?: string | undefined;
  hooks?: FetchHooks | undefined;
}

/** What {@link Fetcher.fetch} returns. Non-2xx statuses are returned, not thrown (unless `throwOnHttpError`). */
export interface FetchResult {
  /** The requested URL (normalised by WHATWG `URL`, fragment removed). */
  url: string;
  /** The URL that produced the final response (after redirects). */
  finalUrl: string;
  status: number;
  headers: ResponseHeaders;
  /** The body, already decompressed (never charset-decoded). Empty for 304. */
  body: Buffer;
  /** ISO time at which the final response's headers arrived. */
  fetchedAt: string;
  /** Each redirect target in order (resolved absolute URLs); the last one equals `finalUrl`. Empty without redirects. */
  redirects: string[];
  /** True when a conditional request got 304 Not Modified. */
  notModified: boolean;
  /** HTTP attempts made: 1 + the number of retries (redirect hops are not counted). */
  attempts: number;
  /** Body bytes on the wire (compressed size) of the final response. */
  rawBytes: number;
  /** Content-codings removed from the body (`['gzip']`, …). */
  decodedEncodings: string[];
  /** True when `truncate` was set and the body was cut at `maxBytes`. */
  truncated: boolean;
  /**
   * The body as it came on the wire when that was one whole gzip stream of it (body.ts
   * `wholeGzipOf`; small bodies only): a snapshot stores these bytes instead of compressing again.
   */
  gzip?: Buffer;
  /** Validators for the next conditional request of `url`. */
  validators: { etag?: string; lastModified?: string };
  kind: string;
  /** Wall time of the whole fetch, including retries and politeness waits. */
  elapsedMs: number;
}

/** Counters of one fetcher since it was created. */
export interface ClientStats {
  /** Calls of `fetch`. */
  fetches: number;
  /** HTTP exchanges sent (attempts × hops). */
  requests: number;
  retries: number;
  redirects: number;
  notModified: number;
  /** Body bytes read from sockets. */
  bytesRaw: number;
  /** Body bytes after decompression. */
  bytesDecoded: number;
  /** Final statuses of completed fetches, keyed by status. */
  statuses: Record<string, number>;
  /** Failed fetches, keyed by error code. */
  errors: Record<string, number>;
  byKind: Record<string, { fetches: number; bytes: number; errors: number }>;
}

export interface Fetcher {
  readonly options: ResolvedFetcherOptions;
  readonly userAgent: string;
  fetch(url: string | URL, options?: RequestOptions): Promise<FetchResult>;
  stats(): ClientStats;
  /** Closes the shared Agent's sockets (waits for requests in flight). */
  close(): Promise<void>;
  /** Drops every socket now, failing the requests in flight (an interrupted crawl). */
  destroy(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const EMPTY: Buffer = Buffer.alloc(0);

/** Create a fetcher with one shared undici Agent. Throws {@link FetchOptionsError} for bad options. */
export function createFetcher(options: FetcherOptions = {}): Fetcher {
  const opts = resolveFetcherOptions(options);
  const guard = opts.refusePrivateAddresses ? new AddressGuard({ localHosts: opts.localHosts }) : undefined;
  const agents = new Agents(
    { headersTimeout: opts.headersTimeoutMs, bodyTimeout: opts.bodyTimeoutMs, connections: opts.connectionsPerOrigin, keepAliveTimeout: 4_000 },
    opts.connectTimeoutMs,
    opts.insecureHosts,
    guard,
  );
  const stats: ClientStats = {
    fetches: 0,
    requests: 0,
    retries: 0,
    redirects: 0,
    notModified: 0,
    bytesRaw: 0,
    bytesDecoded: 0,
    statuses: {},
    errors: {},
    byKind: {},
  };
  const baseHeaders: Record<string, string> = {
    'user-agent': opts.userAgent,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5',
    'accept-encoding': 'gzip, deflate, br',
    ...lowerKeys(opts.headers),
  };

  async function exchange(url: URL, headers: Record<string, string>, maxBytes: number, truncate: boolean, signal?: AbortSignal): Promise<HopResponse> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.requestTimeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stats.requests++;
    let bodyStream: Readable | undefined;
    try {
      if (signal?.aborted) throw new FetchAbortedError({ url: url.href, cause: signal.reason });
      const res = await request(url, {
        dispatcher: agents.for(url),
        method: 'GET',
        headers,
        signal: controller.signal,
        headersTimeout: opts.headersTimeoutMs,
        bodyTimeout: opts.bodyTimeoutMs,
      });
      bodyStream = res.body;
      const receivedAt = new Date();
      const resHeaders = cleanHeaders(res.headers);
      const base = { url, status: res.statusCode, headers: resHeaders, receivedAt };
      if (REDIRECT_STATUSES.has(res.statusCode) || res.statusCode === 304 || res.statusCode === 204) {
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return { ...base, body: EMPTY, rawBytes: 0, decodedEncodings: [], truncated: false };
      }
      const declared = Number(headerValue(resHeaders, 'content-length'));
      if (!truncate && Number.isFinite(declared) && declared > maxBytes) {
        discard(res.body);
        throw new BodyTooLargeError('declared', maxBytes, declared, { url: url.href });
      }
      const encodings = parseContentEncoding(headerValue(resHeaders, 'content-encoding'));
      const { body, rawBytes, truncated, gzip } = await readBody(res.body, encodings, maxBytes, truncate, url.href);
      stats.bytesRaw += rawBytes;
      stats.bytesDecoded += body.length;
      return { ...base, body, rawBytes, decodedEncodings: [...encodings].reverse(), truncated, ...(gzip ? { gzip } : {}) };
    } catch (err) {
      if (bodyStream) discard(bodyStream);
      if (timedOut) throw new FetchTimeoutError('total', opts.requestTimeoutMs, { url: url.href, cause: err });
      const refused = findPrivateAddressError(err);
      if (refused) throw new PrivateAddressError(refused.host, refused.address, refused.addressClass, { url: url.href });
      if (signal?.aborted) throw new FetchAbortedError({ url: url.href, cause: signal.reason });
      throw toFetchError(err, url, opts);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function hopWithRetries(
    url: URL,
    headers: Record<string, string>,
    maxBytes: number,
    maxRetries: number,
    state: { retries: number },
    ro: RequestOptions,
  ): Promise<HopResponse> {
    const run = () => exchange(url, headers, maxBytes, ro.truncate ?? false, ro.signal);
    let midResponseTimeouts = 0;
    for (let attempt = 0; ; attempt++) {
      let delayMs: number;
      let reason: number | string;
      try {
        // A queued hop (politeness interval, Retry-After) is given up at once when the signal fires.
        const res = ro.hooks?.schedule ? await abortable(ro.hooks.schedule(url, run), ro.signal, url) : await run();
        if (!isRetryableStatus(res.status) || attempt >= maxRetries) return res;
        const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'));
        if (retryAfter !== undefined && retryAfter > opts.maxRetryAfterMs) return res;
        delayMs = Math.max(backoffDelay(attempt, opts.retryBaseDelayMs, opts.retryMaxDelayMs), retryAfter ?? 0);
        reason = res.status;
      } catch (err) {
        const fe = err instanceof FetchError ? err : toFetchError(err, url, opts);
        if (!fe.retryable || attempt >= maxRetries) throw fe;
        // A response that dripped past the deadline or stalled mid-body gets one more chance, not maxRetries.
        if (fe instanceof FetchTimeoutError && (fe.phase === 'total' || fe.phase === 'body') && ++midResponseTimeouts > 1) throw fe;
        delayMs = backoffDelay(attempt, opts.retryBaseDelayMs, opts.retryMaxDelayMs);
        reason = fe.code;
      }
      state.retries++;
      stats.retries++;
      ro.hooks?.onRetry?.({ url, retry: attempt + 1, delayMs, reason });
      try {
        await sleepTimer(delayMs, undefined, ro.signal ? { signal: ro.signal } : undefined);
      } catch (err) {
        throw new FetchAbortedError({ url: url.href, cause: err });
      }
    }
  }

  async function fetchUrl(input: string | URL, ro: RequestOptions = {}): Promise<FetchResult> {
    const started = performance.now();
    const kind = ro.kind ?? 'page';
    const kindStats = (stats.byKind[kind] ??= { fetches: 0, bytes: 0, errors: 0 });
    stats.fetches++;
    kindStats.fetches++;
    const state = { retries: 0 };
    try {
      const first = parseHttpUrl(input);
      const maxBytes = ro.maxBytes ?? opts.maxBytes;
      const maxRetries = ro.maxRetries ?? opts.maxRetries;
      const throwOnHttpError = ro.throwOnHttpError ?? opts.throwOnHttpError;
      let extra = lowerKeys(ro.headers ?? {});
      const conditional: Record<string, string> = {};
      if (ro.conditional?.etag) conditional['if-none-match'] = ro.conditional.etag;
      if (ro.conditional?.lastModified) conditional['if-modified-since'] = ro.conditional.lastModified;

      const visited = new Set([first.href]);
      const redirects: string[] = [];
      let current = first;
      for (;;) {
        ro.scope?.(current);
        if (guard) await abortable(guard.check(current), ro.signal, current);
        await abortable(Promise.resolve(ro.hooks?.beforeHop?.(current)), ro.signal, current);
        const hopHeaders = ro.hooks?.headersFor?.(current);
        const headers = { ...baseHeaders, ...conditional, ...extra, ...(hopHeaders ? lowerKeys(hopHeaders) : {}) };
        const hop = await hopWithRetries(current, headers, maxBytes, maxRetries, state, ro);
        const location = headerValue(hop.headers, 'location');
        if (REDIRECT_STATUSES.has(hop.status) && location) {
          const next = resolveLocation(location, current);
          if (redirects.length >= opts.maxRedirects) {
            throw new TooManyRedirectsError(opts.maxRedirects, [...redirects, next.href], { url: first.href });
          }
          if (visited.has(next.href)) throw new RedirectLoopError(next.href, [...redirects, next.href], { url: first.href });
          visited.add(next.href);
          redirects.push(next.href);
          stats.redirects++;
          if (next.origin !== current.origin) extra = dropCredentials(extra);
          current = next;
          continue;
        }
        const notModified = hop.status === 304;
        if (notModified) stats.notModified++;
        stats.statuses[hop.status] = (stats.statuses[hop.status] ?? 0) + 1;
        if (throwOnHttpError && !notModified && (hop.status < 200 || hop.status > 299)) {
          throw new HttpStatusError(hop.status, {
            url: current.href,
            retryAfterMs: parseRetryAfter(headerValue(hop.headers, 'retry-after')),
          });
        }
        kindStats.bytes += hop.body.length;
        const etag = headerValue(hop.headers, 'etag');
        const lastModified = headerValue(hop.headers, 'last-modified');
        return {
          url: first.href,
          finalUrl: current.href,
          status: hop.status,
          headers: hop.headers,
          body: hop.body,
          fetchedAt: hop.receivedAt.toISOString(),
          redirects,
          notModified,
          attempts: 1 + state.retries,
          rawBytes: hop.rawBytes,
          decodedEncodings: hop.decodedEncodings,
          truncated: hop.truncated,
          ...(hop.gzip ? { gzip: hop.gzip } : {}),
          validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) },
          kind,
          elapsedMs: Math.round(performance.now() - started),
        };
      }
    } catch (err) {
      const fe = err instanceof FetchError ? err : toFetchError(err, undefined, opts);
      fe.attempts = 1 + state.retries;
      stats.errors[fe.code] = (stats.errors[fe.code] ?? 0) + 1;
      kindStats.errors++;
      throw fe;
    }
  }

  return {
    options: opts,
    userAgent: opts.userAgent,
    fetch: fetchUrl,
    stats: () => structuredClone(stats),
    close: () => agents.close(),
    destroy: () => agents.destroy(),
  };
}

/** The guard's refusal, as the connection error or one of its causes. */
function findPrivateAddressError(err: unknown, depth = 0): PrivateAddressError | undefined {
  if (err instanceof PrivateAddressError) return err;
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  return findPrivateAddressError((err as { cause?: unknown }).cause, depth + 1);
}

/** `p`, or a {@link FetchAbortedError} as soon as `signal` fires (`p` keeps running; its result is dropped). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, url: URL): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new FetchAbortedError({ url: url.href, cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new FetchAbortedError({ url: url.href, cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// helpers (exported for the politeness layer and tests)

/** First value of a response header (case-insensitive name). */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Parse `Retry-After`: delta-seconds or an HTTP date. Returns milliseconds from `now` (never
 * negative), or undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Full-jitter exponential backoff for retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

function parseHttpUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch (err) {
    throw new InvalidUrlError(`not a URL: ${String(input).slice(0, 200)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(`unsupported scheme ${url.protocol}`, { url: url.href });
  }
  url.hash = '';
  return url;
}

/**
 * Resolve a `Location` header against the current URL. undici hands header values over as latin1,
 * so bytes ≥ 0x80 (raw UTF-8 or GBK) are percent-encoded as the bytes they were.
 */
function resolveLocation(location: string, base: URL): URL {
  // eslint-disable-next-line no-control-regex
  const ascii = location.trim().replace(/[^\x00-\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  let next: URL;
  try {
    next = new URL(ascii, base);
  } catch (err) {
    throw new InvalidUrlError(`bad redirect Location ${JSON.stringify(location.slice(0, 200))}`, { url: base.href, cause: err });
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new InvalidUrlError(`redirect to unsupported scheme ${next.protocol}`, { url: base.href });
  }
  next.hash = '';
  return next;
}

/** Destroy a body we no longer want without an unhandled 'error' event (undici emits AbortError). */
function discard(stream: Readable): void {
  stream.on('error', () => undefined);
  if (!stream.destroyed) stream.destroy();
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function dropCredentials(h: Record<string, string>): Record<string, string> {
  const { cookie: _c, authorization: _a, ...rest } = h;
  return rest;
}

function cleanHeaders(h: Record<string, string | string[] | undefined>): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) return errorCode(e.errors[0]);
  return errorCode(e.cause);
}

/** Map an undici / node:net / TLS error to one of our classes. */
function toFetchError(err: unknown, url: URL | undefined, opts: ResolvedFetcherOptions): FetchError {
  if (err instanceof FetchError) return err;
  const href = url?.href;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const o = { url: href, cause: err } as { url?: string; cause: unknown };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new FetchTimeoutError('connect', opts.connectTimeoutMs, o);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new FetchTimeoutError('headers', opts.headersTimeoutMs, o);
    case 'UND_ERR_BODY_TIMEOUT':
      return new FetchTimeoutError('body', opts.bodyTimeoutMs, o);
    case 'ENOTFOUND':
      return new DnsError(url?.hostname ?? '?', o);
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return new FetchAbortedError(o);
    case undefined:
      break;
    default:
      if (CONNECTION_CODES.has(code)) return new ConnectionError(message, { ...o, systemCode: code });
      if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_INFO') {
        return new ProtocolError(message, o);
      }
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/.test(code)) return new TlsError(message, { ...o, systemCode: code });
  }
  return new FetchError('NB_FETCH_FAILED', message, o);
}
