/**
 * The page shell (navigation, style sheet, optional chart scripts) and the pieces every page
 * uses: number formatting, sortable data tables, filter forms and download links. Tables are
 * described once ({@link Tabular}) and rendered either as HTML or as a CSV/JSON download, so
 * a download always holds exactly the rows the page shows.
 */
import { RowWriter } from '../store/format.js';
import { html, type HtmlValue, pathWith, type SafeHtml } from './html.js';

export type NavKey = 'home' | 'search' | 'compare' | 'compliance' | 'changes' | 'health' | 'sql' | 'none';

const NAV: { key: NavKey; path: string; label: string }[] = [
  { key: 'home', path: '/', label: 'Overview 概览' },
  { key: 'search', path: '/search', label: 'Search 搜索' },
  { key: 'compare', path: '/compare', label: 'Compare 比较' },
  { key: 'compliance', path: '/compliance', label: 'Compliance 合规' },
  { key: 'changes', path: '/changes', label: 'Changes 变更' },
  { key: 'health', path: '/health', label: 'Health 状态' },
  { key: 'sql', path: '/sql', label: 'SQL' },
];

export interface PageOptions {
  title: string;
  nav: NavKey;
  body: SafeHtml;
  /** Load uPlot and the chart script. @default false */
  charts?: boolean;
}

/** A whole HTML page. */
export function page(o: PageOptions): string {
  return `<!doctype html>\n${html`<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${o.title} · nianbao</title>
<link rel="stylesheet" href="/assets/style.css">
<link rel="alternate" type="application/atom+xml" title="nianbao: new, late, revised, vanished and missing reports" href="/feed.xml">
${
  o.charts
    ? html`<link rel="stylesheet" href="/assets/uPlot.min.css">
<script src="/assets/uPlot.iife.min.js" defer></script>
<script src="/assets/chart.js" defer></script>`
    : ''
}
</head>
<body>
<header class="top">
<a class="brand" href="/">nianbao 年报</a>
<nav>${NAV.map((n) => html`<a href="${n.path}"${n.key === o.nav ? html` aria-current="page"` : ''}>${n.label}</a>`)}</nav>
<form action="/search" method="get" role="search"><input type="search" name="q" placeholder="Agency or text 机关或全文" aria-label="Search"></form>
</header>
<main>
${o.body}
</main>
</body>
</html>`}\n`;
}

/** A number for display: null → '—', integers as is, others to at most 6 decimals. */
export function fmt(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  return String(v);
}

/** A percentage (already ×100) with one decimal, or '—'. */
export function pct(v: unknown): string {
  return typeof v === 'number' ? `${v.toFixed(1)}%` : '—';
}

export interface Col<R> {
  /** Key of the value in the row; also the CSV/JSON column name. */
  key: string;
  label: string;
  num?: boolean;
  /** How the cell shows on the page (default: the value, formatted). */
  html?: (r: R) => HtmlValue;
  /** Leave out of downloads (e.g. a link column). @default false */
  pageOnly?: boolean;
  /** Leave out of the page (an id column the download needs). @default false */
  downloadOnly?: boolean;
  /** Clicking the header sorts by this column. @default false */
  sortable?: boolean;
}

export interface Tabular<R> {
  columns: Col<R>[];
  rows: R[];
}

export interface TableRenderOptions {
  className?: string;
  /** Current sort, to mark the header and flip the direction. */
  sort?: { key: string; dir: 'asc' | 'desc' };
  /** Link of a header that sorts by `key` in `dir`. */
  sortLink?: (key: string, dir: 'asc' | 'desc') => string;
  empty?: string;
  id?: string;
}

