/**
 * The shapes the plain client trades in: response headers, conditional validators, one hop's
 * response, per-call options and hooks (used by the politeness layer), the result of a fetch, the
 * counters, and the {@link Fetcher} interface itself.
 */
import type { ResolvedFetcherOptions } from './client-options.js';

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
