/**
 * `nianbao sites check`: fetch each site's entry page(s) politely, fingerprint the CMS, run the
 * adapter's discovery on the page and report what a crawl would do there. Nothing is stored.
 */
import { z } from 'zod';
import { detectChallenge, fingerprintCms, getAdapter, type AdapterId } from '../../parsers/sites/index.js';
import { USER_AGENT_PRODUCT, createPoliteFetcher, decodeResponse, headerValue, isHtmlResponse } from '../fetch/index.js';
import { SiteScope, addressPolicy } from './scope.js';
import { FetchError } from '../fetch/errors.js';
import { formatTable } from '../store/format.js';
import { siteSettings, type Registry } from '../sites/registry.js';
import { CrawlError } from './errors.js';

export const CheckOptionsSchema = z.strictObject({
  /** Only these sites. @default every enabled site */
  sites: z.array(z.string().min(1)).optional(),
  /** Contact URL put in the User-Agent. @default undefined */
  contactUrl: z.string().min(1).optional(),
  /** Do not fetch or obey robots.txt. @default false */
  ignoreRobots: z.boolean().default(false),
  /** Minimum ms between two requests to one host. @default 1000 */
  intervalMs: z.number().int().min(0).default(1000),
  /** Retries after the first attempt. @default 2 */
  maxRetries: z.number().int().min(0).max(10).default(2),
  /** Backoff base, ms. @default 1000 */
  retryBaseDelayMs: z.number().int().min(0).default(1000),
  /** Time to the response headers, ms. @default 20000 */
  headersTimeoutMs: z.number().int().min(1).default(20_000),
});
export type CheckOptions = z.input<typeof CheckOptionsSchema>;

/** What the check found on one entry page. */
export interface SiteCheck {
  site: string;
  agency: string;
  entry: string;
  /** HTTP status (absent when the request failed). */
  status?: number;
  finalUrl?: string;
  /** Fetch error (robots.txt, DNS, timeout …). */
  error?: { code: string; message: string };
  charset?: string;
  challenge?: string;
  /** Adapter named in the registry (`auto` = fingerprint). */
  registryAdapter: string;
  /** What the page looks like. */
  detected?: { id: AdapterId; confidence: number };
  /** Adapter a crawl would use on this site. */
  adapter: AdapterId;
  reports: number;
  years: number[];
  sample: { title: string; url: string; year?: number }[];
  lists: number;
  api: number;
  hubs: number;
  needsBrowser?: string;
  redirect?: string;
  /** One line: what a crawl would do next. */
  verdict: string;
}

