/**
 * Home: coverage at a glance (agencies × years: which reports exist, which failed to parse,
 * which have findings), totals, and the last runs with their counts and errors.
 */
import type { ExplorerContext } from '../context.js';
import { filterChoices, filterSql, hasTable, readFilters } from '../data.js';
import { html, type HtmlValue, pathWith } from '../html.js';
import { downloadFormat, fmt, inputField, page, renderTable, selectField, tabularDownload, type Tabular } from '../layout.js';

interface CovRow {
  id: number;
  agency_id: number | null;
  agency: string | null;
  year: number | null;
  status: string;
  format: string | null;
  is_primary: number;
  errors: number;
  warnings: number;
}

interface CovCell {
  report: CovRow;
  documents: number;
}

interface RunRow {
  id: number;
  command: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  files_seen: number;
  reports_new: number;
  reports_unchanged: number;
  reports_updated: number;
  reports_failed: number;
  cells_written: number;
  findings_written: number;
  errors: number;
  duration_ms: number | null;
}

function totals(ctx: ExplorerContext): { label: string; value: number | string }[] {
  const one = (sql: string): number => (ctx.db.prepare(sql).pluck().get() as number | null) ?? 0;
  const years = ctx.db.prepare('SELECT MIN(year) AS lo, MAX(year) AS hi FROM reports').get() as { lo: number | null; hi: number | null };
  return [
    { label: 'Agencies with reports 机关', value: one('SELECT COUNT(DISTINCT agency_id) FROM reports WHERE agency_id IS NOT NULL') },
    { label: 'Reports (one per agency and year) 年报', value: one('SELECT COUNT(*) FROM reports WHERE is_primary = 1') },
    { label: 'Documents stored 文档', value: one('SELECT COUNT(*) FROM documents') },
    { label: 'Documents fetched from the web', value: one('SELECT COUNT(*) FROM documents WHERE url IS NOT NULL') },
    { label: 'Failed to parse 解析失败', value: one("SELECT COUNT(*) FROM reports WHERE status = 'failed'") },
    { label: 'Partly parsed', value: one("SELECT COUNT(*) FROM reports WHERE status = 'partial'") },
    { label: 'Table cells 单元格', value: one('SELECT SUM(cell_count) FROM reports') },
    { label: "Tables that don't add up (parser errors)", value: one("SELECT COUNT(*) FROM findings WHERE source = 'parser' AND severity = 'error'") },
    { label: 'Compliance findings (nianbao check)', value: one("SELECT COUNT(*) FROM findings WHERE source = 'check' AND severity <> 'not_assessable'") },
    { label: 'Years covered', value: years.lo === null ? '—' : `${years.lo}–${years.hi}` },
  ];
}

