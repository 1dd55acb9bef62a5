/**
 * Agency page: every year side by side, charts of requests and their outcomes and of review and
 * litigation outcomes over the years, and the carry-over check between consecutive years
 * (上年结转 of year N against 结转下年度继续办理 of year N−1, FORMAT.md §6 R5), and the years a
 * report is expected for with what is known of each (agency-years.ts).
 */
import { agencyDetail } from '../../agencies/list.js';
import { describeTiming } from '../../store/timing.js';
import { REQUEST_COLUMNS } from '../../../parsers/keys.js';
import type { ExplorerContext } from '../context.js';
import { html, safeHref } from '../html.js';
import { mapPre2019, type MappedValue } from '../pre2019.js';
import { summarySql } from '../summary.js';
import { expectedYears, expectedYearsSection } from './agency-years.js';
import { chart, downloadFormat, downloadLinks, fmt, page, renderTable, tabularDownload, type Tabular } from '../layout.js';

interface Summary {
  report_id: number;
  year: number;
  format: string | null;
  title: string | null;
  status: string;
  published: string | null;
  deadline: string | null;
  days_late: number | null;
  new_received: number | null;
  carried_over: number | null;
  granted: number | null;
  partially_granted: number | null;
  denied: number | null;
  unavailable: number | null;
  not_held: number | null;
  rejected: number | null;
  other: number | null;
  results_total: number | null;
  carried_forward: number | null;
  review_total: number | null;
  review_corrected: number | null;
  litigation_total: number | null;
  litigation_corrected: number | null;
  error_findings: number;
  warning_findings: number;
  check_findings: number;
}

/** The measures shown side by side, in order (keys of report_summary). */
const MEASURES: { key: keyof Summary; label: string }[] = [
  { key: 'new_received', label: '一、本年新收 requests received' },
  { key: 'carried_over', label: '二、上年结转 carried over' },
  { key: 'granted', label: '（一）予以公开 granted' },
  { key: 'partially_granted', label: '（二）部分公开 partially granted' },
  { key: 'denied', label: '（三）不予公开 denied' },
  { key: 'unavailable', label: '（四）无法提供 unavailable' },
  { key: 'not_held', label: '　其中 本机关不掌握 not held' },
  { key: 'rejected', label: '（五）不予处理 rejected' },
  { key: 'other', label: '（六）其他处理 other' },
  { key: 'results_total', label: '（七）总计 results total' },
  { key: 'carried_forward', label: '四、结转下年度 carried forward' },
  { key: 'review_total', label: '行政复议 reviews' },
  { key: 'review_corrected', label: '　复议纠正 corrected in review' },
  { key: 'litigation_total', label: '行政诉讼 lawsuits' },
  { key: 'litigation_corrected', label: '　诉讼纠正 corrected in court' },
  { key: 'days_late', label: 'timing 发布时效' },
  { key: 'error_findings', label: 'arithmetic errors 不符' },
];

interface AppealYear {
  year: number;
  group_key: string;
  upheld: number | null;
  corrected: number | null;
  other: number | null;
  pending: number | null;
  total: number | null;
}

