/**
 * Search: agencies by name, and reports by full text (title, agency, prose, table labels) with
 * snippets (src/store/text-match.ts: terms with Chinese characters through the bigram index, those
 * of three or more characters confirmed in the text, so each term is an exact substring and FTS
 * syntax typed by the user is inert; terms without any by LIKE); filters by province, level, year
 * and format. All terms must match.
 * Snippets hold about 120 characters around the first match, enough to judge a hit.
 */
import { searchTerms } from '../../store/search.js';
import { matchReports } from '../../store/text-match.js';
import type { ExplorerContext } from '../context.js';
import { filterChoices, filterSql, likeEscape, readFilters, textParam } from '../data.js';
import { html, type SafeHtml } from '../html.js';
import { downloadFormat, downloadLinks, page, selectField, tabularDownload, type Tabular } from '../layout.js';

// Private-use code points mark matches in snippets: the snippet is escaped as text first, then
// the marks become <mark> elements.
const OPEN = '\uE000';
const CLOSE = '\uE001';

interface Hit {
  report_id: number;
  agency_id: number | null;
  agency: string | null;
  year: number | null;
  format: string | null;
  status: string;
  title: string | null;
  published: string | null;
  snippet: string;
}

interface AgencyHit {
  id: number;
  name: string;
  province: string | null;
  level: string | null;
  reports: number;
  first_year: number | null;
  last_year: number | null;
}

/** A snippet with its match marks turned into <mark>, everything else escaped. */
export function markSnippet(snippet: string): SafeHtml {
  const parts: (string | SafeHtml)[] = [];
  let open = false;
  for (const piece of snippet.split(/([\uE000\uE001])/u)) {
    if (piece === OPEN) {
      if (!open) parts.push(html`<mark>`);
      open = true;
    } else if (piece === CLOSE) {
      if (open) parts.push(html`</mark>`);
      open = false;
    } else parts.push(piece);
  }
  if (open) parts.push(html`</mark>`);
  return html`${parts}`;
}

