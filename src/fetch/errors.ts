/**
 * Errors of the HTTP layer. Every error extends {@link FetchError} (itself a `NianbaoError`) and
 * carries a stable `code`; whether a failure is worth retrying is a property of the class (and,
 * for {@link HttpStatusError}, of the status), never of the message. Callers branch on `code`
 * or `instanceof`, or simply on {@link isRetryable}.
 *
 * | code | class | retryable |
 * | --- | --- | --- |
 * | `NB_FETCH_TIMEOUT` | {@link FetchTimeoutError} | yes |
 * | `NB_FETCH_CONNECTION` | {@link ConnectionError} | yes |
 * | `NB_FETCH_DNS` | {@link DnsError} | no |
 * | `NB_FETCH_TLS` | {@link TlsError} | no |
 * | `NB_FETCH_HTTP_STATUS` | {@link HttpStatusError} | only 5xx and 429 |
 * | `NB_FETCH_TOO_MANY_REDIRECTS` | {@link TooManyRedirectsError} | no |
 * | `NB_FETCH_REDIRECT_LOOP` | {@link RedirectLoopError} | no |
 * | `NB_FETCH_INVALID_URL` | {@link InvalidUrlError} | no |
 * | `NB_FETCH_TOO_LARGE` | {@link BodyTooLargeError} | no |
 * | `NB_FETCH_DECOMPRESSION` | {@link DecompressionError} | no |
 * | `NB_FETCH_PROTOCOL` | {@link ProtocolError} | no |
 * | `NB_FETCH_ROBOTS` | {@link RobotsDisallowedError} | no |
 * | `NB_FETCH_OUT_OF_SCOPE` | `OutOfScopeError` (`scope.ts`): host not allowed for the site | no |
 * | `NB_FETCH_PRIVATE_ADDRESS` | `PrivateAddressError` (`scope.ts`): loopback/private/link-local… address | no |
 * | `NB_FETCH_ABORTED` | {@link FetchAbortedError} | no |
 * | `NB_FETCH_OPTIONS` | {@link FetchOptionsError} | no |
 * | `NB_FETCH_FAILED` | {@link FetchError} (anything unclassified) | no |
 */
import { NianbaoError } from '../../parsers/errors.js';

export type FetchErrorCode =
  | 'NB_FETCH_TIMEOUT'
  | 'NB_FETCH_CONNECTION'
  | 'NB_FETCH_DNS'
  | 'NB_FETCH_TLS'
  | 'NB_FETCH_HTTP_STATUS'
  | 'NB_FETCH_TOO_MANY_REDIRECTS'
  | 'NB_FETCH_REDIRECT_LOOP'
  | 'NB_FETCH_INVALID_URL'
  | 'NB_FETCH_TOO_LARGE'
  | 'NB_FETCH_DECOMPRESSION'
  | 'NB_FETCH_PROTOCOL'
  | 'NB_FETCH_ROBOTS'
  | 'NB_FETCH_OUT_OF_SCOPE'
  | 'NB_FETCH_PRIVATE_ADDRESS'
  | 'NB_FETCH_ABORTED'
  | 'NB_FETCH_OPTIONS'
  | 'NB_FETCH_FAILED';

/** Base class of every error thrown by `src/fetch`. */
export class FetchError extends NianbaoError {
  declare readonly code: FetchErrorCode;
  /** The URL being requested when the error happened (the redirect hop, not necessarily the first URL). */
  readonly url: string | undefined;
  /** Whether repeating the same request later may succeed. */
  readonly retryable: boolean;
  /** How many attempts were made before giving up; set by the client when the error leaves it. */
  attempts = 1;
  constructor(code: FetchErrorCode, message: string, options?: { url?: string | undefined; retryable?: boolean; cause?: unknown }) {
    super(code, options?.url ? `${message} (${options.url})` : message, { cause: options?.cause });
    this.url = options?.url;
    this.retryable = options?.retryable ?? false;
  }
}

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'total';

/**
 * A timeout: TCP/TLS connect, waiting for the response headers, an idle gap between body chunks,
 * or the overall per-attempt deadline (`total`). Retryable — but a `total` or `body` timeout (a
 * response that started and then dripped or stalled) only once per fetch.
 */
export class FetchTimeoutError extends FetchError {
  declare readonly code: 'NB_FETCH_TIMEOUT';
  readonly phase: TimeoutPhase;
  constructor(phase: TimeoutPhase, timeoutMs: number, options?: { url?: string; cause?: unknown }) {
    super('NB_FETCH_TIMEOUT', `${phase} timeout after ${timeoutMs} ms`, { ...options, retryable: true });
    this.phase = phase;
  }
}

