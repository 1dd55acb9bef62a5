/**
 * Error codes of the crawl stage. Fetch errors keep their own `NB_FETCH_…` codes and browser
 * errors `NB_BROWSER_…`; these cover the crawler's own decisions.
 */
import { NianbaoError } from '../../parsers/errors.js';

export type CrawlErrorCode =
  | 'NB_CRAWL_OPTIONS' // invalid crawl options (a programming or CLI error)
  | 'NB_CRAWL_NO_SITES' // the registry has no enabled site matching --site
  | 'NB_CRAWL_HTTP' // a final HTTP status that is not 2xx/304 (the frontier row keeps the status)
  | 'NB_CRAWL_CHALLENGE' // a challenge / block page the crawl could not get past
  | 'NB_CRAWL_NEEDS_BROWSER' // evidence that only a browser sees the list, and the browser is off for the site
  | 'NB_CRAWL_NOT_REPORT' // a listed item whose title is not an annual report (not fetched)
  | 'NB_CRAWL_SINCE' // a report of a year before --since (not fetched)
  | 'NB_CRAWL_MAX_PAGES' // the list-page budget of the run was used up (fetched next run)
  | 'NB_CRAWL_SCHEME' // a file: or ftp: link (a page offered it; only http(s) is crawled, nothing fetched)
  | 'NB_CRAWL_VANISHED' // a known report URL now redirects away to a page without report tables (report.vanished)
  | 'NB_CRAWL_PARSE_WORKER' // a parse worker thread failed on a report (the row is retried in a later run)
  | 'NB_CRAWL_INTERNAL'; // an unexpected error while handling one page (the crawl goes on)

export class CrawlError extends NianbaoError {
  declare readonly code: CrawlErrorCode;
  constructor(code: CrawlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
