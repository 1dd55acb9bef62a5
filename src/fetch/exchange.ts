/**
 * One HTTP exchange of the plain client: one GET through the shared undici Agent under a total
 * deadline, the response size cap enforced on the declared length and while streaming (on the
 * wire and after decompression, body.ts), gzip/deflate/br undone, and any failure mapped to a
 * fetch error. Redirects, 304 and 204 come back with an empty body; nothing is retried here.
 */
import { request } from 'undici';
import type { Readable } from 'node:stream';
import type { Agents } from './agents.js';
import { parseContentEncoding, readBody } from './body.js';
import type { ResolvedFetcherOptions } from './client-options.js';
import type { ClientStats, HopResponse } from './client-types.js';
import { findPrivateAddressError, toFetchError } from './error-mapping.js';
import { BodyTooLargeError, FetchAbortedError, FetchTimeoutError } from './errors.js';
import { cleanHeaders, headerValue } from './headers.js';
import { REDIRECT_STATUSES } from './redirects.js';
import { PrivateAddressError } from './scope.js';

/** Sends one request for `url` and reads its response; counts requests and body bytes in the stats. */
export type Exchange = (url: URL, headers: Record<string, string>, maxBytes: number, truncate: boolean, signal?: AbortSignal) => Promise<HopResponse>;

const EMPTY: Buffer = Buffer.alloc(0);

/** The exchange of a fetcher with these options, Agents and counters. */
export function createExchange(opts: ResolvedFetcherOptions, agents: Agents, stats: ClientStats): Exchange {
  return async function exchange(url, headers, maxBytes, truncate, signal) {
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
  };
}

/** Destroy a body we no longer want without an unhandled 'error' event (undici emits AbortError). */
function discard(stream: Readable): void {
  stream.on('error', () => undefined);
  if (!stream.destroyed) stream.destroy();
}