/** The connection was refused, reset or closed early by the other side. Retryable. */
export class ConnectionError extends FetchError {
  declare readonly code: 'NB_FETCH_CONNECTION';
  /** The system or undici error code (`ECONNRESET`, `ECONNREFUSED`, `UND_ERR_SOCKET`, …). */
  readonly systemCode: string | undefined;
  constructor(message: string, options?: { url?: string; systemCode?: string | undefined; cause?: unknown }) {
    super('NB_FETCH_CONNECTION', message, { ...options, retryable: true });
    this.systemCode = options?.systemCode;
  }
}

/** The host name does not resolve (`ENOTFOUND`). Not retryable: the portal moved or is gone. */
export class DnsError extends FetchError {
  declare readonly code: 'NB_FETCH_DNS';
  constructor(host: string, options?: { url?: string; cause?: unknown }) {
    super('NB_FETCH_DNS', `host not found: ${host}`, { ...options, retryable: false });
  }
}

/** TLS handshake or certificate failure (expired, self-signed, wrong host). Not retryable. */
export class TlsError extends FetchError {
  declare readonly code: 'NB_FETCH_TLS';
  readonly systemCode: string | undefined;
  constructor(message: string, options?: { url?: string; systemCode?: string | undefined; cause?: unknown }) {
    super('NB_FETCH_TLS', message, { ...options, retryable: false });
    this.systemCode = options?.systemCode;
  }
}

/**
 * A non-2xx final status, thrown only when `throwOnHttpError` is on (by default the response is
 * returned). Retryable for 5xx and 429, never for other 4xx.
 */
