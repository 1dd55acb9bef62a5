/**
 * Retries of the plain client: which failures are retried (timeouts, connection errors, 429 and
 * 5xx — never other 4xx), how long to wait (exponential backoff with full jitter, or the server's
 * `Retry-After` when longer and not too long), and the loop that runs one hop until it succeeds,
 * stops being retryable or the retry budget is spent.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { ResolvedFetcherOptions } from './client-options.js';
import type { HopResponse, RetryInfo } from './client-types.js';
import { toFetchError } from './error-mapping.js';
import { FetchAbortedError, FetchError, FetchTimeoutError, isRetryableStatus } from './errors.js';
import { headerValue } from './headers.js';

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

/**
 * Run `runHop` (one hop of `url`) until it gives a response that is not retryable, the budget of
 * `maxRetries` retries is spent, a `Retry-After` exceeds `maxRetryAfterMs` (that response is
 * returned) or an error is not retryable (thrown). `onRetry` is called before each wait.
 */
export async function withRetries(
  url: URL,
  runHop: () => Promise<HopResponse>,
  maxRetries: number,
  opts: ResolvedFetcherOptions,
  signal: AbortSignal | undefined,
  onRetry: (info: RetryInfo) => void,
): Promise<HopResponse> {
  let midResponseTimeouts = 0;
  for (let attempt = 0; ; attempt++) {
    let delayMs: number;
    let reason: number | string;
    try {
      const res = await runHop();
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
    onRetry({ url, retry: attempt + 1, delayMs, reason });
    try {
      await sleepTimer(delayMs, undefined, signal ? { signal } : undefined);
    } catch (err) {
      throw new FetchAbortedError({ url: url.href, cause: err });
    }
  }
}
