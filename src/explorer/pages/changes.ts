/**
 * Changes: reports revised or vanished after they were stored, newest first (the `report_changes`
 * view, through the same function as `nianbao changes`), filtered by kind, agency, province and
 * date; each revision with the values that differ (old → new). Downloads as CSV or JSON; the Atom
 * feed of the same filters is linked.
 */
import {
  CHANGE_KINDS,
  type ChangeRow,
  describeRevision,
  describeSentence,
  describeVanishing,
  changeList,
  TEMPLATE_HIDDEN_WHY,
  revisionCells,
  revisionSentences,
  type RevisionSentenceRow,
} from '../../store/changes.js';
import { sentenceList } from '../versions.js';
import type { ExplorerContext } from '../context.js';
import { filterChoices, textParam } from '../data.js';
import { html, pathWith, safeHref } from '../html.js';
import { type Col, downloadFormat, downloadLinks, fmt, inputField, page, renderTable, selectField, tabularDownload, type Tabular } from '../layout.js';

type Row = ChangeRow & { values: string; sentences: RevisionSentenceRow[]; text_changes: string };

/** Sentences shown per revision on this page (the report page shows every one kept). */
const SENTENCES_SHOWN = 3;

const textTotal = (r: ChangeRow): number => (r.sentences_changed ?? 0) + (r.sentences_added ?? 0) + (r.sentences_removed ?? 0);

/** A revision's sentences (for the page) and the same as text, one per line (for downloads). */
function sentencesOf(ctx: ExplorerContext, c: ChangeRow): { sentences: RevisionSentenceRow[]; text_changes: string } {
  const sentences = textTotal(c) > 0 ? revisionSentences(ctx.db, c.change_id) : [];
  return { sentences, text_changes: sentences.map(describeSentence).join('\n') };
}

