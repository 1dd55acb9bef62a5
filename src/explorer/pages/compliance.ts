/**
 * Compliance: reports whose tables don't add up (the parser's arithmetic findings), late
 * reports (the deadlines of report_summary, i.e. src/store/deadline.ts), undated reports (date
 * unknown: never counted late), reports
 * missing tables, reports that could not be read, and carry-over mismatches. Everything is
 * computed from the stored reports when the page loads, so it does not depend on
 * `nianbao check` having run. Each section downloads as CSV or JSON.
 */
import { listedLinkOf, whyNotFetched, type ListedColumns } from '../../store/missing.js';
import { describeTiming } from '../../store/timing.js';
import type { ExplorerContext } from '../context.js';
import { filterChoices, filterSql, readFilters } from '../data.js';
import { html, safeHref, type SafeHtml } from '../html.js';
import { summarySql } from '../summary.js';
import { type Col, downloadFormat, downloadLinks, inputField, page, renderTable, selectField, tabularDownload, type Tabular } from '../layout.js';

type Row = Record<string, unknown> & { report_id: number | null; agency_id: number | null; agency: string | null; year: number | null };

const agencyCol: Col<Row> = {
  key: 'agency',
  label: 'Agency 机关',
  html: (r) => (r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency}</a>` : (r.agency ?? '—')),
};
const yearCol: Col<Row> = {
  key: 'year',
  label: 'Year',
  num: true,
  html: (r) => (r.report_id !== null ? html`<a href="/report/${r.report_id}">${r.year ?? '?'}</a>` : String(r.year ?? '?')),
};
/** The deadline a report was due by and its legal basis (src/store/deadline.ts). */
const deadlineCols: Col<Row>[] = [
  { key: 'deadline', label: 'deadline' },
  { key: 'deadline_basis', label: 'legal basis' },
];
const idCols: Col<Row>[] = [
  {
    key: 'report_id',
    label: 'report',
    num: true,
    html: (r) => (r.report_id !== null ? html`<a href="/report/${r.report_id}#findings">#${r.report_id}</a>` : '—'),
  },
  { key: 'agency_id', label: 'agency_id', downloadOnly: true },
];

interface Section {
  key: string;
  title: string;
  intro: string;
  table: Tabular<Row>;
}

