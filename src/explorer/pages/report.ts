/**
 * Report page: metadata, findings, the three tables as in the original (or the pre-2019
 * statistics), each cell with its provenance, and the stored snapshot in a sandboxed frame
 * with the source URL.
 */
import { describeTiming } from '../../store/timing.js';
import type { ExplorerContext } from '../context.js';
import { html, safeHref } from '../html.js';
import { downloadFormat, fmt, page, severityPill, tabularDownload, type Tabular } from '../layout.js';
import {
  activeTable,
  appealsTable,
  type CellRow,
  cellPath,
  type FindingRow,
  layoutFormat,
  requestsTable,
  type StatRow,
  statsTable,
  type TableContext,
} from '../report-tables.js';
import { vanishedNotice, versionsSection } from '../versions.js';

interface ReportRow {
  id: number;
  document_id: number;
  agency_id: number | null;
  agency: string | null;
  agency_name: string | null;
  province: string | null;
  level: string | null;
  year: number | null;
  format: string | null;
  title: string | null;
  published: string | null;
  deadline: string | null;
  deadline_basis: string | null;
  days_late: number | null;
  status: string;
  error_code: string | null;
  error: string | null;
  parser_version: string;
  input_kind: string | null;
  charset: string | null;
  cell_count: number;
  is_primary: number;
  parsed_at: string;
}

export interface DocumentRow {
  id: number;
  sha256: string;
  size: number;
  kind: string | null;
  url: string | null;
  final_url: string | null;
  http_status: number | null;
  content_type: string | null;
  charset: string | null;
  fetched_at: string | null;
  ingested_at: string;
  source_path: string | null;
  file_name: string | null;
  snapshot_path: string;
}

/** Kinds of document a browser can show in a frame (as HTML or plain text). */
export const FRAMEABLE_KINDS = new Set(['html', 'text']);

const CELL_COLUMNS = ['report_id', 'table_name', 'row_key', 'col_key', 'value', 'raw', 'unit', 'flags', 'table_index', 'grid_row', 'grid_col'];