export function changesPage(ctx: ExplorerContext, q: Record<string, string>): Response | string {
  const kindParam = textParam(q['kind']);
  const kind = kindParam && (CHANGE_KINDS as readonly string[]).includes(kindParam) ? (kindParam as ChangeRow['change']) : undefined;
  const agency = textParam(q['agency']);
  const province = textParam(q['province']);
  const sinceParam = textParam(q['since'], 10);
  const since = sinceParam && /^\d{4}-\d{2}-\d{2}$/.test(sinceParam) && !Number.isNaN(Date.parse(`${sinceParam}T00:00:00Z`)) ? sinceParam : undefined;
  const includeTemplate = q['template'] === '1';
  const listed = changeList(ctx.db, { kind, agency, province, since, limit: 1000, includeTemplate });
  const rows: Row[] = listed.rows.map((c) => ({
    ...c,
    values:
      c.change === 'revised'
        ? revisionCells(ctx.db, c.change_id)
            .map((x) => `${x.table_name === 'report' ? x.row_key : `${x.table_name}.${x.row_key}.${x.col_key}`}: ${fmt(x.old_value)} → ${fmt(x.new_value)}`)
            .join('; ')
        : '',
    ...(c.change === 'revised' ? sentencesOf(ctx, c) : { sentences: [], text_changes: '' }),
  }));
  const columns: Col<Row>[] = [
    { key: 'seen_at', label: 'First seen', html: (r) => r.seen_at.slice(0, 10) },
    {
      key: 'change',
      label: 'Change',
      html: (r) =>
        r.template_only === 1
          ? html`<span class="pill" title="not a revision: the site's page template changed">page template</span> <span class="small muted">${r.detail}</span>`
          : html`<span class="pill ${r.change === 'vanished' ? 'error' : 'warning'}">${r.change}</span> <span class="small muted">${r.detail}</span>`,
    },
    { key: 'agency', label: 'Agency 机关', html: (r) => (r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency}</a>` : (r.agency ?? '—')) },
    { key: 'year', label: 'Year', num: true },
    {
      key: 'report_id',
      label: 'Report',
      html: (r) =>
        r.change === 'revised'
          ? html`<a href="/report/${r.old_report_id ?? 0}">#${r.old_report_id}</a> → <a href="/report/${r.report_id}#versions">#${r.report_id}</a>`
          : html`<a href="/report/${r.report_id}">#${r.report_id}</a>`,
    },
    {
      key: 'values',
      label: 'What changed',
      html: (r) =>
        r.change === 'revised'
          ? html`${describeRevision(r)}${r.values ? html`: <span class="small">${r.values}</span>` : ''}${
              r.sentences.length > 0 ? sentenceList(r.sentences.slice(0, SENTENCES_SHOWN), textTotal(r) - Math.min(r.sentences.length, SENTENCES_SHOWN)) : ''
            }`
          : html`${describeVanishing(r.detail, r.http_status, r.final_url)}${r.returned_at ? html` <span class="pill ok">back ${r.returned_at.slice(0, 10)}</span>` : ''}`,
    },
    {
      key: 'url',
      label: 'URL',
      html: (r) => (safeHref(r.url) ? html`<a href="${safeHref(r.url)}" rel="noopener noreferrer" target="_blank"><code>${r.url}</code></a>` : (r.url ?? '—')),
    },
    { key: 'text_changes', label: 'text_changes', downloadOnly: true },
    { key: 'old_report_id', label: 'old_report_id', downloadOnly: true },
    { key: 'agency_id', label: 'agency_id', downloadOnly: true },
    { key: 'province', label: 'province', downloadOnly: true },
    { key: 'http_status', label: 'http_status', downloadOnly: true },
    { key: 'final_url', label: 'final_url', downloadOnly: true },
    { key: 'returned_at', label: 'returned_at', downloadOnly: true },
    { key: 'template_only', label: 'template_only', downloadOnly: true },
  ];
  const table: Tabular<Row> = { columns, rows };
  const dl = downloadFormat(q['dl']);
  if (dl) return tabularDownload(table, dl, 'nianbao-changes', q['bom'] === '1');
  const params = { kind, agency, province, since, ...(includeTemplate && { template: '1' }) };
  const hidden =
    listed.templateHidden > 0
      ? html`<p class="small muted" id="template-hidden">${listed.templateHidden} template-only revision(s) not listed: ${TEMPLATE_HIDDEN_WHY}. <a href="${pathWith('/changes', { kind, agency, province, since, template: '1' })}">List them too</a>.</p>`
      : '';
  const choices = filterChoices(ctx.db);
  const feed = pathWith('/feed.xml', { agency, province, kind });
  const body = html`<h1>Changes 变更</h1>
<p class="small muted">Reports that changed after nianbao stored them. <strong>Revised</strong>: a crawl fetched a stored report's URL again and read other values or other text (same_url), or found the same agency and year published again as another document (republished); both versions are kept. <strong>Vanished</strong>: the URL answered 404/410 or redirected away; the stored copy is kept. Crawls revisit known report URLs (<code>nianbao crawl --revisit</code>), so a change shows up at the latest when its URL comes round again.</p>
<form class="filters" method="get" action="/changes">
${selectField(
  'kind',
  'Change',
  CHANGE_KINDS.map((k) => ({ value: k, label: k })),
  kind,
)}
${selectField('province', 'Province 省份', choices.provinces, province)}
${inputField('agency', 'Agency (exact name)', agency, 'search')}
${inputField('since', 'Since (YYYY-MM-DD)', since, 'date')}
${includeTemplate ? html`<input type="hidden" name="template" value="1">` : ''}
<button type="submit">Filter</button>
</form>
<p class="small">Subscribe: <a href="${feed}" id="feed-link">Atom feed of these changes</a> (plus new, late and missing reports without <code>kind</code>).</p>
<h2 id="list">${rows.length} change(s)</h2>
${hidden}
${rows.length > 0 ? downloadLinks('/changes', params, 'this list') : ''}
${renderTable(table, { empty: 'No revised or vanished report found.', id: 'changes' })}`;
  return page({ title: 'Changes', nav: 'changes', body });
}
