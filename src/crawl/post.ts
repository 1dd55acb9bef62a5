/**
 * POST requests for list APIs (TRS `/fjdzapp/search`, Hanweb `dataproxy.jsp`). The polite
 * fetcher only sends GETs, so this sends the form with undici through the same politeness layer
 * (the host's queue, interval, 429/503 slow-down) and robots.txt cache, with bounded retries on
 * 5xx/429/timeouts/resets, and returns a {@link FetchResult} like the fetcher does.
 */
import { request } from 'undici';
import { Agents } from '../fetch/agents.js';
import { PrivateAddressError, type AddressGuard } from '../fetch/scope.js';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import {
  BodyTooLargeError,
  ConnectionError,
  FetchError,
  FetchTimeoutError,
  FetchAbortedError,
  backoffDelay,
  headerValue,
  parseRetryAfter,
  type FetchResult,
  type PoliteFetcher,
  type ResponseHeaders,
} from '../fetch/index.js';
import { abortable } from '../fetch/client.js';
import { ACCEPT_ENCODING } from '../fetch/headers.js';
import { wholeGzipOf } from '../fetch/body.js';

export interface PostOptions {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Total deadline of one attempt (headers + body); a POST timed out mid-way is retried once. @default 60000 */
  requestTimeoutMs?: number | undefined;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxRetryAfterMs: number;
  maxBytes: number;
  /** robots.txt is not consulted (the `--ignore-robots` run, or a registry exception). */
  ignoreRobots: boolean;
  /** Hosts whose TLS certificate is not verified (registry `overrides.tls: "insecure"`). */
  insecureHosts?: string[] | undefined;
  /** Refuses private addresses in each connection's lookup (the crawl's address policy). */
  addressGuard?: AddressGuard | undefined;
}

export interface PostRequest {
  url: string;
  body: string;
  contentType?: string | undefined;
  kind?: string | undefined;
  /** Extra headers (cookies and User-Agent from a browser session). */
  headers?: Record<string, string> | undefined;
  /** Aborts the POST (an interrupted crawl). */
  signal?: AbortSignal | undefined;
}

const RETRYABLE_STATUS = (s: number): boolean => s === 429 || (s >= 500 && s <= 599);

/** Sends API POSTs politely; one pair of undici Agents (see `Agents`) for all of them. */
export class PolitePoster {
  readonly #agents: Agents;
  readonly #fetcher: PoliteFetcher;
  readonly #o: PostOptions;

