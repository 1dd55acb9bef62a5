/**
 * The agency page's "Reports expected" strip: every year nianbao expects a report for the agency
 * (the `expected_reports` view) with what it knows of it — found, listed on a site but not
 * fetched (and why), missing where we looked (and where), not yet due, not looked for since due.
 * A journalist on one agency sees its gaps without running `nianbao check`.
 */
import type { ExplorerContext } from '../context.js';
import { listedLinkOf, whyNotFetched, type ListedColumns } from '../../store/missing.js';
import { hasTable } from '../data.js';
import { html, safeHref, type SafeHtml } from '../html.js';

/** A row of `expected_reports` for one agency (the listed_* and lists_unread columns: schema 21+). */
interface ExpectedYear extends ListedColumns {
  year: number;
  status: string;
  deadline: string;
  report_id: number | null;
  site: string | null;
  last_looked_at: string | null;
  lists_unread?: number;
}

/**
 * The expected years of an agency, oldest first; none for a database without the view. The view is
 * computed for every agency at once (≈ 0.2 s at 10,000 reports, whatever the filter) and kept in
 * the query cache until the database changes, so the next agency page reads it from memory.
 */
export function expectedYears(ctx: ExplorerContext, agencyId: number): ExpectedYear[] {
  if (!hasTable(ctx.db, 'expected_reports')) return [];
  return ctx.cache.all<ExpectedYear & { agency_id: number }>('SELECT * FROM expected_reports ORDER BY agency_id, year').filter((r) => r.agency_id === agencyId);
}

/** Why the row's listed report was not fetched (the words of `nianbao check`). */
const whyNotFetchedOf = (r: ExpectedYear): string => {
  const link = listedLinkOf(r);
  return link ? whyNotFetched(link) : 'not fetched';
};

const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : 'never');

/** What is known of one expected year, as a table cell. */
function detail(r: ExpectedYear): SafeHtml {
  switch (r.status) {
    case 'found':
      return html`<a href="/report/${r.report_id}">report</a>`;
    case 'listed, not fetched': {
      const href = safeHref(r.listed_url);
      const text = r.listed_title ?? r.listed_url ?? '';
      return html`listed on ${r.site ?? 'a crawled site'} as ${href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${text}</a>` : text}, not fetched: ${whyNotFetchedOf(r)}`;
    }
    case 'missing': {
      const unread = r.lists_unread ?? 0;
      return html`not found on ${r.site ?? 'the files ingested'} (last looked ${day(r.last_looked_at)})${unread > 0 ? html`; ${unread} list page(s) there could not be read` : ''}`;
    }
    case 'not yet due':
      return html`due ${r.deadline}`;
    default:
      return html`last looked ${day(r.last_looked_at)}, before the ${r.deadline} deadline: crawl again to know`;
  }
}

/** The "Reports expected" section of the agency page (empty when nothing is expected). */
export function expectedYearsSection(rows: readonly ExpectedYear[]): SafeHtml | '' {
  if (rows.length === 0) return '';
  const gaps = rows.filter((r) => r.status !== 'found').length;
  return html`<h2 id="expected">Reports expected 应发布年报</h2>
<p class="small muted">Every year from the agency's first known report to last year (the <code>expected_reports</code> view; "missing" means not found where we looked). ${gaps} of ${rows.length} year(s) without a stored report.</p>
<div class="scroll"><table class="data" id="expected-years"><thead><tr><th>year</th><th>status</th><th>deadline</th><th>what we know</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-status="${r.status}"><td class="num">${r.year}</td><td>${r.status}</td><td>${r.deadline}</td><td>${detail(r)}</td></tr>`)}</tbody></table></div>`;
}
