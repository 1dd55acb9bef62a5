/**
 * Compare and rank: agencies by one measure for a chosen year (or every year side by side),
 * sortable, filterable, with a chart and CSV/JSON downloads. Measures and sort orders come from
 * fixed lists; request values only ever select among them or are bound.
 */
import { describeTiming } from '../../store/timing.js';
import type { ExplorerContext } from '../context.js';
import { filterChoices, filterSql, readFilters } from '../data.js';
import { html, pathWith } from '../html.js';
import { summarySql } from '../summary.js';
import { chart, type Col, downloadFormat, downloadLinks, fmt, inputField, page, renderTable, selectField, tabularDownload, type Tabular } from '../layout.js';

interface Measure {
  label: string;
  /** SQL expression over report_summary `s` (fixed text). */
  value: string;
  /** For shares: the numerator and denominator shown next to the value. */
  parts?: { num: string; den: string; numLabel: string; denLabel: string };
  unit: string;
}

const CORRECTED = `CASE WHEN s.review_corrected IS NULL AND s.litigation_corrected IS NULL THEN NULL
  ELSE COALESCE(s.review_corrected, 0) + COALESCE(s.litigation_corrected, 0) END`;
const APPEALS = `CASE WHEN s.review_total IS NULL AND s.litigation_total IS NULL THEN NULL
  ELSE COALESCE(s.review_total, 0) + COALESCE(s.litigation_total, 0) END`;

export const MEASURES: Record<string, Measure> = {
  new_received: { label: 'Requests received 本年新收', value: 's.new_received', unit: '件' },
  denied_share: {
    label: 'Share denied 不予公开 (% of results)',
    value: 'ROUND(100.0 * s.denied / NULLIF(s.results_total, 0), 1)',
    parts: { num: 's.denied', den: 's.results_total', numLabel: 'denied', denLabel: 'results_total' },
    unit: '%',
  },
  not_held_share: {
    label: 'Share "not held" 本机关不掌握 (% of results)',
    value: 'ROUND(100.0 * s.not_held / NULLIF(s.results_total, 0), 1)',
    parts: { num: 's.not_held', den: 's.results_total', numLabel: 'not_held', denLabel: 'results_total' },
    unit: '%',
  },
  granted_share: {
    label: 'Share granted 予以公开 (% of results)',
    value: 'ROUND(100.0 * s.granted / NULLIF(s.results_total, 0), 1)',
    parts: { num: 's.granted', den: 's.results_total', numLabel: 'granted', denLabel: 'results_total' },
    unit: '%',
  },
  corrected: { label: 'Corrected in review or court 复议诉讼纠正', value: CORRECTED, unit: '件' },
  corrected_share: {
    label: 'Share corrected in review or court (% of cases)',
    value: `ROUND(100.0 * (${CORRECTED}) / NULLIF(${APPEALS}, 0), 1)`,
    parts: { num: CORRECTED, den: APPEALS, numLabel: 'corrected', denLabel: 'cases' },
    unit: '%',
  },
  appeals: { label: 'Review and court cases 复议诉讼总数', value: APPEALS, unit: '件' },
  days_late: { label: 'Days late 逾期天数 (negative: days early)', value: 's.days_late', unit: 'days' },
};

/** The unit as the chart writes it. */
const unitText = (u: string): string => (u === '件' ? '件 (cases)' : u === '%' ? '% (percent)' : u);

interface RankRow {
  report_id: number;
  agency_id: number | null;
  agency: string | null;
  province: string | null;
  level: string | null;
  year: number;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  rank?: number;
}