export function agencyPage(ctx: ExplorerContext, id: number, q: Record<string, string>): Response | string | null {
  const a = ctx.db.prepare('SELECT * FROM agencies WHERE id = ?').get(id) as
    | {
        id: number;
        name: string;
        key: string;
        province: string | null;
        city: string | null;
        county: string | null;
        level: string | null;
        kind: string | null;
        portal: string | null;
        parent_id: number | null;
        merged_into: number | null;
      }
    | undefined;
  if (!a) return null;
  // A merged agency's page is its merge target's.
  if (a.merged_into !== null) return agencyPage(ctx, a.merged_into, q);
  // Names, hierarchy, review pairs, and where each report was found (src/agencies/list.ts).
  const detail = agencyDetail(ctx.db, id);
  const locationsOf = new Map(detail.reports.map((r) => [r.report_id, r]));
  const postedForOthers = ctx.db
    .prepare(
      `SELECT r.id, r.year, r.title, r.agency_id, a.name AS agency FROM reports r JOIN agencies a ON a.id = r.agency_id
       WHERE r.publisher_id = ? AND r.agency_id <> ? ORDER BY a.name, r.year, r.id`,
    )
    .all(id, id) as { id: number; year: number | null; title: string | null; agency_id: number; agency: string }[];
  const summary = ctx.db
    .prepare(`SELECT * FROM (${summarySql('r.agency_id = @a AND r.is_primary = 1 AND r.year IS NOT NULL')}) ORDER BY year`)
    .all({ a: id }) as Summary[];
  const years = summary.map((s) => s.year);
  const expected = expectedYears(ctx, id);
  // Pre-2019 reports: the measures their statistics table gives (pre2019.ts), with the label each came from.
  const mapped = new Map<number, Map<string, MappedValue>>();
  const statsOf = ctx.db.prepare('SELECT label, value FROM stats WHERE report_id = ? ORDER BY ord');
  for (const s of summary) {
    if (s.format !== 'pre2019') continue;
    const m = mapPre2019(statsOf.all(s.report_id) as { label: string; value: number | null }[]);
    const used = new Map<string, MappedValue>();
    for (const [k, v] of m) {
      if (s[k] !== null) continue;
      (s as unknown as Record<string, number | null>)[k] = v.value;
      used.set(k, v);
    }
    if (used.size > 0) mapped.set(s.report_id, used);
  }

  // Side by side: one row per measure, one column per year.
  type SideRow = { measure: string; label: string } & Record<string, unknown>;
  const side: Tabular<SideRow> = {
    columns: [
      { key: 'measure', label: 'measure', html: (r) => r.label },
      { key: 'label', label: 'label', downloadOnly: true },
      ...summary.map((s) => ({ key: String(s.year), label: String(s.year), num: true })),
    ],
    rows: MEASURES.map((m) => {
      const row: SideRow = { measure: m.key, label: m.label };
      for (const s of summary) row[String(s.year)] = s[m.key] ?? null;
      return row;
    }),
  };
  const dl = downloadFormat(q['dl']);
  if (dl) return tabularDownload(side, dl, `nianbao-agency-${id}-years`, q['bom'] === '1');

  const reports = ctx.db
    .prepare(
      `SELECT r.id, r.year, r.format, r.status, r.title, r.published, r.is_primary, d.kind, d.file_name,
              (SELECT COUNT(*) FROM findings f WHERE f.report_id = r.id AND f.severity = 'error') AS errors
       FROM reports r JOIN documents d ON d.id = r.document_id WHERE r.agency_id = ? ORDER BY r.year, r.is_primary DESC, r.id`,
    )
    .all(id) as {
    id: number;
    year: number | null;
    format: string | null;
    status: string;
    title: string | null;
    published: string | null;
    is_primary: number;
    kind: string | null;
    file_name: string | null;
    errors: number;
  }[];
  // As the appeals view, for this agency's reports only (read by the cells primary key).
  const appeals = ctx.db
    .prepare(
      `SELECT r.year, c.row_key AS group_key,
              MAX(CASE WHEN c.col_key = 'upheld' THEN c.value END) AS upheld,
              MAX(CASE WHEN c.col_key = 'corrected' THEN c.value END) AS corrected,
              MAX(CASE WHEN c.col_key = 'other' THEN c.value END) AS other,
              MAX(CASE WHEN c.col_key = 'pending' THEN c.value END) AS pending,
              MAX(CASE WHEN c.col_key = 'total' THEN c.value END) AS total
       FROM reports r CROSS JOIN cells c ON c.report_id = r.id AND c.table_name = 'appeals'
       WHERE r.agency_id = ? AND r.is_primary = 1 AND r.year IS NOT NULL
       GROUP BY r.id, c.row_key ORDER BY r.year`,
    )
    .all(id) as AppealYear[];

  // Carry-over: each pair of consecutive years, total column and any column that differs.
  const carryCells = ctx.db
    .prepare(
      `SELECT r.year, c.row_key, c.col_key, c.value FROM cells c JOIN reports r ON r.id = c.report_id
       WHERE r.agency_id = ? AND r.is_primary = 1 AND c.table_name = 'requests' AND c.row_key IN ('carried_over', 'carried_forward')`,
    )
    .all(id) as { year: number; row_key: string; col_key: string; value: number | null }[];
  const cv = (y: number, row: string, col: string): number | null =>
    carryCells.find((c) => c.year === y && c.row_key === row && c.col_key === col)?.value ?? null;
  const byYear = new Map(summary.map((s) => [s.year, s]));
  const carry = summary
    .filter((s) => byYear.has(s.year - 1))
    .map((s) => {
      const prev = byYear.get(s.year - 1)!;
      const differing = REQUEST_COLUMNS.filter((c) => {
        const x = cv(s.year, 'carried_over', c.key);
        const y = cv(prev.year, 'carried_forward', c.key);
        return x !== null && y !== null && x !== y;
      }).map((c) => `${c.label} ${cv(prev.year, 'carried_forward', c.key)}→${cv(s.year, 'carried_over', c.key)}`);
      const delta = s.carried_over !== null && prev.carried_forward !== null ? s.carried_over - prev.carried_forward : null;
      return {
        from_year: prev.year,
        to_year: s.year,
        prev_report: prev.report_id,
        report: s.report_id,
        carried_forward: prev.carried_forward,
        carried_over: s.carried_over,
        delta,
        columns: differing.join('; '),
      };
    });
  const gaps = summary.filter((s, i) => i > 0 && !byYear.has(s.year - 1)).map((s) => s.year);

  const appealSeries = (group: (g: string) => boolean, col: keyof AppealYear): (number | null)[] =>
    years.map((y) => {
      const rows = appeals.filter((x) => x.year === y && group(x.group_key));
      const vals = rows.map((x) => x[col]).filter((v): v is number => typeof v === 'number');
      return vals.length ? vals.reduce((p, c) => p + c, 0) : null;
    });
  const isReview = (g: string): boolean => g === 'review';
  const isLit = (g: string): boolean => g.startsWith('litigation');
  const portal = safeHref(a.portal);

  const body = html`<p class="small"><a href="/">Overview</a> › agency</p>
<h1 id="agency-name">${a.name}</h1>
<dl class="meta">
${[a.province, a.city, a.county].some(Boolean) ? html`<dt>Place</dt><dd>${[a.province, a.city, a.county].filter(Boolean).join(' · ')}</dd>` : ''}
${a.level ? html`<dt>Level</dt><dd id="agency-level">${a.level}</dd>` : ''}
${a.kind ? html`<dt>Kind</dt><dd id="agency-kind">${a.kind}</dd>` : ''}
${detail.parent ? html`<dt>Part of</dt><dd id="agency-parent"><a href="/agency/${detail.parent.id}">${detail.parent.name}</a></dd>` : ''}
${detail.children.length > 0 ? html`<dt>Bodies under it</dt><dd id="agency-children">${detail.children.map((c, i) => html`${i > 0 ? '、' : ''}<a href="/agency/${c.id}">${c.name}</a>`)}</dd>` : ''}
${portal ? html`<dt>Portal</dt><dd><a href="${portal}" rel="noopener noreferrer" target="_blank">${a.portal}</a></dd>` : ''}
${detail.aliases.length > 0 ? html`<dt>Also named</dt><dd id="agency-aliases">${detail.aliases.map((x, i) => html`${i > 0 ? '、' : ''}<span title="${x.source ?? ''}">${x.alias}</span>`)}</dd>` : ''}
${
  detail.review.some((v) => v.status === 'open')
    ? html`<dt>May be the same as</dt><dd id="agency-review">${detail.review
        .filter((v) => v.status === 'open')
        .map((v, i) => {
          const [oid, oname] = v.agency_id === id ? [v.other_id, v.other] : [v.agency_id, v.agency];
          return html`${i > 0 ? '、' : ''}<a href="/agency/${oid}">${oname}</a>`;
        })} <span class="small muted">(listed for review, not merged: <code>nianbao agencies review</code>)</span></dd>`
    : ''
}
<dt>Reports</dt><dd>${summary.length} year(s)${years.length ? `: ${years[0]}–${years[years.length - 1]}` : ''}</dd>
</dl>

<h2>Year by year 历年对比</h2>
${
  summary.length === 0
    ? html`<p class="muted">No parsed report with a year.</p>`
    : html`
<div class="scroll"><table class="data" id="years"><thead><tr><th>measure</th>${summary.map((s) => html`<th class="num"><a href="/report/${s.report_id}">${s.year}</a></th>`)}</tr></thead>
<tbody>${side.rows.map(
        (r) =>
          html`<tr data-measure="${r.measure}"><th class="rowlabel">${r.label}</th>${summary.map((s) => {
            const from = mapped.get(s.report_id)?.get(r.measure);
            return from
              ? html`<td class="num mapped" title="pre-2019 report: ${from.label}">${fmt(r[String(s.year)])}<sup>†</sup></td>`
              : r.measure === 'days_late'
                ? html`<td class="num timing">${describeTiming(r[String(s.year)] as number | null)}</td>`
                : html`<td class="num">${fmt(r[String(s.year)])}</td>`;
          })}</tr>`,
      )}</tbody></table></div>
${mapped.size > 0 ? html`<p class="small muted" id="pre2019-note">† From a pre-2019 report's statistics table, whose rows are not the same as the 2019/2021 template's: only rows that say the same thing are shown (hover a value for the row it came from); the others stay blank (—). ${[...mapped.entries()].map(([rid, m]) => html`<br>${summary.find((x) => x.report_id === rid)?.year}: ${[...m.entries()].map(([k, v]) => `${k} ← ${v.label}`).join('; ')}`)}</p>` : ''}
${downloadLinks(`/agency/${id}`, {}, 'this table')}`
}
<p class="downloads">Download this agency's data as <code>nianbao export</code> writes it: ${['requests', 'appeals', 'active', 'report_summary', 'cells'].map(
    (v) =>
      html`${v} <a href="/export/${v}?format=csv&amp;agency=${encodeURIComponent(a.name)}" download data-view="${v}">CSV</a> <a href="/export/${v}?format=json&amp;agency=${encodeURIComponent(a.name)}" download>JSON</a> · `,
  )}</p>

${
  summary.length > 0
    ? html`<h2>Charts</h2><div class="charts">
${chart(
  {
    kind: 'line',
    x: years,
    series: [
      { label: '本年新收 received', values: summary.map((s) => s.new_received) },
      { label: '予以公开 granted', values: summary.map((s) => s.granted) },
      { label: '部分公开 partially', values: summary.map((s) => s.partially_granted) },
      { label: '不予公开 denied', values: summary.map((s) => s.denied) },
      { label: '无法提供 unavailable', values: summary.map((s) => s.unavailable) },
      { label: '不予处理 rejected', values: summary.map((s) => s.rejected) },
    ],
    unit: '件 (cases)',
  },
  'Requests received and their outcomes 申请与办理结果',
  `nianbao-agency-${id}-requests`,
)}
${chart(
  {
    kind: 'line',
    x: years,
    series: [
      { label: '维持 upheld', values: appealSeries(isReview, 'upheld') },
      { label: '纠正 corrected', values: appealSeries(isReview, 'corrected') },
      { label: '其他 other', values: appealSeries(isReview, 'other') },
      { label: '尚未审结 pending', values: appealSeries(isReview, 'pending') },
    ],
    unit: '件 (cases)',
  },
  'Administrative review outcomes 行政复议',
  `nianbao-agency-${id}-reviews`,
)}
${chart(
  {
    kind: 'line',
    x: years,
    series: [
      { label: '维持 upheld', values: appealSeries(isLit, 'upheld') },
      { label: '纠正 corrected', values: appealSeries(isLit, 'corrected') },
      { label: '其他 other', values: appealSeries(isLit, 'other') },
      { label: '尚未审结 pending', values: appealSeries(isLit, 'pending') },
    ],
    unit: '件 (cases)',
  },
  'Litigation outcomes (direct and after review) 行政诉讼',
  `nianbao-agency-${id}-lawsuits`,
)}
</div>`
    : ''
}

${expectedYearsSection(expected)}
<h2 id="carryover">Carry-over check 结转核对</h2>
<p class="small muted">上年结转 (carried over) of year N should equal 结转下年度继续办理 (carried forward) of year N−1. Restructuring and corrections break this legitimately; a difference is worth a question, not a verdict.</p>
${renderTable(
  {
    columns: [
      { key: 'from_year', label: 'from', html: (c) => html`<a href="/report/${c.prev_report}">${c.from_year}</a>` },
      { key: 'to_year', label: 'to', html: (c) => html`<a href="/report/${c.report}">${c.to_year}</a>` },
      { key: 'carried_forward', label: '结转下年度 (year N−1)', num: true },
      { key: 'carried_over', label: '上年结转 (year N)', num: true },
      {
        key: 'delta',
        label: 'difference',
        num: true,
        html: (c) =>
          c.delta === null
            ? '—'
            : c.delta === 0
              ? html`<span class="delta-ok">0 ✓</span>`
              : html`<span class="delta-bad">${c.delta > 0 ? '+' : ''}${c.delta} ✗</span>`,
      },
      { key: 'columns', label: 'columns that differ' },
    ],
    rows: carry,
  },
  { empty: 'No two consecutive years to compare.', id: 'carry' },
)}
${gaps.length > 0 ? html`<p class="small muted">No report for the year before ${gaps.join(', ')}: those years cannot be checked.</p>` : ''}

<h2>All documents 全部文档</h2>
${renderTable(
  {
    columns: [
      { key: 'year', label: 'year' },
      { key: 'title', label: 'title', html: (r) => html`<a href="/report/${r.id}">${r.title ?? '(no title)'}</a>` },
      { key: 'format', label: 'format' },
      { key: 'status', label: 'status' },
      { key: 'published', label: 'published' },
      { key: 'errors', label: 'errors', num: true },
      { key: 'kind', label: 'kind', html: (r) => html`${r.kind ?? ''} ${r.is_primary ? '' : html`<span class="muted small">(duplicate)</span>`}` },
      { key: 'file_name', label: 'file' },
      { key: 'named', label: 'agency from', html: (r) => html`${locationsOf.get(r.id)?.agency_source ?? ''}` },
      {
        key: 'found',
        label: 'found at',
        html: (r) =>
          html`${(locationsOf.get(r.id)?.locations ?? []).map((l, i) => {
            const href = /^https?:\/\//i.test(l.place) ? safeHref(l.place) : null; // a file path is no link
            return html`${i > 0 ? html`<br>` : ''}${l.publisher ?? l.site ?? 'file'}: ${href ? html`<a href="${href}" rel="noopener noreferrer" target="_blank">${l.place}</a>` : l.place}`;
          })}`,
      },
    ],
    rows: reports,
  },
  { empty: 'No documents.', id: 'documents' },
)}
${
  postedForOthers.length > 0
    ? html`<h2 id="posted-for-others">Posted here for other agencies 代发布</h2>
<p class="small muted">Reports found on this agency's site that name another body: stored under that body.</p>
<ul>${postedForOthers.map((r) => html`<li><a href="/agency/${r.agency_id}">${r.agency}</a> ${r.year ?? ''}: <a href="/report/${r.id}">${r.title ?? '(no title)'}</a></li>`)}</ul>`
    : ''
}`;
  return page({ title: a.name, nav: 'none', body, charts: summary.length > 0 });
}
