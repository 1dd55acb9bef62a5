/**
 * The fetch stage ({@link PageFetcher}): the polite HTTP fetcher (robots.txt, per-host queues and
 * intervals, retries), the POST client of list APIs, and the browser for pages that need one —
 * configured from the crawl options and the registry sites being crawled.
 */
import type { ApiRequest } from '../../../parsers/sites/index.js';
import { BrowserSession, BrowserUnavailableError } from '../../browser/index.js';
import { USER_AGENT_PRODUCT, createPoliteFetcher, type FetchResult, type FetchStats, type PoliteFetcher } from '../../fetch/index.js';
import { AddressGuard } from '../../fetch/scope.js';
import { siteSettings, type Site } from '../../sites/registry.js';
import type { CrawlOptionsResolved } from '../options.js';
import type { CrawlSummary } from '../types.js';
import { PolitePoster } from '../post.js';
import { addressPolicy } from '../scope.js';
import type { FetchSite, FrontierRow, PageFetcher, RenderedDocument } from './contracts.js';
import { Got } from './got.js';

export class HttpPageFetcher implements PageFetcher {
  readonly http: PoliteFetcher;
  readonly poster: PolitePoster;
  readonly browser: BrowserSession;
  /** Why the browser cannot be used in this run (set by the first launch that failed). */
  browserUnavailable: string | null = null;
  readonly #hostHeaders = new Map<string, Record<string, string>>();

  constructor(
    readonly o: CrawlOptionsResolved,
    sites: readonly Site[],
    readonly signal: AbortSignal | undefined,
  ) {
    const userAgent = o.contactUrl ? `${USER_AGENT_PRODUCT} (+${o.contactUrl})` : USER_AGENT_PRODUCT;
    const hosts: Record<string, { concurrency?: number; intervalMs?: number }> = {};
    const robotsIgnoredHosts: string[] = [];
    const insecureHosts: string[] = [];
    for (const site of sites) {
      const st = siteSettings(site);
      for (const e of site.entries) {
        const host = new URL(e).host;
        hosts[host] = { concurrency: o.perHostConcurrency ?? st.concurrency, intervalMs: o.intervalMs ?? st.rateMs };
        if (st.ignoreRobots) robotsIgnoredHosts.push(host);
        if (site.overrides.tls === 'insecure') insecureHosts.push(host);
      }
    }
    const f = o.fetch;
    const addresses = addressPolicy(sites);
    const timeouts = {
      connectTimeoutMs: f.connectTimeoutMs,
      headersTimeoutMs: f.headersTimeoutMs,
      bodyTimeoutMs: f.bodyTimeoutMs,
      requestTimeoutMs: f.requestTimeoutMs,
      maxRetries: f.maxRetries,
      retryBaseDelayMs: f.retryBaseDelayMs,
      retryMaxDelayMs: f.retryMaxDelayMs,
    };
    this.http = createPoliteFetcher({
      ...addresses,
      userAgent,
      insecureHosts,
      ...timeouts,
      maxBytes: f.maxBytes,
      ignoreRobots: o.ignoreRobots,
      robotsIgnoredHosts,
      politeness: {
        globalConcurrency: o.globalConcurrency,
        perHostConcurrency: o.perHostConcurrency ?? 1,
        minIntervalMs: o.intervalMs ?? 1000,
        jitterRatio: o.jitterRatio,
        hosts,
      },
    });
    this.poster = new PolitePoster(this.http, {
      ...timeouts,
      maxRetryAfterMs: 120_000,
      maxBytes: f.maxBytes,
      ignoreRobots: o.ignoreRobots,
      insecureHosts,
      addressGuard: new AddressGuard(addresses),
    });
    this.browser = new BrowserSession({
      ...(o.browser.executablePath ? { executablePath: o.browser.executablePath } : {}),
      ...(o.browser.env ? { env: o.browser.env } : {}),
      userAgentSuffix: userAgent,
      navigationTimeoutMs: o.browser.navigationTimeoutMs,
      settleTimeoutMs: o.browser.settleTimeoutMs,
      insecureHosts,
    });
  }

