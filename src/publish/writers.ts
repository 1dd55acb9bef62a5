/**
 * The three row writers of a package, each streaming one table's rows from a statement to a file
 * (memory flat in row count): CSV (UTF-8 with BOM, RFC 4180, learning the column types on the
 * way), Parquet (hyparquet-writer, one row group per batch) and one XLSX sheet (exceljs's
 * streaming workbook writer; Chinese headers, frozen header row).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import type { stream as ExcelStream } from 'exceljs';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { RowWriter } from '../store/format.js';
import { OutputSink } from '../store/output.js';
import { ColumnTypeTracker, type FieldType } from './types.js';

/** Called after each batch of rows with the number of rows written since the last call. */
export type RowsWritten = (rows: number) => void;

const BATCH = 10_000;

/** SHA-256 (hex) of a file, read as a stream. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a CSV field as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Text a spreadsheet reads as a number or a placeholder, not a formula: `-3`, `+1.5`, `-1,234`, `12%`, `-`, `--`. */
const NOT_A_FORMULA = /^(?:[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)%?|[+-]+)$/;

/**
 * A CSV field that cannot run as a spreadsheet formula: text starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return (OWASP's CSV-injection list; scraped text is untrusted) gets a
 * leading `'`, unless the whole text is a plain number or a run of dashes. Numbers and other
 * text pass unchanged. Only the CSV files need it: the XLSX sheets hold text as text cells
 * (never formulas), Parquet and SQLite are not opened by a spreadsheet.
 */
export function csvSafe(v: unknown): unknown {
  if (typeof v !== 'string' || !FORMULA_START.test(v) || NOT_A_FORMULA.test(v)) return v;
  return `'${v}`;
}

/**
 * Writes the statement's rows as CSV with a BOM; returns the row count and the columns' types
 * (`declaredTypes`: the SQLite types of computed columns, which the statement does not know).
 */
export async function writeCsv(
  stmt: Statement<unknown[]>,
  file: string,
  onRows: RowsWritten,
  declaredTypes: Readonly<Record<string, string>> = {},
): Promise<{ rows: number; types: ColumnTypeTracker[]; columns: string[] }> {
  const cols = stmt.columns();
  const types = cols.map((c) => new ColumnTypeTracker(declaredTypes[c.name] ?? c.type));
  const sink = new OutputSink(file);
  try {
    const writer = new RowWriter(
      'csv',
      cols.map((c) => c.name),
      sink.write,
      { bom: true },
    );
    let pending = 0;
    for (const row of stmt.raw(true).iterate() as Iterable<unknown[]>) {
      for (let i = 0; i < row.length; i++) types[i]!.see(row[i]);
      writer.row(row.map(csvSafe));
      if (++pending === BATCH) {
        onRows(pending);
        pending = 0;
        await sink.maybeFlush();
      }
    }
    onRows(pending);
    const rows = writer.end();
    await sink.close();
    return { rows, types, columns: cols.map((c) => c.name) };
  } catch (err) {
    await sink.close().catch(() => {});
    throw err;
  }
}

/** A Parquet column's type as written: physical types, and DATE (INT32 days since 1970-01-01). */
export type ParquetColumnType = 'INT32' | 'INT64' | 'DOUBLE' | 'STRING' | 'DATE';

/**
 * The Parquet column type of a Table Schema field. Dates are Parquet DATEs, so pandas, R's arrow
 * and DuckDB read them as dates, not text.
 */
export function parquetType(type: FieldType, fitsInt32: boolean): ParquetColumnType {
  if (type === 'integer') return fitsInt32 ? 'INT32' : 'INT64';
  if (type === 'number') return 'DOUBLE';
  if (type === 'date') return 'DATE';
  return 'STRING';
}

const DAY_MS = 86_400_000;

function parquetValue(v: unknown, type: ParquetColumnType): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'INT64') return BigInt(v as number | bigint);
  if (type === 'INT32' || type === 'DOUBLE') return Number(v);
  if (type === 'DATE') {
    // The column holds only YYYY-MM-DD (types.ts): days since the epoch, UTC.
    const [y, m, d] = String(v).split('-').map(Number) as [number, number, number];
    return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
  }
  return String(v);
}

/** The schema element of a column. */
function parquetElement(c: { name: string; type: ParquetColumnType }) {
  const repetition_type = 'OPTIONAL' as const;
  if (c.type === 'STRING') return { name: c.name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type };
  if (c.type === 'DATE') return { name: c.name, type: 'INT32' as const, converted_type: 'DATE' as const, repetition_type };
  return { name: c.name, type: c.type, repetition_type };
}