interface CrawlState {
  frontier: { kind: string; state: string; n: number }[];
  responses: number;
  sites: { site: string; adapter: string | null; challenge: string | null; last_crawl_at: string | null; last_ok_at: string | null; consecutive_failures: number; queued: number; failed: number; done: number }[];
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

export function homePage(ctx: ExplorerContext, q: Record<string, string>): Response | string {
  const f = readFilters(q);
  const fs = filterSql({ ...f, year: undefined, format: undefined }, 'r', 'a');
  const rows = ctx.db
    .prepare(
      `SELECT r.id, r.agency_id, COALESCE(a.name, r.agency_name) AS agency, r.year, r.status, r.format, r.is_primary,
              (SELECT COUNT(*) FROM findings x WHERE x.report_id = r.id AND x.severity = 'error') AS errors,
              (SELECT COUNT(*) FROM findings x WHERE x.report_id = r.id AND x.severity = 'warning') AS warnings
       FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE ${fs.sql}
       ORDER BY agency IS NULL, agency, r.year, r.is_primary DESC, r.id`,
    )
    .all(fs.params) as CovRow[];

  // Group: agency → year → the primary (else first) report, with the number of documents.
  const agencies = new Map<string, { id: number | null; name: string; years: Map<string, CovCell> }>();
  const yearSet = new Set<number>();
  let unknownYear = false;
  for (const r of rows) {
    const key = r.agency_id !== null ? `id:${r.agency_id}` : `name:${r.agency ?? ''}`;
    let a = agencies.get(key);
    if (!a) {
      a = { id: r.agency_id, name: r.agency ?? '(agency not found in the report)', years: new Map() };
      agencies.set(key, a);
    }
    const yk = r.year === null ? '?' : String(r.year);
    if (r.year === null) unknownYear = true;
    else yearSet.add(r.year);
    const cell = a.years.get(yk);
    if (!cell) a.years.set(yk, { report: r, documents: 1 });
    else {
      cell.documents++;
      if (!cell.report.is_primary && r.is_primary) cell.report = r;
    }
  }
  const years = [...yearSet].sort((x, y) => x - y).map(String);
  if (unknownYear) years.push('?');
  const all = [...agencies.values()];
  const shown = all.slice(0, ctx.options.coverageLimit);

  const dl = downloadFormat(q['dl']);
  if (dl) {
    const flat = shown.flatMap((a) =>
      [...a.years.entries()].map(([y, c]) => ({
        agency_id: a.id,
        agency: a.name,
        year: y === '?' ? null : Number(y),
        report_id: c.report.id,
        status: c.report.status,
        format: c.report.format,
        documents: c.documents,
        error_findings: c.report.errors,
        warning_findings: c.report.warnings,
      })),
    );
    const t: Tabular<(typeof flat)[number]> = {
      columns: ['agency_id', 'agency', 'year', 'report_id', 'status', 'format', 'documents', 'error_findings', 'warning_findings'].map((k) => ({ key: k, label: k })),
      rows: flat,
    };
    return tabularDownload(t, dl, 'nianbao-coverage', q['bom'] === '1');
  }

  const cellHtml = (c: CovCell | undefined): HtmlValue => {
    if (!c) return html`<td></td>`;
    const r = c.report;
    const cls = r.status === 'failed' ? 'cov-failed' : r.errors > 0 ? 'cov-errors' : r.warnings > 0 ? 'cov-findings' : 'cov-ok';
    const label = r.status === 'failed' ? 'failed' : r.errors > 0 ? `${r.errors} ✗` : r.warnings > 0 ? `${r.warnings} !` : '✓';
    const title = `${r.status}${r.format ? `, format ${r.format}` : ''}; ${r.errors} error finding(s), ${r.warnings} warning(s); ${c.documents} document(s)`;
    return html`<td class="${cls}" title="${title}"><a href="/report/${r.id}">${label}</a>${c.documents > 1 ? html` <span class="muted small">×${c.documents}</span>` : ''}</td>`;
  };

  const choices = filterChoices(ctx.db);
  const runs = ctx.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 10').all() as RunRow[];
  const runErrors = ctx.db.prepare('SELECT path, code, message FROM run_errors WHERE run_id = ? ORDER BY id LIMIT 20');
  const crawler = crawlerState(ctx);
  const tot = totals(ctx);

  const body = html`<h1>Government information-disclosure annual reports 政府信息公开工作年度报告</h1>
<p class="muted">Database <code>${ctx.options.dbFile}</code>, opened read-only.</p>
<h2>Totals</h2>
<dl class="meta">${tot.map((t) => html`<dt>${t.label}</dt><dd>${fmt(t.value)}</dd>`)}</dl>
${crawler ? html`<h2 id="crawler">Crawler 抓取</h2>
<p>${crawler.responses} HTTP response(s) stored. The queue by kind and state:</p>
${renderTable({ columns: [{ key: 'kind', label: 'kind' }, { key: 'state', label: 'state' }, { key: 'n', label: 'URLs', num: true }], rows: crawler.frontier }, { empty: 'The queue is empty.' })}
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
)}` : ''}
<h2 id="coverage">Coverage: agencies × years</h2>
<form class="filters" method="get" action="/#coverage">
${selectField('province', 'Province 省份', choices.provinces, f.province)}
${selectField('level', 'Level 层级', choices.levels, f.level)}
${inputField('name', 'Agency name contains', f.name, 'search')}
<button type="submit">Filter</button></form>
<p class="legend small"><span><i class="cov-ok"></i>parsed, no findings</span><span><i class="cov-findings"></i>warnings</span><span><i class="cov-errors"></i>errors (tables don't add up, late, missing tables)</span><span><i class="cov-failed"></i>failed to parse</span> ×N: N documents for that year (the same report stored more than once)</p>
${
  shown.length === 0
    ? html`<p class="muted">No reports${f.name || f.province || f.level ? ' match these filters' : html` yet: run <code>nianbao ingest</code>`}.</p>`
    : html`<div class="scroll"><table class="coverage data"><thead><tr><th>Agency 机关</th>${years.map((y) => html`<th>${y}</th>`)}</tr></thead><tbody>
${shown.map(
  (a) =>
    html`<tr><td class="agency">${a.id !== null ? html`<a href="/agency/${a.id}">${a.name}</a>` : html`<span class="muted">${a.name}</span>`}</td>${years.map((y) => cellHtml(a.years.get(y)))}</tr>`,
)}</tbody></table></div>
${all.length > shown.length ? html`<p class="muted">Showing ${shown.length} of ${all.length} agencies: filter to see the others.</p>` : ''}
<p class="downloads">Download coverage: <a href="${pathWith('/', { ...q, dl: 'csv' })}" download>CSV</a> <a href="${pathWith('/', { ...q, dl: 'csv', bom: 1 })}" download>CSV with BOM (Excel)</a> <a href="${pathWith('/', { ...q, dl: 'json' })}" download>JSON</a></p>`
}
<h2>Last runs</h2>
${renderTable<RunRow>(
  {
    columns: [
      { key: 'id', label: '#', num: true },
      { key: 'command', label: 'Command' },
      { key: 'started_at', label: 'Started' },
      { key: 'status', label: 'Status', html: (r) => html`<span class="pill ${r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'error' : 'warning'}">${r.status}</span>` },
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
  return page({ title: 'Overview', nav: 'home', body });
}
