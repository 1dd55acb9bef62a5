/**
 * The plain HTTP client: `createFetcher` ties one shared undici `Agent` (agents.ts) to the steps of
 * a fetch — each hop checked (scope, private addresses, the politeness layer's robots.txt) and
 * scheduled, sent (exchange.ts: size cap, gzip/deflate/br, total deadline), retried with backoff
 * (retry.ts), redirects followed by hand (redirects.ts), conditional requests (headers.ts) — and
 * keeps the counters. Its options live in client-options.ts, its types in client-types.ts.
 *
 * It returns bytes and headers and never decodes text: see `./text.ts` for that. This module also
 * re-exports what callers import from it (options, types, `headerValue`, `parseRetryAfter`,
 * `backoffDelay`, `abortable`).
 */
import { abortable } from './abortable.js';
import { Agents } from './agents.js';
import { resolveFetcherOptions } from './client-options.js';
import type { FetcherOptions } from './client-options.js';
import type { ClientStats, FetchResult, Fetcher, RequestOptions } from './client-types.js';
import { toFetchError } from './error-mapping.js';
import { FetchError, HttpStatusError } from './errors.js';
import { createExchange } from './exchange.js';
import { conditionalHeaders, defaultRequestHeaders, dropCredentials, headerValue, lowerKeys } from './headers.js';
import { RedirectChain, parseHttpUrl, redirectTarget } from './redirects.js';
import { parseRetryAfter, withRetries } from './retry.js';
import { AddressGuard } from './scope.js';

export { abortable } from './abortable.js';
export { DEFAULT_CONTACT_URL, FetcherOptionsSchema, USER_AGENT_PRODUCT, resolveFetcherOptions } from './client-options.js';
export type { FetcherOptions, ResolvedFetcherOptions } from './client-options.js';
export type {
  ClientStats,
  ConditionalValidators,
  FetchHooks,
  FetchResult,
  Fetcher,
  HopResponse,
  RequestOptions,
  ResponseHeaders,
  RetryInfo,
} from './client-types.js';
export { headerValue } from './headers.js';
export { backoffDelay, parseRetryAfter } from './retry.js';

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
  const baseHeaders = defaultRequestHeaders(opts);
  const exchange = createExchange(opts, agents, stats);

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
      const conditional = conditionalHeaders(ro.conditional);

      const chain = new RedirectChain(first, opts.maxRedirects);
      let current = first;
      for (;;) {
        ro.scope?.(current);
        if (guard) await abortable(guard.check(current), ro.signal, current);
        await abortable(Promise.resolve(ro.hooks?.beforeHop?.(current)), ro.signal, current);
        const hopHeaders = ro.hooks?.headersFor?.(current);
        const headers = { ...baseHeaders, ...conditional, ...extra, ...(hopHeaders ? lowerKeys(hopHeaders) : {}) };
        const url = current;
        const run = () => exchange(url, headers, maxBytes, ro.truncate ?? false, ro.signal);
        // A queued hop (politeness interval, Retry-After) is given up at once when the signal fires.
        const attempt = () => (ro.hooks?.schedule ? abortable(ro.hooks.schedule(url, run), ro.signal, url) : run());
        const hop = await withRetries(url, attempt, maxRetries, opts, ro.signal, (info) => {
          state.retries++;
          stats.retries++;
          ro.hooks?.onRetry?.(info);
        });
        const next = redirectTarget(hop, current);
        if (next) {
          chain.follow(next);
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
          redirects: chain.targets,
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