  get userAgent(): string {
    return this.http.userAgent;
  }

  async fetchRow(site: FetchSite, row: FrontierRow, o: { conditional: boolean }): Promise<Got> {
    site.counted?.('request');
    let res: FetchResult;
    if (row.method === 'POST') {
      site.checkScope(new URL(row.url));
      const req = row.request ? (JSON.parse(row.request) as ApiRequest) : undefined;
      res = await this.poster.post({
        url: row.url,
        body: row.body ?? '',
        contentType: req?.contentType,
        kind: row.kind,
        headers: this.#hostHeaders.get(new URL(row.url).host),
        signal: this.signal,
      });
    } else {
      res = await this.http.fetch(row.url, {
        kind: row.kind,
        scope: site.checkScope,
        ...(this.signal ? { signal: this.signal } : {}),
        ...(o.conditional ? { conditional: { etag: row.etag, lastModified: row.last_modified } } : {}),
        ...(row.kind === 'attachment' ? { maxBytes: this.o.fetch.attachmentMaxBytes } : {}),
      });
    }
    return Got.of(res, site.settings.encoding);
  }

  async render(site: FetchSite, url: string, ready?: (html: string, status: number) => boolean): Promise<RenderedDocument> {
    const u = new URL(url);
    site.checkScope(u);
    const ignoreRobots = this.o.ignoreRobots || site.settings.ignoreRobots;
    const robots = this.http.robots;
    if (!ignoreRobots && robots) await robots.assertAllowed(u);
    if (this.browserUnavailable) throw new BrowserUnavailableError(this.browserUnavailable);
    site.counted?.('request');
    const allowRequest = async (sub: string): Promise<boolean> => {
      let su: URL;
      try {
        su = new URL(sub);
      } catch {
        return false;
      }
      if (su.protocol !== 'http:' && su.protocol !== 'https:') return su.protocol === 'data:' || su.protocol === 'blob:';
      if (!site.allowsSubrequest(su)) return false;
      if (ignoreRobots || !robots) return true;
      return (await robots.check(su)).allowed;
    };
    try {
      const out = await this.http.politeness.schedule(u, async () => {
        const page = await this.browser.render(url, { allowRequest, ...(ready ? { ready } : {}) });
        return { status: page.status || 200, headers: page.headers, page };
      });
      site.counted?.('browser-page');
      return out.page;
    } catch (err) {
      if (err instanceof BrowserUnavailableError) this.browserUnavailable = err.message;
      throw err;
    }
  }

  setHostHeaders(host: string, headers: Record<string, string> | undefined): void {
    if (headers) this.#hostHeaders.set(host, headers);
    else this.#hostHeaders.delete(host);
    this.http.setHostHeaders(host, headers);
  }

  stats(): FetchStats {
    return this.http.stats();
  }

  /** Closes the browser and the clients; interrupted: drops the sockets rather than wait for queued requests. */
  async close(interrupted: boolean): Promise<void> {
    await this.browser.close();
    await this.poster.close().catch(() => undefined);
    await (interrupted ? this.http.destroy() : this.http.close()).catch(() => undefined);
  }
}

/** The fetch figures of a run summary, from the fetcher's statistics. */
export function fetchSummary(fs: FetchStats): CrawlSummary['fetch'] {
  return {
    requests: fs.requests,
    retries: fs.retries,
    redirects: fs.redirects,
    notModified: fs.notModified,
    bytesRaw: fs.bytesRaw,
    bytesDecoded: fs.bytesDecoded,
    maxInFlight: fs.maxInFlight,
    robots: fs.robots ? { fetched: fs.robots.fetched, disallowed: fs.robots.disallowed } : null,
  };
}
