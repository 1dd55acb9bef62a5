/**
 * The page fetcher's contract: polite HTTP and the browser for one frontier row, the fetched page
 * it hands on (text decoded on first use) and the per-site facts a fetch needs.
 */
import type { Challenge } from '../../../../parsers/sites/index.js';
import type { PriorDecode } from '../../../decode/index.js';
import type { FetchResult } from '../../../fetch/index.js';
import type { Site, SiteSettings } from '../../../sites/registry.js';
import type { FrontierRow } from './frontier.js';
import type { RenderedPage } from '../../../browser/index.js';

/** A fetched (or rendered) response; its text is decoded on first use. */
export interface FetchedPage {
  readonly res: FetchResult;
  readonly mode: 'http' | 'browser';
  /** sha256 of the body: the snapshot's address. */
  readonly sha: string;
  /** Decoded text of a text response (null for binary ones and 304s). */
  readonly text: string | null;
  /** Charset the text was decoded with (null until decoded, or for binary responses). */
  readonly charset: string | null;
  /** How `text` was decoded from the body, once it was (undefined before, and for text given as is). */
  readonly priorDecode?: PriorDecode | undefined;
  /** The challenge or block page this is, if any. */
  challenge(): Challenge | null;
}

/** A rendered page (the browser's DOM after scripts ran): the browser's own {@link RenderedPage}. */
export type RenderedDocument = RenderedPage;

/** The per-site facts a fetch needs (scope, validators policy, encoding). */
export interface FetchSite {
  site: Site;
  settings: SiteSettings;
  /** Throws `OutOfScopeError` for a URL this site's crawl may not request. */
  checkScope: (u: URL) => void;
  /** Whether a sub-request of a rendered page is allowed (same site, in scope). */
  allowsSubrequest: (u: URL) => boolean;
  /** Told each time a request or a browser page load is made for the site (its summary counts them). */
  counted?: (what: 'request' | 'browser-page') => void;
}

/**
 * Polite HTTP (robots.txt, host schedule, retries) and the browser, for one frontier row. Errors
 * are thrown as `FetchError`, `RobotsDisallowedError`, `OutOfScopeError`, `BrowserError`.
 */
export interface PageFetcher {
  readonly userAgent: string;
  /** GET (with the row's validators when asked) or POST (API rows). */
  fetchRow(site: FetchSite, row: FrontierRow, o: { conditional: boolean }): Promise<FetchedPage>;
  /** Loads `url` in the browser inside the host's politeness slot, after robots.txt allows it. */
  render(site: FetchSite, url: string, ready?: (html: string, status: number) => boolean): Promise<RenderedDocument>;
  /** Headers sent to a host from now on (the cookies and User-Agent that passed its challenge). */
  setHostHeaders(host: string, headers: Record<string, string> | undefined): void;
  close(interrupted: boolean): Promise<void>;
}
