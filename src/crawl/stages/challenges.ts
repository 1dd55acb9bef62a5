/**
 * JS challenges and block pages (jsl, rivers …): the challenge page is recorded (never parsed);
 * when it can be passed in the browser, the browser's cookies and User-Agent are then reused over
 * plain HTTP for that host. At most two tries per host and run.
 */
import { detectChallenge, type Challenge } from '../../../parsers/sites/index.js';
import { BrowserError, BrowserUnavailableError } from '../../browser/index.js';
import type { FetchedPage, PageFetcher } from './contracts.js';
import { commit, recordFailure, responseRecord, type PageCtx } from './outcomes.js';
import type { SiteRun } from './site-run.js';

interface HostState {
  headers?: Record<string, string>;
  solves: number;
  unsolvable?: string;
  unsolvableCode?: string;
}

export type BrowserPolicy = 'never' | 'auto' | 'always';

export class ChallengeSolver {
  readonly #hosts = new Map<string, HostState>();

  constructor(readonly fetcher: PageFetcher) {}

  #host(host: string): HostState {
    let h = this.#hosts.get(host);
    if (!h) {
      h = { solves: 0 };
      this.#hosts.set(host, h);
    }
    return h;
  }

  /** Whether the browser has not yet been tried on `url`'s host in this run. */
  untried(url: string): boolean {
    const hs = this.#host(new URL(url).host);
    return !hs.headers && !hs.unsolvable && hs.solves === 0;
  }

  /**
   * Lets the browser pass a JS challenge on `url`'s host and reuses its cookies (and User-Agent)
   * over plain HTTP for that host. Returns the problem, if any.
   */
  async solve(r: SiteRun, url: string, reason: string): Promise<{ code: string; message: string } | undefined> {
    const host = new URL(url).host;
    const hs = this.#host(host);
    if (hs.unsolvable) return { code: hs.unsolvableCode ?? 'NB_CRAWL_CHALLENGE', message: hs.unsolvable };
    if (hs.solves >= 2) return { code: 'NB_CRAWL_CHALLENGE', message: 'the browser did not get past it' };
    hs.solves++;
    r.summary.needsBrowser ??= reason;
    try {
      const page = await this.fetcher.render(r.fetchSite, url, (html, status) => detectChallenge(status, html) === null);
      if (detectChallenge(page.status, page.html)) throw new BrowserError('NB_BROWSER_CHALLENGE', 'still there after the browser ran it');
      hs.headers = { cookie: page.cookieHeader, 'user-agent': page.userAgent };
      this.fetcher.setHostHeaders(host, hs.headers);
      return undefined;
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'NB_BROWSER_FAILED';
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof BrowserUnavailableError) {
        hs.unsolvable = message;
        hs.unsolvableCode = code;
        r.summary.browserUnavailable = message;
        r.reason('browser unavailable');
      }
      return { code, message };
    }
  }

  /** Records the challenge page; returns true when the browser got cookies that may pass it. */
  async meet(ctx: PageCtx, got: FetchedPage, ch: Challenge, policy: BrowserPolicy): Promise<boolean> {
    const { r, run } = ctx;
    r.summary.challenge = ch.kind;
    await run.frontier.updateSite({ site: r.site.name, challenge: ch.kind });
    if (!ch.browser || policy === 'never') {
      await recordFailure(
        ctx,
        got,
        'challenge',
        'NB_CRAWL_CHALLENGE',
        policy === 'never' && ch.browser ? `${ch.reason}; the browser is off for this site` : ch.reason,
        ch,
      );
      return false;
    }
    // The challenge page itself stays on record (never parsed), committed before the browser
    // runs: a run killed while the browser solves it keeps the record.
    const snapshotPath = await run.sink.snapshot(got.res.body, got.sha, got.res.gzip);
    await commit(ctx, { response: responseRecord(ctx, got, 'challenge', snapshotPath, null, ch) });
    await run.frontier.flush();
    const problem = await this.solve(r, ctx.row.url, ch.reason);
    if (problem) {
      await recordFailure(ctx, got, 'challenge', problem.code, `${ch.reason}; ${problem.message}`, ch, true);
      return false;
    }
    return true;
  }
}