export function compliancePage(ctx: ExplorerContext, q: Record<string, string>): Response | string {
  const f = readFilters(q);
  const fs = filterSql({ province: f.province, level: f.level, year: f.year, name: f.name }, 'r', 'a');
  const ja = 'LEFT JOIN agencies a ON a.id = r.agency_id';
  const from = `reports r ${ja}`;
  const base = `r.id AS report_id, r.agency_id, COALESCE(a.name, r.agency_name) AS agency, r.year`;
  const all = <T>(sql: string, extra: Record<string, unknown> = {}): T[] => ctx.db.prepare(sql).all({ ...fs.params, ...extra }) as T[];

  const arithmetic = all<Row>(
    `SELECT ${base}, x.rule, x.scope, x.left_value, x.right_value, x.delta, x.message
     FROM findings x JOIN reports r ON r.id = x.report_id ${ja}
     WHERE x.source = 'parser' AND x.severity = 'error' AND r.is_primary = 1 AND ${fs.sql}
     ORDER BY ABS(x.delta) DESC, agency, r.year, x.rule, x.scope`,
  );
  const missing = all<Row>(
    `SELECT ${base}, r.format,
            CASE WHEN EXISTS (SELECT 1 FROM cells c WHERE c.report_id = r.id AND c.table_name = 'active') THEN '' ELSE '表二 active ' END ||
            CASE WHEN EXISTS (SELECT 1 FROM cells c WHERE c.report_id = r.id AND c.table_name = 'requests') THEN '' ELSE '表三 requests ' END ||
            CASE WHEN EXISTS (SELECT 1 FROM cells c WHERE c.report_id = r.id AND c.table_name = 'appeals') THEN '' ELSE '表四 appeals' END AS missing_tables
     FROM ${from}
     WHERE r.is_primary = 1 AND r.format IN ('2019', '2021') AND ${fs.sql}
       AND (SELECT COUNT(DISTINCT c.table_name) FROM cells c WHERE c.report_id = r.id AND c.table_name IN ('active', 'requests', 'appeals')) < 3
     ORDER BY agency, r.year`,
  ).map((r) => ({ ...r, missing_tables: String(r['missing_tables']).trim() }));
  const unreadable = all<Row>(
    `SELECT ${base}, r.status, r.format, r.error_code, r.error, d.file_name, d.url
     FROM ${from} JOIN documents d ON d.id = r.document_id
     WHERE (r.status = 'failed' OR r.format IS NULL OR r.format = 'unknown') AND ${fs.sql}
     ORDER BY agency, r.year, r.id`,
  );
  // Reports due and not found where we looked (the expected_reports view, migration 10).
  const ef = filterSql({ province: f.province, level: f.level, year: f.year, name: f.name }, 'e', 'a');
  const expected = ctx.cache.all<Row & { status: string }>(
    // e.*: the listed_* and lists_unread columns came with schema 21; a file of an older schema that
    // cannot be written is opened as it is, without them.
    `SELECT e.*
     FROM expected_reports e JOIN agencies a ON a.id = e.agency_id
     WHERE e.status IN ('missing', 'listed, not fetched', 'not yet due', 'not looked since due') AND ${ef.sql}
     ORDER BY e.agency, e.year`,
    ef.params,
  );
  const absent = expected.filter((x) => x.status === 'missing');
  const listed = expected.filter((x) => x.status === 'listed, not fetched');
  const unjudged = expected.filter((x) => x.status === 'not yet due' || x.status === 'not looked since due');
  // One summary of the filtered primary reports (plus, for a chosen year, the year before, for
  // the carry-over check): late reports and carry-over mismatches both come from it.
  const cf = filterSql({ province: f.province, level: f.level, name: f.name }, 'r', 'a');
  type SumRow = Row & {
    published: string | null;
    deadline: string | null;
    deadline_basis: string | null;
    days_late: number | null;
    status: string;
    carried_over: number | null;
    carried_forward: number | null;
  };
  const sums = ctx.cache.all<SumRow>(
    `SELECT s.report_id, s.agency_id, COALESCE(s.agency, r.agency_name) AS agency, s.year, s.published, s.deadline, s.deadline_basis, s.days_late, s.status,
            s.carried_over, s.carried_forward
     FROM (${summarySql(`r.is_primary = 1 AND r.year IS NOT NULL AND ${cf.sql}${f.year !== undefined ? ' AND r.year IN (@cy, @cy - 1)' : ''}`)}) s
     JOIN reports r ON r.id = s.report_id`,
    { ...cf.params, ...(f.year !== undefined ? { cy: f.year } : {}) },
  );
  const inYear = sums.filter((x) => f.year === undefined || x.year === f.year);
  // Late: published after the deadline. Undated reports are 'date unknown' — never late nor on
  // time — and have their own section.
  const lateRow = (x: SumRow): Row => ({
    report_id: x.report_id,
    agency_id: x.agency_id,
    agency: x.agency,
    year: x.year,
    published: x.published,
    deadline: x.deadline,
    deadline_basis: x.deadline_basis,
    days_late: x.days_late,
  });
  const byAgency = (x: Row, y: Row) => String(x.agency).localeCompare(String(y.agency)) || (x.year ?? 0) - (y.year ?? 0);
  const late: Row[] = inYear
    .filter((x) => x.days_late !== null && x.days_late > 0)
    .map(lateRow)
    .sort((x, y) => Number(y['days_late']) - Number(x['days_late']) || byAgency(x, y));
  const undated: Row[] = inYear
    .filter((x) => x.published === null && x.status !== 'failed')
    .map((x) => ({ ...lateRow(x), timing: describeTiming(null) }))
    .sort(byAgency);
  const byAgencyYear = new Map(sums.filter((x) => x.agency_id !== null).map((x) => [`${x.agency_id}:${x.year}`, x]));
  const carry: Row[] = inYear
    .flatMap((cur) => {
      const prev = cur.agency_id === null ? undefined : byAgencyYear.get(`${cur.agency_id}:${(cur.year ?? 0) - 1}`);
      if (!prev || cur.carried_over === null || prev.carried_forward === null || cur.carried_over === prev.carried_forward) return [];
      return [
        {
          report_id: cur.report_id,
          agency_id: cur.agency_id,
          agency: cur.agency,
          year: cur.year,
          prev_report_id: prev.report_id,
          carried_forward_prev_year: prev.carried_forward,
          carried_over: cur.carried_over,
          delta: cur.carried_over - prev.carried_forward,
        },
      ];
    })
    .sort(
      (x, y) =>
        Math.abs(Number(y['delta'])) - Math.abs(Number(x['delta'])) || String(x.agency).localeCompare(String(y.agency)) || (x.year ?? 0) - (y.year ?? 0),
    );

  const sections: Section[] = [
    {
      key: 'arithmetic',
      title: "Tables that don't add up 数据不符",
      intro:
        'The arithmetic rules of the format (FORMAT.md §6) that fail: rows whose applicant columns do not sum to 总计, results that do not sum to （七）总计, 新收 + 结转 ≠ 总计 + 结转下年度, review and litigation groups that do not add up; in pre-2019 statistics tables, a 其中 row larger than its whole or 历年累计 below the year.',
      table: {
        columns: [
          agencyCol,
          yearCol,
          { key: 'rule', label: 'rule', html: (r) => html`<a href="/report/${r.report_id}#findings"><code>${String(r['rule'])}</code></a>` },
          { key: 'scope', label: 'row/column' },
          { key: 'left_value', label: 'left', num: true },
          { key: 'right_value', label: 'right', num: true },
          { key: 'delta', label: 'difference', num: true },
          { key: 'message', label: 'message' },
          ...idCols,
        ],
        rows: arithmetic,
      },
    },
    {
      key: 'late',
      title: 'Late reports 逾期发布',
      intro:
        'Published after the deadline (src/store/deadline.ts): reports on years up to 2018 by 31 March of the next year (条例(2007)第三十一条, every agency); reports on 2019 onwards by 31 January (条例(2019)第四十九条, departments) or 31 March (the 本级政府 report of an agency of kind government, same article). Reports without a publication date are not here: see Date unknown.',
      table: {
        columns: [
          agencyCol,
          yearCol,
          { key: 'published', label: 'published' },
          ...deadlineCols,
          { key: 'days_late', label: 'days late', num: true, html: (r) => describeTiming(r['days_late'] as number | null) },
          ...idCols,
        ],
        rows: late,
      },
    },
    {
      key: 'undated',
      title: 'Date unknown 发布日期不明',
      intro: 'Reports whose publication date was not found: they cannot be judged late or on time.',
      table: {
        columns: [agencyCol, yearCol, ...deadlineCols, { key: 'timing', label: 'timing' }, ...idCols],
        rows: undated,
      },
    },
    {
      key: 'absent',
      title: 'Reports not found 未找到的年报',
      intro: `Years from an agency's first known report on (or the year before its site was last crawled) with no report stored after the deadline passed. "Not found" means not found where we looked: the sites named here, last crawled on the date shown (or, for agencies known from ingested files only, the files ingested) — the report may exist elsewhere. ${unjudged.filter((x) => x.status === 'not yet due').length} more not yet due; ${unjudged.filter((x) => x.status === 'not looked since due').length} not looked for since their deadline (crawl again).`,
      table: {
        columns: [
          agencyCol,
          yearCol,
          ...deadlineCols,
          { key: 'last_year_seen', label: 'latest report found', num: true },
          { key: 'site', label: 'looked on (sites)', html: (r) => String(r['site'] ?? 'ingested files') },
          { key: 'last_looked_at', label: 'last looked', html: (r) => String(r['last_looked_at'] ?? '').slice(0, 10) },
          { key: 'lists_unread', label: 'list pages not read there', num: true },
          { key: 'agency_id', label: 'agency_id', downloadOnly: true },
        ],
        rows: absent,
      },
    },
    {
      key: 'not-fetched',
      title: 'Reports listed but not fetched 已列出未取得',
      intro: `Years with no report stored whose report one of the agency's sites lists: the link's text names the year, but its fetch failed (a dead link, a server error) or was not allowed (robots.txt). Not missing — the agency lists it — but nianbao holds no copy. Crawl again, or open the link by hand.`,
      table: {
        columns: [
          agencyCol,
          yearCol,
          { key: 'deadline', label: 'deadline' },
          { key: 'site', label: 'listed on (sites)' },
          { key: 'listed_title', label: 'link text' },
          {
            key: 'listed_http_status',
            label: 'why not fetched',
            html: (r) => {
              const link = listedLinkOf(r as ListedColumns);
              return link ? whyNotFetched(link) : '';
            },
          },
          { key: 'listed_tried_at', label: 'last tried', html: (r) => String(r['listed_tried_at'] ?? '').slice(0, 10) },
          {
            key: 'listed_url',
            label: 'link',
            html: (r) => {
              const href = safeHref(r['listed_url'] as string | null);
              return href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${String(r['listed_url'])}</a>` : String(r['listed_url'] ?? '');
            },
          },
          { key: 'listed_error_code', label: 'code', downloadOnly: true },
          { key: 'listed_error', label: 'error', downloadOnly: true },
          { key: 'agency_id', label: 'agency_id', downloadOnly: true },
        ],
        rows: listed,
      },
    },
    {
      key: 'missing',
      title: 'Missing tables 缺表',
      intro:
        'Reports in the 2019 or 2021 format in which table 2, 3 or 4 was not found (the page may hold it as an image or attachment, or the agency left it out).',
      table: { columns: [agencyCol, yearCol, { key: 'format', label: 'format' }, { key: 'missing_tables', label: 'missing' }, ...idCols], rows: missing },
    },
    {
      key: 'unreadable',
      title: 'Documents that could not be read 无法解析',
      intro: 'Failed parses and documents in no recognisable format (not an annual report, or tables the parser could not find).',
      table: {
        columns: [
          agencyCol,
          yearCol,
          { key: 'status', label: 'status' },
          { key: 'format', label: 'format' },
          { key: 'error_code', label: 'code' },
          { key: 'error', label: 'error' },
          { key: 'file_name', label: 'file' },
          { key: 'url', label: 'url' },
          ...idCols,
        ],
        rows: unreadable,
      },
    },
    {
      key: 'carryover',
      title: 'Carry-over mismatches 结转不符',
      intro: '上年结转 of year N differs from 结转下年度继续办理 of year N−1 (总计 column; see each agency page for the columns).',
      table: {
        columns: [
          agencyCol,
          yearCol,
          {
            key: 'carried_forward_prev_year',
            label: '结转下年度 (N−1)',
            num: true,
            html: (r) => html`<a href="/report/${Number(r['prev_report_id'])}">${String(r['carried_forward_prev_year'])}</a>`,
          },
          { key: 'carried_over', label: '上年结转 (N)', num: true },
          { key: 'delta', label: 'difference', num: true },
          { key: 'prev_report_id', label: 'prev_report_id', downloadOnly: true },
          ...idCols,
        ],
        rows: carry,
      },
    },
  ];

  const dl = downloadFormat(q['dl']);
  if (dl) {
    const s = sections.find((x) => x.key === q['section']) ?? sections[0]!;
    return tabularDownload(s.table, dl, `nianbao-compliance-${s.key}`, q['bom'] === '1');
  }
  const choices = filterChoices(ctx.db);
  const params = { province: f.province, level: f.level, year: f.year, name: f.name };
  const sectionHtml = (s: Section): SafeHtml => html`<h2 id="${s.key}">${s.title} (${s.table.rows.length})</h2>
<p class="small muted">${s.intro}</p>
${s.table.rows.length > 0 ? downloadLinks('/compliance', { ...params, section: s.key }, 'this list') : ''}
${renderTable(s.table, { empty: 'None.' })}`;
  const body = html`<h1>Compliance 合规</h1>
<form class="filters" method="get" action="/compliance">
${selectField('year', 'Year 年度', choices.years, f.year === undefined ? undefined : String(f.year))}
${selectField('province', 'Province 省份', choices.provinces, f.province)}
${selectField('level', 'Level 层级', choices.levels, f.level)}
${inputField('name', 'Agency name contains', f.name, 'search')}
<button type="submit">Filter</button>
</form>
<p>${sections.map((s) => html`<a href="#${s.key}">${s.title}</a> (${s.table.rows.length}) · `)}</p>
${sections.map(sectionHtml)}`;
  return page({ title: 'Compliance', nav: 'compliance', body });
}