/** Checks every selected site's entry pages. */
export async function checkSites(registry: Registry, options: CheckOptions = {}): Promise<SiteCheck[]> {
  const o = CheckOptionsSchema.parse(options);
  const sites = registry.sites.filter((s) => (o.sites ? o.sites.includes(s.name) : s.enabled));
  if (o.sites) {
    const unknown = o.sites.filter((n) => !registry.sites.some((s) => s.name === n));
    if (unknown.length) throw new CrawlError('NB_CRAWL_NO_SITES', `no site named ${unknown.join(', ')} in the registry`);
  }
  const hosts: Record<string, { intervalMs: number }> = {};
  for (const s of sites) for (const e of s.entries) hosts[new URL(e).host] = { intervalMs: Math.max(o.intervalMs, 0) };
  const fetcher = createPoliteFetcher({
    ...addressPolicy(sites), // the crawl's scope: same refusals as `nianbao crawl`
    userAgent: o.contactUrl ? `${USER_AGENT_PRODUCT} (+${o.contactUrl})` : USER_AGENT_PRODUCT,
    ignoreRobots: o.ignoreRobots,
    maxRetries: o.maxRetries,
    retryBaseDelayMs: o.retryBaseDelayMs,
    headersTimeoutMs: o.headersTimeoutMs,
    politeness: { minIntervalMs: o.intervalMs, hosts },
  });
  try {
    const jobs = sites.flatMap((site) => site.entries.map((entry) => ({ site, entry })));
    return await Promise.all(
      jobs.map(async ({ site, entry }): Promise<SiteCheck> => {
        const registryAdapter = site.adapter;
        const base: SiteCheck = {
          site: site.name,
          agency: site.agency,
          entry,
          registryAdapter,
          adapter: site.adapter === 'auto' ? 'generic' : site.adapter,
          reports: 0,
          years: [],
          sample: [],
          lists: 0,
          api: 0,
          hubs: 0,
          verdict: '',
        };
        let res;
        try {
          res = await fetcher.fetch(entry, { kind: 'entry', scope: new SiteScope(site).check });
        } catch (err) {
          const code = err instanceof FetchError ? err.code : 'NB_CRAWL_INTERNAL';
          base.error = { code, message: err instanceof Error ? err.message : String(err) };
          base.verdict =
            code === 'NB_FETCH_ROBOTS'
              ? 'robots.txt forbids the entry page: nothing would be crawled'
              : `entry page unreachable (${code}): the crawl would retry it next run`;
          return base;
        }
        base.status = res.status;
        base.finalUrl = res.finalUrl;
        const settings = siteSettings(site);
        const decoded = decodeResponse(
          settings.encoding ? { ...res, headers: { ...res.headers, 'content-type': `text/html; charset=${settings.encoding}` } } : res,
          { isHtml: isHtmlResponse(res) },
        );
        base.charset = decoded.charset;
        const ch = detectChallenge(res.status, decoded.text);
        if (ch) {
          base.challenge = ch.kind;
          base.verdict = ch.browser
            ? `${ch.reason}: the crawl would pass it with the browser (policy ${settings.browser}) and reuse its cookies`
            : `${ch.reason}: blocked; nothing would be crawled`;
          return base;
        }
        if (res.status < 200 || res.status > 299) {
          base.verdict = `entry page answers HTTP ${res.status}: check the URL (the column may have moved)`;
          return base;
        }
        const guess = fingerprintCms(decoded.text, res.finalUrl);
        base.detected = { id: guess.id, confidence: Math.round(guess.confidence * 100) / 100 };
        base.adapter = site.adapter === 'auto' ? guess.id : site.adapter;
        const type = headerValue(res.headers, 'content-type') ?? '';
        let d;
        try {
          d = /json/i.test(type)
            ? getAdapter(base.adapter).discover(
                { url: res.finalUrl, json: JSON.parse(decoded.text) as unknown, status: res.status },
                { selectors: settings.selectors },
              )
            : getAdapter(base.adapter).discover({ url: res.finalUrl, html: decoded.text, status: res.status }, { selectors: settings.selectors });
        } catch (err) {
          base.verdict = `discovery failed: ${err instanceof Error ? err.message : String(err)}`;
          return base;
        }
        base.reports = d.reports.length;
        base.years = [...new Set(d.reports.map((r) => r.year).filter((y): y is number => y !== undefined))].sort((a, b) => b - a);
        base.sample = d.reports.slice(0, 5).map((r) => ({ title: r.title, url: r.url, ...(r.year !== undefined ? { year: r.year } : {}) }));
        base.lists = d.lists.length;
        base.api = d.api?.length ?? 0;
        base.hubs = d.hubs?.length ?? 0;
        if (d.needsBrowser) base.needsBrowser = d.needsBrowser;
        if (d.redirect) base.redirect = d.redirect;
        const parts: string[] = [];
        if (base.reports) parts.push(`${base.reports} report link(s) here${base.years.length ? ` (${base.years.join(', ')})` : ''}`);
        if (base.lists) parts.push(`${base.lists} more list page(s)`);
        if (base.api) parts.push(`${base.api} list API request(s)`);
        if (base.hubs) parts.push(`${base.hubs} hub page(s) to search for the column`);
        if (d.redirect) parts.push(`follow the redirect to ${d.redirect}`);
        if (d.needsBrowser && base.reports === 0) parts.push(`render in the browser: ${d.needsBrowser}`);
        if (site.adapter !== 'auto' && guess.id !== site.adapter && guess.confidence >= 0.3)
          parts.push(`note: the page looks like ${guess.id}, the registry says ${site.adapter}`);
        base.verdict = parts.length ? parts.join('; ') : 'nothing found on the entry page: check the URL or set overrides.selectors';
        return base;
      }),
    );
  } finally {
    await fetcher.close();
  }
}

/** The checks as a text table. */
export function formatSiteChecks(checks: SiteCheck[]): string {
  const rows = checks.map((c) => [
    c.site,
    c.status ?? c.error?.code ?? '',
    c.charset ?? '',
    c.detected ? `${c.detected.id} (${c.detected.confidence})` : c.challenge ? `challenge: ${c.challenge}` : '',
    c.registryAdapter,
    c.reports,
    c.lists + c.api + c.hubs,
    c.verdict,
  ]);
  return formatTable(['site', 'status', 'charset', 'detected CMS', 'registry', 'reports', 'more pages', 'what a crawl would do'], rows, { maxWidth: 110 });
}
