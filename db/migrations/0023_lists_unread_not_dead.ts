/**
 * Migration 23: a dead link is not a list page we could not read.
 *
 * `expected_reports.lists_unread` (migration 21) counted every entry, list and API page of the
 * agency's sites that failed or was blocked, and a missing report's finding then said "N list
 * pages there could not be read, so it may be listed where we could not look". A link in the
 * site's own navigation that answers 404 or 410 is a page the site does not have: nothing is
 * listed there, and saying otherwise sent readers of the demo (and of real portals, whose menus
 * are full of dead links) looking for reports that may exist. A list or API page that answered
 * 404/410 no longer counts; one that timed out, answered 5xx, met a challenge or was blocked by
 * robots.txt still does, and so does a registry entry page that answers 404 (the column moved:
 * its reports are now listed where the crawl did not look). The views are otherwise migration 21's.
 */
import { sql as listedNotFetched } from './0021_listed_not_fetched.js';

export const version = 23;
export const name = 'lists_unread_not_dead';

const UNREAD_BEFORE = "WHERE lf.kind IN ('entry', 'list', 'api') AND lf.state IN ('failed', 'blocked')";
const UNREAD_AFTER =
  "WHERE lf.state IN ('failed', 'blocked') AND (lf.kind = 'entry' OR (lf.kind IN ('list', 'api') AND COALESCE(lf.last_status, 0) NOT IN (404, 410)))";

if (!listedNotFetched.includes(UNREAD_BEFORE)) throw new Error('migration 23: the unread condition of migration 21 was not found');

export const sql = listedNotFetched.replace(UNREAD_BEFORE, UNREAD_AFTER);