export function searchPage(ctx: ExplorerContext, q: Record<string, string>): Response | string {
  const query = textParam(q['q'], 500) ?? '';
  const f = readFilters(q);
  const all = q['all'] === '1';
  const limit = 100;
  const terms = query ? searchTerms(query.replace(/[\uE000\uE001]/gu, '')) : [];
  const fs = filterSql({ ...f, name: undefined }, 'r', 'a');
  const params: Record<string, unknown> = { ...fs.params, limit };
  const where = [fs.sql, all ? '1' : 'r.is_primary = 1'];

  let hits: Hit[] = [];
  let agencies: AgencyHit[] = [];
  if (terms.length > 0) {
    const m = matchReports<Hit>(ctx.db, {
      terms,
      select: `r.id AS report_id, r.agency_id, COALESCE(a.name, r.agency_name) AS agency, r.year, r.format, r.status, r.title, r.published`,
      where: where.join(' AND '),
      params,
      limit,
      marks: [OPEN, CLOSE],
      snippetTokens: 64,
      snippetChars: 120,
    });
    hits = m.rows;
    // Agencies whose name, key or an alias holds every term.
    const ap: Record<string, unknown> = {};
    const conds = terms.map((t, i) => {
      ap[`t${i}`] = `%${likeEscape(t)}%`;
      return `(a.name LIKE @t${i} ESCAPE '\\' OR a.key LIKE @t${i} ESCAPE '\\' OR EXISTS (SELECT 1 FROM agency_aliases al WHERE al.agency_id = a.id AND al.alias LIKE @t${i} ESCAPE '\\'))`;
    });
    const af = filterSql({ province: f.province, level: f.level }, 'r', 'a');
    agencies = ctx.db
      .prepare(
        `SELECT a.id, a.name, a.province, a.level, COUNT(r.id) AS reports, MIN(r.year) AS first_year, MAX(r.year) AS last_year
         FROM agencies a LEFT JOIN reports r ON r.agency_id = a.id
         WHERE ${conds.join(' AND ')} AND ${af.sql}
         GROUP BY a.id ORDER BY reports DESC, a.name LIMIT 50`,
      )
      .all({ ...ap, ...af.params }) as AgencyHit[];
  } else if (f.province || f.level || f.year !== undefined || f.format) {
    // No words: browse the reports that match the filters.
    hits = ctx.db
      .prepare(
        `SELECT r.id AS report_id, r.agency_id, COALESCE(a.name, r.agency_name) AS agency, r.year, r.format, r.status, r.title, r.published, '' AS snippet
           FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id
           WHERE ${where.join(' AND ')} ORDER BY r.year DESC, agency, r.id LIMIT @limit`,
      )
      .all(params) as Hit[];
  }

  const dl = downloadFormat(q['dl']);
  if (dl) {
    const t: Tabular<Hit> = {
      columns: ['report_id', 'agency_id', 'agency', 'year', 'format', 'status', 'title', 'published', 'snippet'].map((k) => ({ key: k, label: k })),
      rows: hits.map((h) => ({ ...h, snippet: h.snippet.replaceAll(OPEN, '[').replaceAll(CLOSE, ']') })),
    };
    return tabularDownload(t, dl, 'nianbao-search', q['bom'] === '1');
  }

  const choices = filterChoices(ctx.db);
  const body = html`<h1>Search 搜索</h1>
<form class="filters" method="get" action="/search">
<label>Words (agency name, report text or a table row's label; all must match)<input type="search" name="q" value="${query}" size="40" autofocus></label>
${selectField('province', 'Province 省份', choices.provinces, f.province)}
${selectField('level', 'Level 层级', choices.levels, f.level)}
${selectField('year', 'Year 年度', choices.years, f.year === undefined ? undefined : String(f.year))}
${selectField('format', 'Format 格式', choices.formats, f.format)}
<label><span><input type="checkbox" name="all" value="1"${all ? html` checked` : ''}> every document (also duplicates)</span></label>
<button type="submit">Search</button>
</form>
${
  agencies.length > 0
    ? html`<h2>Agencies 机关 (${agencies.length})</h2><ul class="agencies">${agencies.map(
        (a) =>
          html`<li><a href="/agency/${a.id}">${a.name}</a> <span class="muted small">${[a.province, a.level].filter(Boolean).join(' · ')} ${a.reports} report(s)${a.first_year !== null ? `, ${a.first_year}–${a.last_year}` : ''}</span></li>`,
      )}</ul>`
    : ''
}
${
  terms.length > 0 || hits.length > 0
    ? html`<h2>Reports 年报 (${hits.length}${hits.length === limit ? '+' : ''})</h2>
${hits.length === 0 ? html`<p class="muted">No report matches.</p>` : downloadLinks('/search', q, 'these results')}
<ol class="hits">${hits.map(
        (h) => html`<li><a href="/report/${h.report_id}">${h.title ?? '(no title)'}</a>
<div class="small hit-meta">${h.agency_id !== null ? html`<a href="/agency/${h.agency_id}">${h.agency}</a>` : (h.agency ?? '(agency unknown)')} · ${h.year ?? '?'} · format ${h.format ?? '—'}${h.status !== 'ok' ? html` · <span class="pill ${h.status === 'failed' ? 'error' : 'warning'}">${h.status}</span>` : ''}${h.published ? ` · published ${h.published}` : ''}</div>
${h.snippet ? html`<div class="small muted hit-snippet">${markSnippet(h.snippet)}</div>` : ''}</li>`,
      )}</ol>`
    : html`<p class="muted">Type an agency name (e.g. 平潭) or words from the reports, or pick filters to list reports.</p>`
}`;
  return page({ title: query ? `Search: ${query}` : 'Search', nav: 'search', body });
}
