/**
 * Redirects of the plain client, followed by hand so that every hop can be checked (scope,
 * private addresses, robots.txt) and scheduled by the politeness layer: which statuses redirect,
 * how a `Location` header is resolved, and the chain that stops at the limit or on a loop. Also the
 * check that the caller's own URL is one the client may request (http or https, fragment removed).
 */
import { InvalidUrlError, RedirectLoopError, TooManyRedirectsError } from './errors.js';
import { headerValue } from './headers.js';
import type { HopResponse } from './client-types.js';

export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The caller's URL, parsed: http or https only, fragment removed; {@link InvalidUrlError} otherwise. */
export function parseHttpUrl(input: string | URL): URL {
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

/** Where `hop` redirects to (resolved against `current`), or undefined when it is not a redirect with a `Location`. */
export function redirectTarget(hop: HopResponse, current: URL): URL | undefined {
  const location = headerValue(hop.headers, 'location');
  if (!REDIRECT_STATUSES.has(hop.status) || !location) return undefined;
  return resolveLocation(location, current);
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

/** The redirects of one fetch: at most `maxRedirects`, never the same URL twice. */
export class RedirectChain {
  /** Each redirect target in order (absolute URLs). */
  readonly targets: string[] = [];
  readonly #visited: Set<string>;

  constructor(
    readonly first: URL,
    readonly maxRedirects: number,
  ) {
    this.#visited = new Set([first.href]);
  }

  /** Record a redirect to `next`; throws {@link TooManyRedirectsError} past the limit, {@link RedirectLoopError} on a URL seen before. */
  follow(next: URL): void {
    if (this.targets.length >= this.maxRedirects) {
      throw new TooManyRedirectsError(this.maxRedirects, [...this.targets, next.href], { url: this.first.href });
    }
    if (this.#visited.has(next.href)) throw new RedirectLoopError(next.href, [...this.targets, next.href], { url: this.first.href });
    this.#visited.add(next.href);
    this.targets.push(next.href);
  }
}