export class HttpStatusError extends FetchError {
  declare readonly code: 'NB_FETCH_HTTP_STATUS';
  readonly status: number;
  /** Delay asked for by a `Retry-After` header, in ms, when present. */
  readonly retryAfterMs: number | undefined;
  constructor(status: number, options?: { url?: string; retryAfterMs?: number | undefined }) {
    super('NB_FETCH_HTTP_STATUS', `HTTP ${status}`, {
      url: options?.url,
      retryable: isRetryableStatus(status),
    });
    this.status = status;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** More than `maxRedirects` redirects. */
export class TooManyRedirectsError extends FetchError {
  declare readonly code: 'NB_FETCH_TOO_MANY_REDIRECTS';
  readonly redirects: readonly string[];
  constructor(maxRedirects: number, redirects: readonly string[], options?: { url?: string }) {
    super('NB_FETCH_TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects`, options);
    this.redirects = redirects;
  }
}

/** A redirect points back to a URL already visited in the same chain. */
export class RedirectLoopError extends FetchError {
  declare readonly code: 'NB_FETCH_REDIRECT_LOOP';
  readonly redirects: readonly string[];
  constructor(target: string, redirects: readonly string[], options?: { url?: string }) {
    super('NB_FETCH_REDIRECT_LOOP', `redirect loop back to ${target}`, options);
    this.redirects = redirects;
  }
}

/** The URL (or a redirect's `Location`) is not a valid http(s) URL. */
export class InvalidUrlError extends FetchError {
  declare readonly code: 'NB_FETCH_INVALID_URL';
  constructor(message: string, options?: { url?: string; cause?: unknown }) {
    super('NB_FETCH_INVALID_URL', message, options);
  }
}

export type SizePhase = 'declared' | 'raw' | 'decoded';

/**
 * The response is over `maxBytes`: announced by `Content-Length` (`declared`), counted on the wire
 * (`raw`) or after decompression (`decoded`, e.g. a gzip bomb). Reading stops as soon as the limit
 * is crossed; the connection is dropped.
 */
export class BodyTooLargeError extends FetchError {
  declare readonly code: 'NB_FETCH_TOO_LARGE';
  readonly limit: number;
  readonly received: number;
  readonly phase: SizePhase;
  constructor(phase: SizePhase, limit: number, received: number, options?: { url?: string }) {
    super('NB_FETCH_TOO_LARGE', `response over ${limit} bytes (${phase}: ${received})`, options);
    this.limit = limit;
    this.received = received;
    this.phase = phase;
  }
}

/** The body could not be decompressed, or uses a content-coding we do not support. */
export class DecompressionError extends FetchError {
  declare readonly code: 'NB_FETCH_DECOMPRESSION';
  readonly encoding: string;
  constructor(encoding: string, message: string, options?: { url?: string; cause?: unknown }) {
    super('NB_FETCH_DECOMPRESSION', `${encoding}: ${message}`, options);
    this.encoding = encoding;
  }
}

/** The server spoke broken HTTP (parser error, bad headers). */
export class ProtocolError extends FetchError {
  declare readonly code: 'NB_FETCH_PROTOCOL';
  constructor(message: string, options?: { url?: string; cause?: unknown }) {
    super('NB_FETCH_PROTOCOL', message, options);
  }
}

/**
 * robots.txt forbids the URL (`reason: 'disallowed'`), or robots.txt could not be fetched because
 * of a 5xx/429/network error, which RFC 9309 §2.3.1.4 says means "complete disallow"
 * (`reason: 'unreachable'`; `retryAfterMs` tells when the robots cache will try again).
 * Not retryable in-line; a crawler may re-queue `unreachable` URLs for later.
 */
/** Why a site's robots.txt could not be read, said by its cause: a connection that failed is not a robots rule. */
function unreachableMessage(robotsUrl: string, errorCode: string | undefined, httpStatus: number | undefined): string {
  const origin = robotsUrl.replace(/\/robots\.txt$/, '');
  switch (errorCode) {
    case 'NB_FETCH_CONNECTION':
    case 'NB_FETCH_TIMEOUT':
      return `cannot connect to ${origin} (${errorCode} while fetching robots.txt): the site is down or unreachable from here — check the address and your network; nothing else was requested`;
    case 'NB_FETCH_DNS':
      return `${origin}: the host name does not resolve (NB_FETCH_DNS while fetching robots.txt) — check the address for a typo`;
    case 'NB_FETCH_TLS':
      return `${origin}: the TLS handshake failed (NB_FETCH_TLS while fetching robots.txt) — see docs/fetch.md for sites with broken certificates`;
    case undefined:
      return `${robotsUrl} answered ${httpStatus !== undefined ? `HTTP ${httpStatus}` : 'with an error'}: the site is treated as disallowed until it can be read (RFC 9309)`;
    default:
      return `${robotsUrl} could not be read (${errorCode}): the site is treated as disallowed until it can be read (RFC 9309)`;
  }
}

export class RobotsDisallowedError extends FetchError {
  declare readonly code: 'NB_FETCH_ROBOTS';
  readonly reason: 'disallowed' | 'unreachable';
  readonly robotsUrl: string;
  /** The robots.txt line that matched, when known (1-based). */
  readonly line: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    reason: 'disallowed' | 'unreachable',
    robotsUrl: string,
    options?: {
      url?: string;
      line?: number | undefined;
      retryAfterMs?: number | undefined;
      cause?: unknown;
      errorCode?: string | undefined;
      httpStatus?: number | undefined;
    },
  ) {
    super(
      'NB_FETCH_ROBOTS',
      reason === 'disallowed'
        ? `disallowed by ${robotsUrl}${options?.line !== undefined && options.line > 0 ? ` line ${options.line}` : ''}`
        : unreachableMessage(robotsUrl, options?.errorCode, options?.httpStatus),
      options,
    );
    this.reason = reason;
    this.robotsUrl = robotsUrl;
    this.line = options?.line;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The caller's `AbortSignal` fired. */
export class FetchAbortedError extends FetchError {
  declare readonly code: 'NB_FETCH_ABORTED';
  constructor(options?: { url?: string; cause?: unknown }) {
    super('NB_FETCH_ABORTED', 'request aborted', options);
  }
}

/** Invalid fetcher options (zod validation failed); the message lists the fields. */
export class FetchOptionsError extends FetchError {
  declare readonly code: 'NB_FETCH_OPTIONS';
  constructor(message: string, options?: { cause?: unknown }) {
    super('NB_FETCH_OPTIONS', message, options);
  }
}

/**
 * HTTP statuses worth retrying: 5xx (server trouble) and 429 (rate limited) — but not 521, which
 * anti-bot services (加速乐 and the like) answer until a script-set cookie is sent: retrying over
 * plain HTTP cannot pass it, the crawler hands such pages to the browser instead.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 521);
}

/** Whether `err` is a fetch error worth retrying (timeouts, resets, 5xx/429). */
export function isRetryable(err: unknown): boolean {
  return err instanceof FetchError && err.retryable;
}
