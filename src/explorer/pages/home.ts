/**
 * Home, as a journalist opens it: a search box, coverage at a glance (agencies × years: which
 * reports exist, which failed to parse, which have findings), the latest findings, then totals.
 * The crawler's queue and the runs are on their own page (/health, pages/health.ts).
 */
import type { ExplorerContext } from '../context.js';
import { filterChoices, filterSql, readFilters } from '../data.js';
import { html, type HtmlValue, pathWith } from '../html.js';
import { downloadFormat, fmt, inputField, page, renderTable, selectField, severityPill, tabularDownload, type Tabular } from '../layout.js';

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

interface FindingRow {
  id: number;
  report_id: number;
  agency_id: number | null;
  agency: string | null;
  year: number | null;
  severity: string;
  rule: string;
  message: string;
}

/** The newest findings that say something (errors, then warnings) of the primary reports. */
function latestFindings(ctx: ExplorerContext, limit = 10): FindingRow[] {
  return ctx.db
    .prepare(
      `SELECT f.id, f.report_id, r.agency_id, COALESCE(a.name, r.agency_name) AS agency, r.year, f.severity, f.rule, f.message
       FROM findings f JOIN reports r ON r.id = f.report_id LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE f.severity IN ('error', 'warning') AND r.is_primary = 1
       ORDER BY r.year IS NULL, r.year DESC, f.severity = 'error' DESC, f.id DESC LIMIT ?`,
    )
    .all(limit) as FindingRow[];
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
      columns: ['agency_id', 'agency', 'year', 'report_id', 'status', 'format', 'documents', 'error_findings', 'warning_findings'].map((k) => ({
        key: k,
        label: k,
      })),
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
  const latest = latestFindings(ctx);
  const tot = totals(ctx);

  const body = html`<h1>Government information-disclosure annual reports 政府信息公开工作年度报告</h1>
<p>What China's agencies disclosed, year by year: requests received and answered, refusals, appeals and court cases, as
their own annual reports give them. Search a place or a word, or pick an agency in the grid.</p>
<form class="search-big" method="get" action="/search" role="search"><input type="search" name="q" placeholder="Agency, place or words from the reports, e.g. 平潭 or 本机关不掌握" aria-label="Search the reports" size="50"><button type="submit">Search 搜索</button></form>
<h2 id="coverage">Coverage: agencies × years 覆盖</h2>
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
<h2 id="findings">Latest findings 最新发现</h2>
<p class="small muted">Tables that don't add up, late or missing reports: the newest reports first. Each links to the cell or the finding in the report.</p>
${renderTable<FindingRow>(
  {
    columns: [
      { key: 'year', label: 'Year 年度', num: true },
      {
        key: 'agency',
        label: 'Agency 机关',
        html: (r) => (r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency ?? '—'}</a>` : (r.agency ?? '—')),
      },
      { key: 'severity', label: 'Severity', html: (r) => severityPill(r.severity) },
      { key: 'message', label: 'Finding 问题', html: (r) => html`<a href="/report/${r.report_id}#finding-${r.id}">${r.message}</a>` },
    ],
    rows: latest,
  },
  { empty: 'No findings: every table adds up and no report is late.', id: 'latest-findings' },
)}
<p class="small"><a href="/compliance">Every finding, by kind →</a></p>
<h2>Totals</h2>
<dl class="meta">${tot.map((t) => html`<dt>${t.label}</dt><dd>${fmt(t.value)}</dd>`)}</dl>
<p class="small">Crawler queue, sites and the last runs with their errors: <a href="/health">health of the collection 抓取状态</a>.</p>
`;
  return page({ title: 'Overview', nav: 'home', body });
}
