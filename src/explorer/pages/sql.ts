/**
 * SQL page: one read-only statement at a time, with the examples of docs/queries.md ready to
 * run. Each statement runs in its own process on a read-only connection, with a time limit and
 * a row cap (see sql-runner.ts); results show as a table and download as CSV or JSON.
 */
import type { ExplorerContext } from '../context.js';
import { ExplorerError } from '../errors.js';
import { html, pathWith } from '../html.js';
import { downloadFormat, fmt, page, rowsDownload } from '../layout.js';
import type { SqlResult } from '../sql-runner.js';

const STATUS: Record<string, number> = {
  NB_SQL_EMPTY: 400,
  NB_SQL_ERROR: 400,
  NB_SQL_READONLY: 403,
  NB_SQL_TIMEOUT: 504,
  NB_SQL_CRASHED: 500,
  NB_SQL_CANCELLED: 499, // nobody reads it: the client closed the connection
};

/** `signal`: the request's, aborted when the client goes away (the query is then stopped). */
export async function sqlPage(ctx: ExplorerContext, q: Record<string, string>, signal?: AbortSignal): Promise<Response | { html: string; status: number }> {
  const exampleN = q['example'] ? Number(q['example']) : NaN;
  const example = ctx.examples.find((e) => e.n === exampleN);
  const sql = (q['q'] ?? example?.sql ?? '').slice(0, 100_000);
  const dl = downloadFormat(q['dl']);
  let result: SqlResult | null = null;
  let error: ExplorerError | null = null;
  if (sql.trim()) {
    try {
      result = await ctx.runner.run(sql, {
        timeoutMs: ctx.options.queryTimeoutMs,
        maxRows: dl ? ctx.options.maxDownloadRows : ctx.options.maxRows,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (!(err instanceof ExplorerError)) throw err;
      error = err;
    }
  } else {
    ctx.runner.warm();
  }
  if (dl && result) return rowsDownload(result.columns, result.rows, dl, 'nianbao-query', q['bom'] === '1');
  if (dl && error) {
    return new Response(`${error.code}: ${error.message}\n`, { status: STATUS[error.code] ?? 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }

  const body = html`<h1>SQL</h1>
<p class="small muted">One read-only statement (SELECT, WITH …) on <code>${ctx.options.dbFile}</code>. Each query may run ${ctx.options.queryTimeoutMs / 1000} s and shows at most ${ctx.options.maxRows} rows (downloads up to ${ctx.options.maxDownloadRows}). The schema: tables <code>reports</code>, <code>cells</code>, <code>findings</code>, <code>agencies</code>, <code>documents</code>, <code>runs</code>; views <code>report_summary</code>, <code>requests</code>, <code>appeals</code>, <code>active</code>; searchable text <code>report_text</code> (<code>text LIKE '%…%'</code>).</p>
<form method="get" action="/sql" id="sql-form">
<textarea class="sql" name="q" spellcheck="false" aria-label="SQL">${sql}</textarea>
<p><button type="submit">Run ▶</button></p>
</form>
${error ? html`<div class="error-box" id="sql-error"><strong>${error.code}</strong>: ${error.message}</div>` : ''}
${
  result
    ? html`<p class="small" id="sql-summary">${result.rows.length} row(s)${result.truncated ? html` — <strong>stopped at the row limit</strong>` : ''} in ${result.elapsedMs.toFixed(1)} ms.
<span class="downloads">Download: <a href="${pathWith('/sql', { q: sql, dl: 'csv' })}" download>CSV</a> <a href="${pathWith('/sql', { q: sql, dl: 'csv', bom: 1 })}" download>CSV with BOM (Excel)</a> <a href="${pathWith('/sql', { q: sql, dl: 'json' })}" download>JSON</a></span></p>
<div class="scroll"><table class="data" id="sql-result"><thead><tr>${result.columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${result.rows.map(
        (row) =>
          html`<tr>${row.map((v) => html`<td class="${typeof v === 'number' ? 'num' : ''}">${v === null ? html`<span class="muted">NULL</span>` : fmt(v)}</td>`)}</tr>`,
      )}</tbody></table></div>`
    : ''
}
<h2>Examples (docs/queries.md)</h2>
${
  ctx.examples.length === 0
    ? html`<p class="muted">docs/queries.md was not found next to this installation.</p>`
    : ctx.examples.map(
        (e) =>
          html`<details class="example"${example?.n === e.n ? html` open` : ''}><summary><strong>${e.n}. ${e.title}</strong> — <a href="${pathWith('/sql', { example: e.n })}" id="example-${e.n}">run</a></summary><p class="small">${e.description}</p><pre>${e.sql}</pre></details>`,
      )
}`;
  return { html: page({ title: 'SQL', nav: 'sql', body }), status: error ? (STATUS[error.code] ?? 400) : 200 };
}
