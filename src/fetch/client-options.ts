/**
 * The plain client's options: the documented {@link FetcherOptions}, their zod schema with the
 * defaults, and the User-Agent built from the package version and the operator's contact.
 */
import { PACKAGE_VERSION } from '../version.js';
import { z } from 'zod';
import { FetchOptionsError } from './errors.js';

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
