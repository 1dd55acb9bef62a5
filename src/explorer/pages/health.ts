/**
 * Health of the collection (/health): what the crawler stored (the queue by kind and state, the
 * sites with their last crawl and failures) and the last runs with their counts and errors. For
 * whoever runs nianbao; the overview leads with the reports instead.
 */
import type { RunCounts } from '../../store/runs.js';
import type { ExplorerContext } from '../context.js';
import { hasTable } from '../data.js';
import { html } from '../html.js';
import { page, renderTable } from '../layout.js';

interface RunRow extends RunCounts {
  id: number;
  command: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  duration_ms: number | null;
}

interface CrawlState {
  frontier: { kind: string; state: string; n: number }[];
  responses: number;
  sites: {
    site: string;
    adapter: string | null;
    challenge: string | null;
    last_crawl_at: string | null;
    last_ok_at: string | null;
    consecutive_failures: number;
    queued: number;
    failed: number;
    done: number;
  }[];
}

/** What the crawler stored, where its tables exist (migration 2): the queue by kind and state, the sites. */
function crawlerState(ctx: ExplorerContext): CrawlState | null {
  if (!hasTable(ctx.db, 'frontier')) return null;
  const frontier = ctx.db.prepare('SELECT kind, state, COUNT(*) AS n FROM frontier GROUP BY kind, state ORDER BY kind, state').all() as CrawlState['frontier'];
  const responses = hasTable(ctx.db, 'responses') ? (ctx.db.prepare('SELECT COUNT(*) FROM responses').pluck().get() as number) : 0;
  const sites = hasTable(ctx.db, 'crawl_sites')
    ? (ctx.db
        .prepare(
          `SELECT s.site, s.adapter, s.challenge, s.last_crawl_at, s.last_ok_at, s.consecutive_failures,
                  (SELECT COUNT(*) FROM frontier f WHERE f.site = s.site AND f.state = 'queued') AS queued,
                  (SELECT COUNT(*) FROM frontier f WHERE f.site = s.site AND f.state IN ('failed', 'blocked')) AS failed,
                  (SELECT COUNT(*) FROM frontier f WHERE f.site = s.site AND f.state = 'done') AS done
           FROM crawl_sites s ORDER BY s.consecutive_failures DESC, s.site LIMIT 100`,
        )
        .all() as CrawlState['sites'])
    : [];
  if (frontier.length === 0 && responses === 0 && sites.length === 0) return null;
  return { frontier, responses, sites };
}

export function healthPage(ctx: ExplorerContext): string {
  const runs = ctx.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 10').all() as RunRow[];
  const runErrors = ctx.db.prepare('SELECT path, code, message FROM run_errors WHERE run_id = ? ORDER BY id LIMIT 20');
  const crawler = crawlerState(ctx);
  const body = html`<p class="small"><a href="/">Overview</a> › health</p>
<h1>Health of the collection 抓取状态</h1>
<p class="muted">Database <code>${ctx.options.dbFile}</code>, opened read-only.</p>
${
  crawler
    ? html`<h2 id="crawler">Crawler 抓取</h2>
<p>${crawler.responses} HTTP response(s) stored. The queue by kind and state:</p>
${renderTable(
  {
    columns: [
      { key: 'kind', label: 'kind' },
      { key: 'state', label: 'state' },
      { key: 'n', label: 'URLs', num: true },
    ],
    rows: crawler.frontier,
  },
  { empty: 'The queue is empty.' },
)}
${renderTable(
  {
    columns: [
      { key: 'site', label: 'site' },
      { key: 'adapter', label: 'adapter' },
      { key: 'last_crawl_at', label: 'last crawl' },
      { key: 'last_ok_at', label: 'last success' },
      { key: 'consecutive_failures', label: 'failures in a row', num: true },
      { key: 'challenge', label: 'challenge' },
      { key: 'done', label: 'done', num: true },
      { key: 'queued', label: 'queued', num: true },
      { key: 'failed', label: 'failed/blocked', num: true },
    ],
    rows: crawler.sites,
  },
  { empty: 'No site crawled yet.' },
)}`
    : ''
}
${crawler ? '' : html`<p class="muted">No crawl recorded (<code>nianbao crawl</code> fills the queue and the sites).</p>`}
<h2>Last runs</h2>
${renderTable<RunRow>(
  {
    columns: [
      { key: 'id', label: '#', num: true },
      { key: 'command', label: 'Command' },
      { key: 'started_at', label: 'Started' },
      {
        key: 'status',
        label: 'Status',
        html: (r) => html`<span class="pill ${r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'error' : 'warning'}">${r.status}</span>`,
      },
      { key: 'files_seen', label: 'Files', num: true },
      { key: 'reports_new', label: 'New', num: true },
      { key: 'reports_unchanged', label: 'Unchanged', num: true },
      { key: 'reports_updated', label: 'Updated', num: true },
      { key: 'reports_failed', label: 'Failed', num: true },
      { key: 'cells_written', label: 'Cells', num: true },
      { key: 'findings_written', label: 'Findings', num: true },
      { key: 'errors', label: 'Errors', num: true },
      { key: 'duration_ms', label: 'Seconds', num: true, html: (r) => (r.duration_ms === null ? '—' : (r.duration_ms / 1000).toFixed(1)) },
    ],
    rows: runs,
  },
  { empty: 'No runs recorded.' },
)}
${runs
  .filter((r) => r.errors > 0)
  .map((r) => {
    const errs = runErrors.all(r.id) as { path: string | null; code: string | null; message: string }[];
    return html`<details><summary>Errors of run #${r.id} (${r.command}, ${r.errors})</summary><ul>${errs.map(
      (e) => html`<li><code>${e.code ?? ''}</code> ${e.path ?? ''}: ${e.message}</li>`,
    )}</ul>${r.errors > errs.length ? html`<p class="muted">… and ${r.errors - errs.length} more (see the run_errors table).</p>` : ''}</details>`;
  })}
`;
  return page({ title: 'Health', nav: 'health', body });
}
