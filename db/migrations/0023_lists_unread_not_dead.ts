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
 * its reports are now listed where the crawl did not look).
 *
 * And a link titled with the year in Chinese numerals (平潭综合实验区二〇二二年度…, as some portals
 * write it; discovery reads the year from it) now matches its siblings titled 2021年度…: the text a
 * link is compared by leaves out the year written either way (〇 or ○ for zero). The views are
 * otherwise migration 21's.
 */
import { sql as listedNotFetched } from './0021_listed_not_fetched.js';

export const version = 23;
export const name = 'lists_unread_not_dead';

const UNREAD_BEFORE = "WHERE lf.kind IN ('entry', 'list', 'api') AND lf.state IN ('failed', 'blocked')";
const UNREAD_AFTER =
  "WHERE lf.state IN ('failed', 'blocked') AND (lf.kind = 'entry' OR (lf.kind IN ('list', 'api') AND COALESCE(lf.last_status, 0) NOT IN (404, 410)))";

const DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** SQL: the year `year` written digit by digit in Chinese numerals, zero as `zero`. */
function chineseYear(year: string, zero: string): string {
  return DIGITS.reduce((expr, cn, d) => `replace(${expr}, '${d}', '${d === 0 ? zero : cn}')`, `CAST(${year} AS TEXT)`);
}

/** SQL: `title` without its year, written in digits or in Chinese numerals. */
function withoutYear(title: string, year: string): string {
  return `replace(replace(replace(${title}, CAST(${year} AS TEXT), ''), ${chineseYear(year, '〇')}, ''), ${chineseYear(year, '○')}, '')`;
}

/** Replaces `before` (which must occur) by `after` in `text`. */
function swap(text: string, before: string, after: string): string {
  if (!text.includes(before)) throw new Error(`migration 23: «${before}» not found in migration 21`);
  return text.replaceAll(before, after);
}

export const sql = [
  [UNREAD_BEFORE, UNREAD_AFTER],
  ["replace(fr.title, CAST(fr.year AS TEXT), '')", withoutYear('fr.title', 'fr.year')],
  ["replace(u.title, CAST(u.year AS TEXT), '')", withoutYear('u.title', 'u.year')],
].reduce((text, [before, after]) => swap(text, before!, after!), listedNotFetched);