export function reportPage(ctx: ExplorerContext, id: number, q: Record<string, string>): Response | string | null {
  const r = ctx.db
    .prepare(
      `SELECT r.*, COALESCE(a.name, r.agency_name) AS agency, a.province, a.level,
              dl.deadline, dl.deadline_basis, dl.days AS days_late
       FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id
       LEFT JOIN days_late_of dl ON dl.report_id = r.id WHERE r.id = ?`,
    )
    .get(id) as ReportRow | undefined;
  if (!r) return null;
  const doc = ctx.db.prepare('SELECT * FROM documents WHERE id = ?').get(r.document_id) as DocumentRow;
  const cellRows = ctx.db.prepare('SELECT * FROM cells WHERE report_id = ? ORDER BY ord').all(id) as CellRow[];

  const dl = downloadFormat(q['dl']);
  if (dl) {
    const t: Tabular<CellRow & { report_id: number }> = {
      columns: CELL_COLUMNS.map((k) => ({ key: k, label: k })),
      rows: cellRows.map((c) => ({ ...c, report_id: id })),
    };
    return tabularDownload(t, dl, `nianbao-report-${id}-cells`, q['bom'] === '1');
  }

  const stats = ctx.db.prepare('SELECT ord, label, unit, value, cumulative, raw FROM stats WHERE report_id = ? ORDER BY ord').all(id) as StatRow[];
  const findings = ctx.db
    .prepare(
      `SELECT * FROM findings WHERE report_id = ?
       ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, source, id`,
    )
    .all(id) as FindingRow[];
  // Carry-over findings stored on the next year's report point back here (other_report_id):
  // they name this report's 结转下年度继续办理 cell of the same column.
  const incoming = ctx.db
    .prepare(
      `SELECT f.*, r2.year AS other_year FROM findings f JOIN reports r2 ON r2.id = f.report_id
       WHERE f.other_report_id = ? ORDER BY f.id`,
    )
    .all(id) as (FindingRow & { other_year: number | null })[];

  const cells = new Map(cellRows.map((c) => [cellPath(c.table_name, c.row_key, c.col_key), c]));
  const byCell = new Map<string, FindingRow[]>();
  const addFinding = (path: string, f: FindingRow): void => {
    const list = byCell.get(path) ?? [];
    list.push(f);
    byCell.set(path, list);
  };
  for (const f of findings) {
    let paths: unknown = [];
    try {
      paths = JSON.parse(f.cells ?? '[]');
    } catch {
      paths = [];
    }
    if (Array.isArray(paths)) for (const p of paths) if (typeof p === 'string') addFinding(p, f);
  }
  for (const f of incoming) if (f.rule === 'carryover.mismatch' && f.scope) addFinding(cellPath('requests', 'carried_forward', f.scope), f);

  const tctx: TableContext = { cells, findings: byCell, kind: doc.kind, sourceUrl: doc.final_url ?? doc.url };
  const tables = new Set(cellRows.map((c) => c.table_name));
  const layout = layoutFormat(r.format, cellRows);
  const siblings =
    r.agency_id === null
      ? []
      : (ctx.db
          .prepare(
            `SELECT r.id, r.year, r.is_primary, r.status, d.kind, d.file_name FROM reports r JOIN documents d ON d.id = r.document_id
       WHERE r.agency_id = ? AND r.id <> ? AND (r.year = ? OR r.year IS NULL) ORDER BY r.is_primary DESC, r.id`,
          )
          .all(r.agency_id, id, r.year) as {
          id: number;
          year: number | null;
          is_primary: number;
          status: string;
          kind: string | null;
          file_name: string | null;
        }[]);
  const neighbours =
    r.agency_id === null || r.year === null
      ? []
      : (ctx.db
          .prepare(
            `SELECT MAX(CASE WHEN year < @y THEN year END) AS prev, MIN(CASE WHEN year > @y THEN year END) AS next
       FROM reports WHERE agency_id = @a AND is_primary = 1`,
          )
          .all({ a: r.agency_id, y: r.year }) as { prev: number | null; next: number | null }[]);
  const nb = neighbours[0];
  const yearLink = (y: number | null | undefined): string | null => {
    if (y === null || y === undefined || r.agency_id === null) return null;
    const rid = ctx.db.prepare('SELECT id FROM reports WHERE agency_id = ? AND year = ? AND is_primary = 1').pluck().get(r.agency_id, y) as number | undefined;
    return rid === undefined ? null : `/report/${rid}`;
  };
  const prevLink = yearLink(nb?.prev);
  const nextLink = yearLink(nb?.next);

  const source = safeHref(doc.final_url ?? doc.url);
  const exportParams = (view: string, format: string): string => {
    const p = new URLSearchParams({ format });
    if (r.agency) p.set('agency', r.agency);
    if (r.year !== null) p.set('year', String(r.year));
    return `/export/${view}?${p.toString()}`;
  };

  const body = html`<p class="small"><a href="/">Overview</a> ›
${r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency}</a>` : html`<span class="muted">${r.agency ?? '(agency unknown)'}</span>`} › ${r.year ?? '?'}
${prevLink ? html` · <a href="${prevLink}">← ${nb?.prev}</a>` : ''}${nextLink ? html` · <a href="${nextLink}">${nb?.next} →</a>` : ''}</p>
<h1 id="report-title">${r.title ?? '(no title)'}</h1>
${vanishedNotice(ctx.db, id)}
<dl class="meta">
<dt>Agency 机关</dt><dd id="report-agency">${r.agency_id !== null ? html`<a href="/agency/${r.agency_id}">${r.agency}</a>` : (r.agency ?? '—')}${r.agency_name && r.agency_name !== r.agency ? html` <span class="muted">(the report calls itself ${r.agency_name})</span>` : ''}</dd>
<dt>Year 年度</dt><dd>${r.year ?? '—'}</dd>
<dt>Format 格式</dt><dd>${r.format ?? '—'}</dd>
<dt>Published 发布</dt><dd>${r.published ?? 'unknown'}${r.deadline ? html` — deadline ${r.deadline} <span class="small muted" id="deadline-basis">(${r.deadline_basis})</span> <span class="pill ${r.days_late === null ? 'not_assessable' : r.days_late > 0 ? 'error' : 'ok'}" id="timing">${describeTiming(r.days_late)}</span>` : ''}</dd>
<dt>Status</dt><dd><span class="pill ${r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'error' : 'warning'}">${r.status}</span>${r.error ? html` <code>${r.error_code ?? ''}</code> ${r.error}` : ''}${r.is_primary ? '' : html` <span class="pill">duplicate document (not the primary report of this agency and year)</span>`}</dd>
<dt>Cells read</dt><dd>${r.cell_count} (parser ${r.parser_version}, ${r.parsed_at})</dd>
<dt>Source 来源</dt><dd>${source ? html`<a href="${source}" rel="noopener noreferrer" target="_blank">${doc.final_url ?? doc.url}</a>` : (doc.url ?? doc.source_path ?? doc.file_name ?? '—')} · <a href="#original">stored snapshot</a></dd>
</dl>
${siblings.length > 0 ? html`<p class="small">Other documents of this agency and year: ${siblings.map((s) => html`<a href="/report/${s.id}">#${s.id} ${s.file_name ?? s.kind ?? ''}</a>${s.is_primary ? ' (primary)' : ''} `)}</p>` : ''}
${versionsSection(ctx.db, id, doc.url)}

<h2 id="findings">Findings 问题 (${findings.length + incoming.length})</h2>
${
  findings.length + incoming.length === 0
    ? html`<p class="muted">No findings: every check that could be made holds.</p>`
    : html`<ul class="findings">${findings.map((f) => findingItem(f))}${incoming.map(
        (f) =>
          html`<li id="finding-${f.id}">${severityPill(f.severity)} <strong>${f.rule}</strong> — found on the ${f.other_year ?? 'next'} report (<a href="/report/${f.report_id}">#${f.report_id}</a>): ${f.message}${f.scope ? html` — cell <a href="#c-requests-carried_forward-${f.scope}">结转下年度继续办理 · ${f.scope}</a>` : ''}</li>`,
      )}</ul>`
}

${r.status === 'failed' ? html`<p class="error-box">This document could not be parsed: ${r.error ?? ''}</p>` : ''}
${tables.has('active') ? html`<h2>二、主动公开政府信息情况</h2>${activeTable(tctx, layout)}` : ''}
${tables.has('requests') ? html`<h2>三、收到和处理政府信息公开申请情况</h2>${requestsTable(tctx, layout)}` : ''}
${tables.has('appeals') ? html`<h2>四、政府信息公开行政复议、行政诉讼情况</h2>${appealsTable(tctx)}` : ''}
${stats.length > 0 ? html`<h2>政府信息公开情况统计表 (statistics appendix)</h2>${statsTable(stats, byCell)}` : ''}
${tables.size === 0 && stats.length === 0 && r.status !== 'failed' ? html`<p class="muted">No report tables were read from this document.</p>` : ''}
<p class="small muted">Hover over a number, or focus it with Tab or a click, to see the text it was read from and where. · means the parser found no cell there.</p>
<p class="downloads">Download: this report's cells <a href="/report/${id}?dl=csv" download>CSV</a> <a href="/report/${id}?dl=csv&amp;bom=1" download>CSV with BOM</a> <a href="/report/${id}?dl=json" download>JSON</a>
${r.agency && r.year !== null ? html` · views for ${r.agency} ${r.year} (as <code>nianbao export</code>): ${['requests', 'appeals', 'active', 'report_summary'].map((v) => html`<a href="${exportParams(v, 'csv')}" download>${v}.csv</a> `)}` : ''}</p>

<h2 id="original">Original document 原文</h2>
<dl class="meta">
<dt>Source URL</dt><dd>${source ? html`<a href="${source}" rel="noopener noreferrer" target="_blank">${doc.final_url ?? doc.url}</a>` : html`<span class="muted">none recorded (ingested from a file)</span>`}</dd>
${doc.source_path ? html`<dt>File</dt><dd><code>${doc.source_path}</code></dd>` : ''}
<dt>Kind</dt><dd>${doc.kind ?? '—'}${doc.charset ? `, ${doc.charset}` : ''}${doc.content_type ? `, served as ${doc.content_type}` : ''}, ${doc.size} bytes${doc.fetched_at ? `, fetched ${doc.fetched_at}` : ''}</dd>
<dt>SHA-256</dt><dd><code>${doc.sha256}</code></dd>
</dl>
${
  FRAMEABLE_KINDS.has(doc.kind ?? '')
    ? html`<p class="small muted">The stored copy, shown in a sandbox: its scripts do not run and it loads nothing from the web. <a href="/snapshot/${doc.id}">Open it alone</a>.</p>
<iframe class="snapshot" src="/snapshot/${doc.id}" sandbox="" referrerpolicy="no-referrer" loading="lazy" title="Stored snapshot of the original document"></iframe>`
    : html`<p><a href="/snapshot/${doc.id}" download>Download the stored ${doc.kind ?? ''} file</a> (a browser cannot show it in a frame).</p>`
}`;
  return page({ title: `${r.agency ?? ''} ${r.year ?? ''} ${r.title ?? ''}`.trim(), nav: 'none', body });
}

function findingItem(f: FindingRow) {
  let paths: string[] = [];
  try {
    const p = JSON.parse(f.cells ?? '[]') as unknown;
    if (Array.isArray(p)) paths = p.filter((x): x is string => typeof x === 'string');
  } catch {
    paths = [];
  }
  return html`<li id="finding-${f.id}">${severityPill(f.severity)} <strong>${f.rule}</strong> <span class="muted small">(${f.source === 'check' ? 'nianbao check' : 'parser'})</span> ${f.message}
${f.left_value !== null || f.right_value !== null ? html`<span class="small"> — ${fmt(f.left_value)} vs ${fmt(f.right_value)}${f.delta !== null ? html`, difference <strong>${fmt(f.delta)}</strong>` : ''}</span>` : ''}
${paths.length > 0 ? html`<div class="small">cells: ${paths.map((p) => html`<a href="#c-${p.replace(/[^\w-]/g, '-')}"><code>${p}</code></a> `)}</div>` : ''}
${f.other_report_id !== null ? html`<div class="small">compared with <a href="/report/${f.other_report_id}">report #${f.other_report_id}</a></div>` : ''}</li>`;
}