/** Writes the statement's rows as Parquet, one row group per batch of rows. */
export async function writeParquet(
  stmt: Statement<unknown[]>,
  file: string,
  columns: { name: string; type: ParquetColumnType }[],
  meta: Record<string, string>,
  onRows: RowsWritten,
): Promise<void> {
  const schema = [{ name: 'root', num_children: columns.length }, ...columns.map(parquetElement)];
  const writer = new ParquetWriter({
    writer: fileWriter(file),
    schema,
    kvMetadata: Object.entries(meta).map(([key, value]) => ({ key, value })),
    createdBy: 'nianbao publish (hyparquet-writer)',
  });
  let batch: unknown[][] = columns.map(() => []);
  let n = 0;
  const flush = async (): Promise<void> => {
    if (n === 0) return;
    await writer.write({ columnData: columns.map((c, i) => ({ name: c.name, data: batch[i]! as never[] })), rowGroupSize: n });
    onRows(n);
    batch = columns.map(() => []);
    n = 0;
  };
  for (const row of stmt.raw(true).iterate() as Iterable<unknown[]>) {
    for (let i = 0; i < columns.length; i++) batch[i]!.push(parquetValue(row[i], columns[i]!.type));
    if (++n === BATCH * 5) await flush();
  }
  await flush();
  await writer.finish();
}

/**
 * Waits while the sheet's zip entry holds more than 4 MiB not yet compressed. exceljs's streaming
 * writer pushes committed rows into its zip without backpressure, so without this wait a table's
 * XML piles up in memory when rows come faster than deflate and the disk take them.
 */
async function sheetDrained(ws: ReturnType<ExcelStream.xlsx.WorkbookWriter['addWorksheet']>): Promise<void> {
  const entry = (ws as unknown as { stream?: { pipes?: { _writableState?: { length?: number }; once?: (e: string, f: () => void) => void }[] } }).stream;
  for (const dest of entry?.pipes ?? []) {
    if ((dest._writableState?.length ?? 0) > 4 << 20 && dest.once) await new Promise<void>((resolve) => dest.once!('drain', resolve));
  }
  await new Promise((resolve) => setImmediate(resolve));
}

/** Excel's row limit, header included. */
export const XLSX_MAX_ROWS = 1_048_576;

/** Excel's limit on the characters (UTF-16 code units) of one cell; a longer text makes Excel repair the file. */
export const XLSX_MAX_CELL_CHARS = 32_767;

/** A text value as a sheet holds it: cut to Excel's cell limit, ending with `…` (never inside a surrogate pair). */
export function sheetText(text: string): string {
  if (text.length <= XLSX_MAX_CELL_CHARS) return text;
  let end = XLSX_MAX_CELL_CHARS - 1;
  if (/[\ud800-\udbff]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * Writes the statement's rows as one sheet of a streaming workbook: a header row of Chinese
 * labels (frozen), then the rows. Text is written as text cells (exceljs makes a formula only of a
 * `{ formula }` value), so scraped text starting with `=` stays text; exceljs drops the control
 * characters XML cannot hold. Returns the rows written (at most Excel's limit) and whether rows
 * were left out.
 */
export async function writeSheet(
  workbook: ExcelStream.xlsx.WorkbookWriter,
  stmt: Statement<unknown[]>,
  sheet: { name: string; headers: string[]; types: FieldType[] },
  onRows: RowsWritten,
): Promise<{ rows: number; truncated: boolean }> {
  const ws = workbook.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = sheet.headers.map((header, i) => ({ header, width: Math.min(40, Math.max(8, header.length * 2 + 2)), key: String(i) }));
  ws.getRow(1).commit();
  let rows = 0;
  let pending = 0;
  let truncated = false;
  for (const row of stmt.raw(true).iterate() as Iterable<unknown[]>) {
    if (rows + 1 >= XLSX_MAX_ROWS) {
      truncated = true;
      break;
    }
    ws.addRow(
      row.map((v, i) =>
        v === null || v === undefined ? null : sheet.types[i] === 'integer' || sheet.types[i] === 'number' ? Number(v) : sheetText(String(v)),
      ),
    ).commit();
    rows++;
    if (++pending === BATCH / 5) {
      onRows(pending);
      pending = 0;
      await sheetDrained(ws);
    }
  }
  onRows(pending);
  await ws.commit();
  return { rows, truncated };
}