  constructor(fetcher: PoliteFetcher, options: PostOptions) {
    this.#fetcher = fetcher;
    this.#o = options;
    this.#agents = new Agents(
      { headersTimeout: options.headersTimeoutMs, bodyTimeout: options.bodyTimeoutMs, connections: 2, keepAliveTimeout: 4_000 },
      options.connectTimeoutMs,
      options.insecureHosts,
      options.addressGuard,
    );
  }

  async post(req: PostRequest): Promise<FetchResult> {
    const started = performance.now();
    const url = new URL(req.url);
    url.hash = '';
    await this.#o.addressGuard?.check(url); // before robots.txt; the connection's lookup checks again
    if (!this.#o.ignoreRobots && this.#fetcher.robots) {
      try {
        await this.#fetcher.robots.assertAllowed(url);
      } catch (err) {
        this.#fetcher.politeness.count(url.host, 'robotsBlocked');
        throw err;
      }
    }
    const headers: Record<string, string> = {
      'user-agent': this.#fetcher.userAgent,
      accept: 'application/json, text/xml, application/xml, text/html;q=0.9, */*;q=0.8',
      'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5',
      'accept-encoding': ACCEPT_ENCODING,
      'content-type': req.contentType ?? 'application/x-www-form-urlencoded; charset=UTF-8',
      ...lower(req.headers ?? {}),
    };
    let attempts = 0;
    let timeouts = 0;
    for (;;) {
      attempts++;
      let delay: number;
      try {
        if (req.signal?.aborted) throw new FetchAbortedError({ url: url.href, cause: req.signal.reason });
        const res = await abortable(
          this.#fetcher.politeness.schedule(url, () => this.#exchange(url, headers, req.body, req.signal)),
          req.signal,
          url,
        );
        const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'));
        if (!RETRYABLE_STATUS(res.status) || attempts > this.#o.maxRetries || (retryAfter ?? 0) > this.#o.maxRetryAfterMs) {
          const etag = headerValue(res.headers, 'etag');
          const lastModified = headerValue(res.headers, 'last-modified');
          return {
            url: url.href,
            finalUrl: url.href,
            status: res.status,
            headers: res.headers,
            body: res.body,
            fetchedAt: res.receivedAt.toISOString(),
            redirects: [],
            notModified: false,
            attempts,
            rawBytes: res.rawBytes,
            decodedEncodings: res.encoding ? [res.encoding] : [],
            truncated: false,
            validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) },
            kind: req.kind ?? 'api',
            elapsedMs: Math.round(performance.now() - started),
            ...(res.gzip ? { gzip: res.gzip } : {}),
          };
        }
        delay = Math.max(backoffDelay(attempts - 1, this.#o.retryBaseDelayMs, this.#o.retryMaxDelayMs), retryAfter ?? 0);
      } catch (err) {
        const fe = err instanceof FetchError ? err : new ConnectionError(err instanceof Error ? err.message : String(err), { url: url.href, cause: err });
        if (!fe.retryable || attempts > this.#o.maxRetries || (fe instanceof FetchTimeoutError && fe.phase === 'total' && ++timeouts > 1)) {
          fe.attempts = attempts;
          throw fe;
        }
        delay = backoffDelay(attempts - 1, this.#o.retryBaseDelayMs, this.#o.retryMaxDelayMs);
      }
      this.#fetcher.politeness.count(url.host, 'retries');
      try {
        await sleep(delay, undefined, req.signal ? { signal: req.signal } : undefined);
      } catch (err) {
        throw new FetchAbortedError({ url: url.href, cause: err });
      }
    }
  }

  async #exchange(
    url: URL,
    headers: Record<string, string>,
    body: string,
    caller?: AbortSignal,
  ): Promise<{
    status: number;
    headers: ResponseHeaders;
    body: Buffer;
    rawBytes: number;
    encoding: string | undefined;
    receivedAt: Date;
    gzip: Buffer | undefined;
  }> {
    const limitMs = this.#o.requestTimeoutMs ?? 60_000;
    const deadline = AbortSignal.timeout(limitMs);
    const signal = caller ? AbortSignal.any([deadline, caller]) : deadline;
    const failed = (err: unknown): FetchError => {
      if (caller?.aborted) return new FetchAbortedError({ url: url.href, cause: err });
      if (deadline.aborted) return new FetchTimeoutError('total', limitMs, { url: url.href, cause: err });
      return err instanceof FetchError ? err : classify(err, url);
    };
    let res;
    try {
      res = await request(url, { dispatcher: this.#agents.for(url), method: 'POST', headers, body, signal });
    } catch (err) {
      throw failed(err);
    }
    const receivedAt = new Date();
    const resHeaders: ResponseHeaders = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k] = v;
    const chunks: Buffer[] = [];
    let raw = 0;
    try {
      for await (const chunk of res.body) {
        raw += (chunk as Buffer).length;
        if (raw > this.#o.maxBytes) {
          res.body.destroy();
          throw new BodyTooLargeError('raw', this.#o.maxBytes, raw, { url: url.href });
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw failed(err);
    }
    const wire: Buffer = Buffer.concat(chunks);
    let out = wire;
    const encoding = headerValue(resHeaders, 'content-encoding')?.trim().toLowerCase();
    if (encoding && encoding !== 'identity' && out.length > 0) {
      try {
        if (encoding === 'gzip' || encoding === 'x-gzip') out = zlib.gunzipSync(out, { maxOutputLength: this.#o.maxBytes });
        else if (encoding === 'br') out = zlib.brotliDecompressSync(out, { maxOutputLength: this.#o.maxBytes });
        else if (encoding === 'deflate') out = inflateAny(out, this.#o.maxBytes);
      } catch (err) {
        throw new FetchError('NB_FETCH_DECOMPRESSION', `could not decode ${encoding} body: ${(err as Error).message}`, { url: url.href, cause: err });
      }
    }
    // A whole gzip answer is kept as it came for its snapshot, as the GET client does (FetchResult.gzip).
    const gzip = encoding === 'gzip' || encoding === 'x-gzip' ? wholeGzipOf(wire, out) : undefined;
    return { status: res.statusCode, headers: resHeaders, body: out, rawBytes: raw, encoding, receivedAt, gzip };
  }

  close(): Promise<void> {
    return this.#agents.close();
  }
}

function inflateAny(b: Buffer, max: number): Buffer {
  try {
    return zlib.inflateSync(b, { maxOutputLength: max });
  } catch {
    return zlib.inflateRawSync(b, { maxOutputLength: max });
  }
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function classify(err: unknown, url: URL): FetchError {
  if (err instanceof PrivateAddressError || (err as { cause?: unknown } | null)?.cause instanceof PrivateAddressError) {
    const p = err instanceof PrivateAddressError ? err : (err as { cause: PrivateAddressError }).cause;
    return new PrivateAddressError(p.host, p.address, p.addressClass, { url: url.href });
  }
  const code = (err as { code?: string } | null)?.code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (/TIMEOUT/.test(code))
    return new FetchTimeoutError(/HEADERS/.test(code) ? 'headers' : /BODY/.test(code) ? 'body' : 'connect', 0, { url: url.href, cause: err });
  return new ConnectionError(message, { url: url.href, cause: err, systemCode: code || undefined });
}
