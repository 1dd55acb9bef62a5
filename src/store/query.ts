/**
 * `nianbao query` and `nianbao export`: read-only SQL and view exports, streamed through a
 * {@link RowWriter}. Export filters are bound parameters; view names come from a fixed list.
 */
import type { Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { type ReportFilter, reportFilterSql } from './filters.js';
import { type OutputFormat, RowWriter } from './format.js';
import { OutputSink } from './output.js';

function isReadonlyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_READONLY');
}

function wrapSqlError(err: unknown): never {
  if (err instanceof StoreError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (isReadonlyError(err)) {
    throw new StoreError('NB_DB_READONLY', `the database is opened read-only, so this statement cannot change it (${message})`, { cause: err });
  }
  throw new StoreError('NB_DB_QUERY', message, { cause: err });
}

/** Streams the rows of `statement` into `sink` in `format`; returns the row count. */
async function streamRows(
  stmt: Statement<unknown[]>,
  params: unknown[] | Record<string, unknown>,
  format: OutputFormat,
  sink: OutputSink,
  options: { bom?: boolean },
): Promise<number> {
  const columns = stmt.columns().map((c) => c.name);
  const writer = new RowWriter(format, columns, sink.write, options);
  stmt.raw(true);
  const iter = Array.isArray(params) ? stmt.iterate(...(params as unknown[])) : stmt.iterate(params);
  for (const row of iter as Iterable<unknown[]>) {
    writer.row(row);
    await sink.maybeFlush();
  }
  const n = writer.end();
  await sink.flush();
  return n;
}

/**
 * Runs one SQL statement on a (read-only) connection and writes its rows. A statement that
 * would change the database fails with `StoreError` NB_DB_READONLY.
 */
export async function runQuery(
  db: Db,
  sql: string,
  options: { format?: OutputFormat; sink?: OutputSink; params?: unknown[]; bom?: boolean } = {},
): Promise<{ rows: number; columns: string[] }> {
  const sink = options.sink ?? new OutputSink();
  let stmt: Statement<unknown[]>;
  try {
    stmt = db.prepare(sql);
  } catch (err) {
    wrapSqlError(err);
  }
  // Statements SQLite itself knows would write and that return nothing (VACUUM INTO, CREATE
  // TEMP …) are refused before they run, so not even a file outside the database is created.
  // Everything else runs on the read-only connection, which refuses any write.
  if (!stmt.reader && !stmt.readonly) {
    throw new StoreError('NB_DB_READONLY', 'the database is opened read-only, so this statement cannot run (it would write)');
  }
  try {
    if (!stmt.reader) {
      stmt.run(...(options.params ?? []));
      return { rows: 0, columns: [] };
    }
    const columns = stmt.columns().map((c) => c.name);
    const bom = options.bom === true;
    const rows = await streamRows(stmt, options.params ?? [], options.format ?? 'table', sink, { bom });
    return { rows, columns };
  } catch (err) {
    if (!stmt.readonly && !(err instanceof StoreError)) {
      const message = err instanceof Error ? err.message : String(err);
      throw new StoreError('NB_DB_READONLY', `the database is opened read-only, so this statement cannot change it (${message})`, { cause: err });
    }
    wrapSqlError(err);
  }
}

/** Views that `export` knows (fixed SQL per view; user input never becomes an identifier). */
export const EXPORT_VIEWS = ['requests', 'appeals', 'active', 'report_summary', 'cells'] as const;
export type ExportView = (typeof EXPORT_VIEWS)[number];

/**
 * Per view: FROM clause, alias filtered on, ORDER BY, and the official Chinese label columns put
 * right after the key they name (from the `labels` table, i.e. parsers/keys.ts), so a spreadsheet
 * reads like the report. `after` is the key column; `expr` the label, joined in `from`.
 */
const VIEW_SQL: Record<ExportView, { from: string; alias: string; order: string; labels: { after: string; name: string; expr: string }[] }> = {
  requests: {
    from: "requests v LEFT JOIN labels lr ON lr.table_name = 'requests' AND lr.dimension = 'row' AND lr.key = v.row_key",
    alias: 'v',
    order: 'v.report_id, v.row_order, v.row_key',
    labels: [{ after: 'row_key', name: 'label_zh', expr: 'lr.label' }],
  },
  appeals: {
    from: "appeals v LEFT JOIN labels l ON l.table_name = 'appeals' AND l.dimension = 'row' AND l.key = v.group_key",
    alias: 'v',
    order: 'v.report_id, l.ord, v.group_key',
    labels: [{ after: 'group_key', name: 'label_zh', expr: 'l.label' }],
  },
  active: {
    from: "active v LEFT JOIN labels lr ON lr.table_name = 'active' AND lr.dimension = 'row' AND lr.key = v.row_key",
    alias: 'v',
    order: 'v.report_id, v.row_order, v.row_key',
    labels: [{ after: 'row_key', name: 'label_zh', expr: 'lr.label' }],
  },
  report_summary: { from: 'report_summary v', alias: 'v', order: 'v.agency, v.year, v.report_id', labels: [] },
  cells: {
    from: `cells c JOIN reports r ON r.id = c.report_id LEFT JOIN agencies a ON a.id = r.agency_id
      LEFT JOIN labels lr ON lr.table_name = c.table_name AND lr.dimension = 'row' AND lr.key = c.row_key
      LEFT JOIN labels lc ON lc.table_name = c.table_name AND lc.dimension = 'col' AND lc.key = c.col_key`,
    alias: 'r',
    order: 'c.report_id, c.ord',
    labels: [
      { after: 'row_key', name: 'row_label_zh', expr: 'lr.label' },
      { after: 'col_key', name: 'col_label_zh', expr: 'lc.label' },
    ],
  },
};

const CELLS_COLUMNS: [string, string][] = [
  ['report_id', 'c.report_id'],
  ['agency_id', 'r.agency_id'],
  ['agency', 'a.name'],
  ['year', 'r.year'],
  ['format', 'r.format'],
  ['table_name', 'c.table_name'],
  ['row_key', 'c.row_key'],
  ['col_key', 'c.col_key'],
  ['value', 'c.value'],
  ['raw', 'c.raw'],
  ['unit', 'c.unit'],
  ['flags', 'c.flags'],
  ['table_index', 'c.table_index'],
  ['grid_row', 'c.grid_row'],
  ['grid_col', 'c.grid_col'],
  ['is_primary', 'r.is_primary'],
];

/** The SELECT list of a view's export: its columns (names from the database), each label column after its key. */
function exportColumns(db: Db, view: ExportView): string {
  const v = VIEW_SQL[view];
  const base: [string, string][] =
    view === 'cells'
      ? CELLS_COLUMNS
      : db
          .prepare(`SELECT * FROM ${view} LIMIT 0`)
          .columns()
          .map((c) => [c.name, `v."${c.name.replace(/"/g, '""')}"`]);
  const out: string[] = [];
  for (const [name, expr] of base) {
    out.push(expr.endsWith(`.${name}`) || expr.endsWith(`."${name}"`) ? expr : `${expr} AS ${name}`);
    for (const l of v.labels) if (l.after === name) out.push(`${l.expr} AS ${l.name}`);
  }
  return out.join(', ');
}

export const ExportOptionsSchema = z.object({
  view: z.enum(EXPORT_VIEWS),
  /** @default 'csv' */
  format: z.enum(['csv', 'json', 'jsonl']).default('csv'),
  agency: z.string().min(1).optional(),
  year: z.number().int().min(1990).max(2200).optional(),
  /** Only the primary report of each (agency, year). @default false */
  primaryOnly: z.boolean().default(false),
  /** Start CSV with a UTF-8 byte order mark (for Excel). @default false */
  bom: z.boolean().default(false),
});
export type ExportOptions = z.input<typeof ExportOptionsSchema>;

/** Writes a view (filtered by bound parameters) to `sink`; returns the row count. */
export async function exportView(db: Db, options: ExportOptions, sink: OutputSink = new OutputSink()): Promise<number> {
  const parsed = ExportOptionsSchema.safeParse(options);
  if (!parsed.success) throw new StoreError('NB_DB_BAD_OPTION', `export: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  const v = VIEW_SQL[o.view];
  const filter: ReportFilter = { agency: o.agency, year: o.year };
  const f = reportFilterSql(db, filter, v.alias);
  const where = [f.sql, o.primaryOnly ? `${v.alias}.is_primary = 1` : '1'].join(' AND ');
  let stmt: Statement<unknown[]>;
  try {
    const select = exportColumns(db, o.view);
    stmt = db.prepare(`SELECT ${select} FROM ${v.from} WHERE ${where} ORDER BY ${v.order}`);
  } catch (err) {
    wrapSqlError(err);
  }
  return streamRows(stmt, f.params, o.format, sink, { bom: o.bom });
}