/** Renders a {@link Tabular} as an HTML table. */
export function renderTable<R>(table: Tabular<R>, o: TableRenderOptions = {}): SafeHtml {
  const t = { ...table, columns: table.columns.filter((c) => !c.downloadOnly) };
  if (t.rows.length === 0) return html`<p class="muted">${o.empty ?? 'Nothing to show.'}</p>`;
  const head = t.columns.map((c) => {
    const cls = c.num ? 'num' : undefined;
    if (c.sortable && o.sortLink) {
      const active = o.sort?.key === c.key;
      const dir: 'asc' | 'desc' = active ? (o.sort?.dir === 'desc' ? 'asc' : 'desc') : c.num ? 'desc' : 'asc';
      const arrow = active ? (o.sort?.dir === 'desc' ? ' ▼' : ' ▲') : '';
      return html`<th class="${cls}" ${active ? html`aria-sort="${o.sort?.dir === 'desc' ? 'descending' : 'ascending'}"` : ''}><a href="${o.sortLink(c.key, dir)}">${c.label}${arrow}</a></th>`;
    }
    return html`<th class="${cls}">${c.label}</th>`;
  });
  const body = t.rows.map(
    (r) =>
      html`<tr>${t.columns.map((c) => html`<td class="${c.num ? 'num' : ''}">${c.html ? c.html(r) : fmt((r as Record<string, unknown>)[c.key])}</td>`)}</tr>`,
  );
  return html`<div class="scroll"><table class="data ${o.className ?? ''}"${o.id ? html` id="${o.id}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Download format of a table: `?dl=csv` (with `&bom=1` for Excel) or `?dl=json`. */
export type DownloadFormat = 'csv' | 'json';

export function downloadFormat(v: string | undefined): DownloadFormat | null {
  return v === 'csv' || v === 'json' ? v : null;
}

/** `filename` made safe for Content-Disposition (ASCII fallback plus RFC 5987 UTF-8 name). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\w.-]+/g, '_').replace(/_+/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** A table as a CSV (RFC 4180, UTF-8, optional BOM) or JSON download, written by the same RowWriter as `nianbao query`. */
export function tabularDownload<R>(t: Tabular<R>, format: DownloadFormat, name: string, bom = false): Response {
  const cols = t.columns.filter((c) => !c.pageOnly);
  return rowsDownload(
    cols.map((c) => c.key),
    t.rows.map((r) => cols.map((c) => (r as Record<string, unknown>)[c.key] ?? null)),
    format,
    name,
    bom,
  );
}

/** Rows (arrays in column order) as a CSV or JSON download. */
export function rowsDownload(columns: string[], rows: unknown[][], format: DownloadFormat, name: string, bom = false): Response {
  const chunks: string[] = [];
  const w = new RowWriter(format, columns, (s) => chunks.push(s), { bom });
  for (const r of rows) w.row(r);
  w.end();
  return new Response(chunks.join(''), {
    headers: {
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Disposition': contentDisposition(`${name}.${format}`),
    },
  });
}

/** "Download: CSV · CSV for Excel · JSON" links for the current page (its query plus `dl`). */
export function downloadLinks(path: string, params: Record<string, string | number | boolean | null | undefined>, what = 'this table'): SafeHtml {
  const p = { ...params, dl: undefined, bom: undefined };
  return html`<p class="downloads">Download ${what}: <a href="${pathWith(path, { ...p, dl: 'csv' })}" download>CSV</a>
<a href="${pathWith(path, { ...p, dl: 'csv', bom: 1 })}" download>CSV with BOM (Excel)</a>
<a href="${pathWith(path, { ...p, dl: 'json' })}" download>JSON</a></p>`;
}

export interface SelectOption {
  value: string;
  label: string;
}

/** A `<select>` filter with an "any" first option. */
export function selectField(name: string, label: string, options: SelectOption[], current: string | undefined, anyLabel = 'any'): SafeHtml {
  return html`<label>${label}<select name="${name}"><option value="">${anyLabel}</option>${options.map(
    (o) => html`<option value="${o.value}"${o.value === current ? html` selected` : ''}>${o.label}</option>`,
  )}</select></label>`;
}

/** A text/number input filter. */
export function inputField(name: string, label: string, current: string | undefined, type = 'text', extra: SafeHtml | '' = ''): SafeHtml {
  return html`<label>${label}<input type="${type}" name="${name}" value="${current ?? ''}" ${extra}></label>`;
}

/**
 * A chart container: uPlot draws into it when JavaScript runs (assets.ts, with PNG and SVG
 * downloads); otherwise a note says the table holds the same data. The caption is the chart's
 * title, also in the downloaded files; `file` names them (without extension).
 */
export function chart(spec: ChartSpec, caption: string, file = 'nianbao-chart'): SafeHtml {
  const full = { ...spec, title: caption, file: file.replace(/[^\w.-]+/g, '-') };
  return html`<figure><figcaption><strong>${caption}</strong></figcaption><div class="chart" data-chart="${JSON.stringify(full)}"><p class="nojs">(The chart needs JavaScript; the table shows the same numbers.)</p></div></figure>`;
}

export interface ChartSpec {
  kind: 'line' | 'bar';
  x: number[];
  /** Category names (bar charts: one per x index). */
  xLabels?: string[];
  /** Name of the x values. */
  xName?: string;
  series: { label: string; values: (number | null)[] }[];
  /** Unit of the values, written horizontally above the plot (件, %, days). */
  unit?: string;
  height?: number;
}

/** A severity pill. */
export function severityPill(sev: string): SafeHtml {
  return html`<span class="pill ${sev}">${sev.replace('_', ' ')}</span>`;
}
