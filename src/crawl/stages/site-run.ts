/**
 * One site's state while a run crawls it: its settings and scope, the adapter in use, the rows in
 * flight, its summary (counts and reasons). In-process only: the handlers update it, the
 * orchestrator reports it.
 */
import { siteKey, type AdapterId } from '../../../parsers/sites/index.js';
import { siteSettings, type Site, type SiteSettings } from '../../sites/registry.js';
import { SiteScope } from '../scope.js';
import type { FetchSite } from './contracts.js';
import type { CrawlSummary, SiteSummary } from '../types.js';

/** The counters of a site summary (and of the run's totals), all zero. */
export function zeroCounts(): CrawlSummary['totals'] {
  return {
    requests: 0,
    pages: 0,
    lists: 0,
    listsUnchanged: 0,
    reportsNew: 0,
    reportsUpdated: 0,
    reportsRevised: 0,
    reportsVanished: 0,
    reportsKnown: 0,
    reportsFailed: 0,
    reportsOk: 0,
    reportsPartial: 0,
    attachments: 0,
    browserPages: 0,
    blocked: 0,
    skipped: 0,
    errors: 0,
  };
}

export class SiteRun {
  readonly settings: SiteSettings;
  readonly summary: SiteSummary;
  readonly keys: Set<string>;
  /** Hosts this site's crawl may request (own domain + allowHosts). */
  readonly scope: SiteScope;
  /** What the fetch stage needs of this site. */
  readonly fetchSite: FetchSite;
  adapterId: AdapterId | undefined;
  /** A challenge (jsl, rivers) this site showed in an earlier run. */
  knownChallenge: string | undefined;
  agencyId = 0;
  listPages = 0;
  readonly inflight = new Set<number>();
  #waiters: (() => void)[] = [];
  entryOk = false;

  constructor(readonly site: Site) {
    this.settings = siteSettings(site);
    this.adapterId = site.adapter === 'auto' ? undefined : site.adapter;
    this.keys = new Set(site.entries.map((e) => siteKey(new URL(e).host)));
    this.scope = new SiteScope(site);
    this.summary = { site: site.name, agency: site.agency, adapter: this.adapterId ?? null, ...zeroCounts(), reasons: {} };
    this.fetchSite = {
      site,
      settings: this.settings,
      checkScope: this.scope.check,
      // Third-party sub-requests (analytics, CDNs of trackers) are not made.
      allowsSubrequest: (u) => this.keys.has(siteKey(u.host)) && this.scope.allows(u),
      counted: (what) => {
        if (what === 'request') this.summary.requests++;
        else this.summary.browserPages++;
      },
    };
  }

  /** Whether `u` is on one of this site's hosts (its registrable domains). */
  sameSite(u: string): boolean {
    try {
      return this.keys.has(siteKey(new URL(u).host));
    } catch {
      return false;
    }
  }

  reason(r: string): void {
    this.summary.reasons[r] = (this.summary.reasons[r] ?? 0) + 1;
  }

  wait(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }

  notify(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}
