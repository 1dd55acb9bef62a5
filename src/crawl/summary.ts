/**
 * The run summary printed at the end of `nianbao crawl` and `nianbao demo`: one row per site
 * (pages, list pages, reports new/updated/known/failed, browser pages, reasons) and a totals line.
 */
import { formatTable } from '../store/format.js';
import { terminalSafe } from '../store/terminal-safe.js';
import type { CrawlSummary, SiteSummary } from './crawler.js';

/** `HTTP 404 ×4; robots.txt disallows ×1` (most frequent first). */
export function formatReasons(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => (n > 1 ? `${k} ×${n}` : k))
    .join('; ');
}

function siteNotes(s: SiteSummary): string {
  const notes: string[] = [];
  if (s.browserUnavailable) notes.push('NEEDS A BROWSER (none available)');
  else if (s.needsBrowser && s.browserPages > 0) notes.push('browser used');
  if (s.challenge) notes.push(`challenge: ${s.challenge}`);
  const reasons = formatReasons(s.reasons);
  if (reasons) notes.push(reasons);
  return notes.join('; ');
}

/**
 * ` (3 of them only the site's page template)`, when the run found template-only revisions; and
 * how many earlier crawls' revisions it recognised as such.
 */
function templateNote(summary: CrawlSummary): string {
  const n = summary.templateOnlyRevisions ?? 0;
  const earlier = summary.otherRunsTemplateOnlyRevisions ?? 0;
  return (
    (n > 0 ? ` (${n} of them only the site's page template, not listed as revised)` : '') +
    (earlier > 0 ? ` (and ${earlier} revision(s) of earlier crawls now recognised as only the site's page template, no longer listed as revised)` : '')
  );
}

/** The summary as an aligned text table plus a totals line. */
export function formatCrawlSummary(summary: CrawlSummary): string {
  const rows = summary.sites.map((s) => [
    s.site,
    s.adapter ?? '',
    s.pages,
    s.lists,
    s.listsUnchanged,
    s.reportsNew,
    s.reportsUpdated,
    s.reportsKnown,
    s.reportsFailed,
    s.browserPages,
    siteNotes(s),
  ]);
  const t = summary.totals;
  const table = formatTable(['site', 'adapter', 'pages', 'lists', 'unchanged', 'new', 'updated', 'known', 'failed', 'browser', 'notes (why)'], rows, {
    maxWidth: 100,
  });
  const secs = (summary.durationMs / 1000).toFixed(1);
  const lines = [
    table.trimEnd(),
    '',
    `run ${summary.runId} ${summary.status === 'ok' ? 'finished' : 'INTERRUPTED (run `nianbao crawl` again to resume)'} in ${secs} s: ` +
      `${t.pages} pages (${summary.pagesPerSecond.toFixed(1)}/s), ${t.reportsNew} new report(s), ${t.reportsUpdated} updated, ` +
      `${t.reportsKnown} already known, ${t.reportsFailed} failed, ${t.errors} error(s); ` +
      (t.reportsRevised + t.reportsVanished > 0
        ? `${t.reportsRevised} revised${templateNote(summary)}, ${t.reportsVanished} vanished (nianbao changes); `
        : '') +
      `${summary.fetch.requests} HTTP requests (${summary.fetch.notModified} not modified, ${summary.fetch.retries} retries), ` +
      `${summary.browser.pages} browser page(s), ${summary.browser.launches} browser launch(es).`,
  ];
  const needing = summary.sites.filter((s) => s.browserUnavailable);
  if (needing.length) {
    lines.push(
      `Sites that need a browser and were left out: ${needing.map((s) => s.site).join(', ')} — ${summary.browser.unavailable ?? needing[0]!.browserUnavailable}`,
    );
  }
  const parse = summary.parse;
  if (parse && parse.workers > 0) {
    lines.push(
      `Parse threads: ${parse.workers}; ${parse.threaded} document(s) parsed on them, ${parse.inline} on the main thread` +
        (parse.failure ? ` (${parse.failure})` : parse.threaded === 0 ? ' (the run was too short to start them)' : '') +
        '.',
    );
  }
  lines.push(`User-Agent: ${summary.userAgent}`);
  // Site names, reasons and browser messages can come from a registry file or a server.
  return `${terminalSafe(lines.join('\n'))}\n`;
}