/** The 400 page of an unknown `measure`: says which value was refused and lists the measures. */
function unknownMeasure(given: string): Response {
  const body = html`<h1>Unknown measure</h1>
<p class="error-box">There is no measure <code>${given}</code>. Use one of these:</p>
<ul class="measures">${Object.entries(MEASURES).map(([k, v]) => html`<li><a href="${pathWith('/compare', { measure: k })}"><code>${k}</code></a>: ${v.label}</li>`)}</ul>`;
  return new Response(page({ title: 'Unknown measure', nav: 'compare', body }), { status: 400, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}

export function comparePage(ctx: ExplorerContext, q: Record<string, string>): Response | string {
  const given = q['measure'];
  // A measure that is not in the list is refused (400), never replaced by another.
  if (given !== undefined && given !== '' && !Object.hasOwn(MEASURES, given)) return unknownMeasure(given);
  const measureKey = given && Object.hasOwn(MEASURES, given) ? given : 'new_received';
  const m = MEASURES[measureKey]!;
  const f = readFilters(q);
  const choices = filterChoices(ctx.db);
  const allYears = q['year'] === 'all';
  const year = allYears ? undefined : (f.year ?? (choices.years[0] ? Number(choices.years[0].value) : undefined));
  const sort = q['sort'] === 'agency' ? 'agency' : 'value';
  const dir: 'asc' | 'desc' = q['dir'] === 'asc' ? 'asc' : q['dir'] === 'desc' ? 'desc' : sort === 'agency' ? 'asc' : 'desc';
  const withNull = q['nulls'] === '1';
  const fs = filterSql({ province: f.province, level: f.level, name: f.name, year }, 'r', 'a');
  const parts = m.parts ? `, ${m.parts.num} AS numerator, ${m.parts.den} AS denominator` : ', NULL AS numerator, NULL AS denominator';
  const rows = ctx.cache.all<RankRow>(
    `SELECT s.report_id, s.agency_id, s.agency, a.province, a.level, s.year, ${m.value} AS value${parts}
     FROM (${summarySql(`r.is_primary = 1 AND r.year IS NOT NULL AND ${fs.sql}`)}) s LEFT JOIN agencies a ON a.id = s.agency_id
     ORDER BY s.year, s.agency`,
    fs.params,
  );
  const cmp = (x: RankRow, y: RankRow): number => {
    const byName = (x.agency ?? '').localeCompare(y.agency ?? '', 'zh-Hans-CN') || x.year - y.year;
    if (sort === 'agency') return dir === 'asc' ? byName : -byName;
    // Nulls last whatever the direction.
    if (x.value === null || y.value === null) return x.value === null ? (y.value === null ? byName : 1) : -1;
    return (dir === 'asc' ? x.value - y.value : y.value - x.value) || byName;
  };

  const base = { measure: measureKey, year: allYears ? 'all' : year, province: f.province, level: f.level, name: f.name, nulls: withNull ? 1 : undefined };
  const sortLink = (key: string, d: 'asc' | 'desc'): string => pathWith('/compare', { ...base, sort: key === 'agency' ? 'agency' : 'value', dir: d });
  const dl = downloadFormat(q['dl']);

  if (allYears) {
    // Matrix: one row per agency, one column per year.
    // Years in which some agency has a value (every year when agencies without a value are shown).
    const years = [...new Set(rows.filter((r) => withNull || r.value !== null).map((r) => r.year))].sort((a, b) => a - b);
    const byAgency = new Map<string, { agency_id: number | null; agency: string | null } & Record<string, unknown>>();
    for (const r of rows) {
      const k = String(r.agency_id ?? r.agency);
      const row = byAgency.get(k) ?? { agency_id: r.agency_id, agency: r.agency };
      row[String(r.year)] = r.value;
      byAgency.set(k, row);
    }
    let matrix = [...byAgency.values()];
    if (!withNull) matrix = matrix.filter((r) => years.some((y) => r[String(y)] !== null && r[String(y)] !== undefined));
    const sortYear = q['sort'] && /^\d{4}$/.test(q['sort']) ? q['sort'] : null;
    matrix.sort((x, y) => {
      if (sortYear) {
        const a = x[sortYear];
        const b = y[sortYear];
        if (typeof a !== 'number' || typeof b !== 'number') return typeof a === typeof b ? 0 : typeof a === 'number' ? -1 : 1;
        return dir === 'asc' ? a - b : b - a;
      }
      const c = (x.agency ?? '').localeCompare(y.agency ?? '', 'zh-Hans-CN');
      return dir === 'desc' && sort === 'agency' ? -c : c;
    });
    type MRow = (typeof matrix)[number];
    const t: Tabular<MRow> = {
      columns: [
        { key: 'agency_id', label: 'agency_id', downloadOnly: true },
        {
          key: 'agency',
          label: 'Agency 机关',
          sortable: true,
          html: (r) => (r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency}</a>` : (r.agency ?? '—')),
        },
        ...years.map((y): Col<MRow> => ({ key: String(y), label: String(y), num: true, sortable: true })),
      ],
      rows: matrix,
    };
    if (dl) return tabularDownload(t, dl, `nianbao-compare-${measureKey}-by-year`, q['bom'] === '1');
    const sortLinkM = (key: string, d: 'asc' | 'desc'): string => pathWith('/compare', { ...base, sort: key, dir: d });
    const body = html`${header(measureKey, choices, f, 'all', withNull)}
<p>${m.label}, every year (${matrix.length} agencies). Click a year to rank by it.</p>
${downloadLinks('/compare', { ...base, sort: q['sort'], dir: q['dir'] })}
${renderTable(t, { sort: { key: sortYear ?? 'agency', dir }, sortLink: sortLinkM, id: 'rank', empty: 'No agency matches.' })}
${chart(
  {
    kind: 'line',
    x: years,
    series: matrix.slice(0, 8).map((r) => ({ label: r.agency ?? '—', values: years.map((y) => (r[String(y)] as number | null | undefined) ?? null) })),
    unit: unitText(m.unit),
  },
  `${m.label}: the first ${Math.min(8, matrix.length)} agencies of the table`,
  `nianbao-compare-${measureKey}-by-year`,
)}`;
    return page({ title: `Compare: ${m.label}`, nav: 'compare', body, charts: true });
  }

  let ranked = withNull ? rows : rows.filter((r) => r.value !== null);
  ranked = [...ranked].sort(cmp);
  // Rank by value (descending), ties share a rank; independent of the display order.
  const byValue = ranked.filter((r) => r.value !== null).sort((x, y) => (y.value ?? 0) - (x.value ?? 0));
  byValue.forEach((r, i) => {
    const prev = byValue[i - 1];
    r.rank = prev && prev.value === r.value ? (prev.rank ?? i + 1) : i + 1;
  });
  const cols: Col<RankRow>[] = [
    { key: 'rank', label: 'rank', num: true },
    { key: 'agency_id', label: 'agency_id', downloadOnly: true },
    {
      key: 'agency',
      label: 'Agency 机关',
      sortable: true,
      html: (r) => (r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency}</a>` : (r.agency ?? '—')),
    },
    { key: 'province', label: 'Province' },
    { key: 'level', label: 'Level' },
    { key: 'year', label: 'Year', num: true },
    {
      key: 'value',
      label: `${m.label}`,
      num: true,
      sortable: true,
      html: (r) =>
        r.value === null
          ? m.unit === 'days'
            ? 'date unknown'
            : '—'
          : m.unit === '%'
            ? `${fmt(r.value)}%`
            : m.unit === 'days'
              ? describeTiming(r.value)
              : fmt(r.value),
    },
    ...(m.parts
      ? [
          { key: 'numerator', label: m.parts.numLabel, num: true },
          { key: 'denominator', label: m.parts.denLabel, num: true },
        ]
      : []),
    { key: 'report_id', label: 'report', num: true, html: (r) => html`<a href="/report/${r.report_id}">#${r.report_id}</a>` },
  ];
  const t: Tabular<RankRow> = { columns: cols, rows: ranked };
  if (dl) return tabularDownload(t, dl, `nianbao-compare-${measureKey}-${year ?? 'all'}`, q['bom'] === '1');
  const top = ranked.filter((r) => r.value !== null).slice(0, 30);
  const body = html`${header(measureKey, choices, f, year === undefined ? '' : String(year), withNull)}
<p>${m.label} in ${year ?? '—'}: ${ranked.length} agencies.</p>
${downloadLinks('/compare', { ...base, sort, dir })}
${renderTable(t, { sort: { key: sort, dir }, sortLink, id: 'rank', empty: 'No agency has a value for this measure and these filters.' })}
${top.length > 0 ? chart({ kind: 'bar', xName: 'agency', x: top.map((_, i) => i), xLabels: top.map((r) => r.agency ?? '—'), series: [{ label: m.label, values: top.map((r) => r.value) }], unit: unitText(m.unit) }, `${m.label}, ${year ?? ''}: the first ${top.length} rows of the table`, `nianbao-compare-${measureKey}-${year ?? 'all'}`) : ''}`;
  return page({ title: `Compare: ${m.label}`, nav: 'compare', body, charts: top.length > 0 });
}

function header(measureKey: string, choices: ReturnType<typeof filterChoices>, f: ReturnType<typeof readFilters>, year: string, withNull: boolean) {
  return html`<h1>Compare and rank 比较与排名</h1>
<form class="filters" method="get" action="/compare">
<label>Measure 指标<select name="measure">${Object.entries(MEASURES).map(([k, v]) => html`<option value="${k}"${k === measureKey ? html` selected` : ''}>${v.label}</option>`)}</select></label>
<label>Year 年度<select name="year">${choices.years.map((y) => html`<option value="${y.value}"${y.value === year ? html` selected` : ''}>${y.label}</option>`)}<option value="all"${year === 'all' ? html` selected` : ''}>every year (side by side)</option></select></label>
${selectField('province', 'Province 省份', choices.provinces, f.province)}
${selectField('level', 'Level 层级', choices.levels, f.level)}
${inputField('name', 'Agency name contains', f.name, 'search')}
<label><span><input type="checkbox" name="nulls" value="1"${withNull ? html` checked` : ''}> include agencies without a value</span></label>
<button type="submit">Show</button>
</form>`;
}
