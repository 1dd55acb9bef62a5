/**
 * The crawl scope of a site: which hosts its crawl may request. A site may request its own domain
 * (the registrable domain of its entry URLs, as `siteKey` names it: any `*.pingtan.gov.cn`; an IP
 * address counts with its port) and the hosts of its registry `allowHosts` (`host`, `host:port`,
 * `*.domain`). Every other host is refused with `NB_FETCH_OUT_OF_SCOPE` before anything is sent,
 * robots.txt included; the check runs on the first URL and on every redirect hop.
 *
 * Whether a host's addresses may be private is the other half (`src/fetch/scope.ts`): refused
 * for every site except those marked `local: true` (the demo portal, tests).
 */
import { siteKey } from '../../parsers/sites/generic.js';
import { OutOfScopeError } from '../fetch/scope.js';
import type { Site } from '../sites/registry.js';

/** Non-http(s) schemes a crawl never requests; links using them are counted or recorded, never followed. */
export const REFUSED_SCHEMES = ['file:', 'ftp:', 'javascript:', 'data:', 'mailto:'] as const;

export class SiteScope {
  readonly site: string;
  readonly #keys: Set<string>;
  readonly #exact: Set<string>;
  readonly #suffixes: string[];

  constructor(site: Pick<Site, 'name' | 'entries' | 'allowHosts'>) {
    this.site = site.name;
    this.#keys = new Set(site.entries.map((e) => siteKey(new URL(e).host)));
    this.#exact = new Set();
    this.#suffixes = [];
    for (const h of site.allowHosts ?? []) {
      const host = h.toLowerCase();
      if (host.startsWith('*.')) this.#suffixes.push(host.slice(1));
      else this.#exact.add(host);
    }
  }

  /** Whether the crawl of this site may request `url` (http(s) only). */
  allows(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const host = url.host.toLowerCase();
    if (this.#keys.has(siteKey(host)) || this.#exact.has(host)) return true;
    return url.port === '' && this.#suffixes.some((s) => url.hostname.toLowerCase().endsWith(s));
  }

  /** Throws {@link OutOfScopeError} unless the crawl of this site may request `url`. */
  readonly check = (url: URL): void => {
    if (!this.allows(url)) throw new OutOfScopeError(url.host, `the scope of site "${this.site}"`, { url: url.href });
  };
}

/**
 * The fetcher options that make a crawl refuse private addresses: every host but those of
 * `local` sites (their entries' and `allowHosts`' host names).
 */
export function addressPolicy(sites: readonly Pick<Site, 'entries' | 'allowHosts' | 'local'>[]): { refusePrivateAddresses: true; localHosts: string[] } {
  const local = new Set<string>();
  for (const s of sites) {
    if (!s.local) continue;
    for (const e of s.entries) local.add(new URL(e).hostname);
    for (const h of s.allowHosts ?? []) if (!h.startsWith('*.')) local.add(new URL(`http://${h}`).hostname);
  }
  return { refusePrivateAddresses: true, localHosts: [...local] };
}

/** A link a page offers with a scheme the crawl never follows. */
export interface RefusedLink {
  scheme: (typeof REFUSED_SCHEMES)[number];
  /** The `href` as written (at most 300 characters; a `data:` URL is cut). */
  href: string;
}

const REFUSED_HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi;

/**
 * The `href`s of a page (list or report page) that use a non-http(s) scheme: `file:`, `ftp:`,
 * `javascript:`, `data:`, `mailto:` (case and leading blanks ignored). The discovery adapters
 * drop such links; this lets the crawl count or record them instead of losing them silently.
 */
export function refusedLinks(html: string): RefusedLink[] {
  const out: RefusedLink[] = [];
  for (const m of html.matchAll(REFUSED_HREF)) {
    const href = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    const scheme = /^([a-z]+):/i.exec(href)?.[1]?.toLowerCase();
    const known = REFUSED_SCHEMES.find((s) => s === `${scheme}:`);
    if (known) out.push({ scheme: known, href: href.slice(0, 300) });
  }
  return out;
}
