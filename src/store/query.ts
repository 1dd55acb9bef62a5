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

const VIEW_SQL: Record<ExportView, { from: string; alias: string; order: string }> = {
  requests: { from: 'requests v', alias: 'v', order: 'v.report_id, v.row_order, v.row_key' },
  appeals: {
    from: "appeals v LEFT JOIN labels l ON l.table_name = 'appeals' AND l.dimension = 'row' AND l.key = v.group_key",
    alias: 'v',
    order: 'v.report_id, l.ord, v.group_key',
  },
  active: { from: 'active v', alias: 'v', order: 'v.report_id, v.row_order, v.row_key' },
  report_summary: { from: 'report_summary v', alias: 'v', order: 'v.agency, v.year, v.report_id' },
  cells: {
    from: `cells c JOIN reports r ON r.id = c.report_id LEFT JOIN agencies a ON a.id = r.agency_id`,
    alias: 'r',
    order: 'c.report_id, c.ord',
  },
};

const CELLS_COLUMNS =
  'c.report_id, r.agency_id, a.name AS agency, r.year, r.format, c.table_name, c.row_key, c.col_key, c.value, c.raw, c.unit, c.flags, c.table_index, c.grid_row, c.grid_col, r.is_primary';

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
  const select = o.view === 'cells' ? CELLS_COLUMNS : 'v.*';
  const where = [f.sql, o.primaryOnly ? `${v.alias}.is_primary = 1` : '1'].join(' AND ');
  let stmt: Statement<unknown[]>;
  try {
    stmt = db.prepare(`SELECT ${select} FROM ${v.from} WHERE ${where} ORDER BY ${v.order}`);
  } catch (err) {
    wrapSqlError(err);
  }
  return streamRows(stmt, f.params, o.format, sink, { bom: o.bom });
}
