/**
 * Request and response headers of the plain client: the default request headers (User-Agent,
 * Accept…, overridable per fetcher), the conditional-request headers built from remembered
 * validators, the credentials dropped when a redirect leaves the origin, and reading a response
 * header by name.
 */
import type { ResolvedFetcherOptions } from './client-options.js';
import type { ConditionalValidators, ResponseHeaders } from './client-types.js';

/** First value of a response header (case-insensitive name). */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The content-codings every request asks for (the crawler's POST requests too): see docs/fetch.md. */
export const ACCEPT_ENCODING = 'gzip, deflate';

/** The headers every request of a fetcher carries; the fetcher's `headers` option wins over the defaults. */
export function defaultRequestHeaders(opts: ResolvedFetcherOptions): Record<string, string> {
  return {
    'user-agent': opts.userAgent,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5',
    // No `br`: a gzip answer is snapshotted as it came (body.ts wholeGzipOf), a brotli one is
    // decoded and gzipped again; most government servers answer gzip anyway. A `br` body sent
    // unasked is still decoded.
    'accept-encoding': ACCEPT_ENCODING,
    ...lowerKeys(opts.headers),
  };
}

/** `If-None-Match` / `If-Modified-Since` from an earlier fetch's validators (none when absent). */
export function conditionalHeaders(validators: ConditionalValidators | undefined): Record<string, string> {
  const conditional: Record<string, string> = {};
  if (validators?.etag) conditional['if-none-match'] = validators.etag;
  if (validators?.lastModified) conditional['if-modified-since'] = validators.lastModified;
  return conditional;
}

export function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** The headers without Cookie and Authorization (a redirect left the origin). */
export function dropCredentials(h: Record<string, string>): Record<string, string> {
  const { cookie: _c, authorization: _a, ...rest } = h;
  return rest;
}

/** undici's response headers without the undefined entries. */
export function cleanHeaders(h: Record<string, string | string[] | undefined>): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}
