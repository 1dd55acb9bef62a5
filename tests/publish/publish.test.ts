/**
 * `nianbao publish` on a database built from the corpus (snapshots/corpus ingested with the real
 * parser): datapackage.json validates against the Data Package and Table Schema specs (checked
 * here: required properties, names, field types, keys present and resolving, sizes and hashes),
 * every CSV parses back to the database's rows, the Parquet files (read with hyparquet) and the
 * XLSX workbook (read with exceljs) hold the same rows and types, and sqlite-utils finds a
 * two-character term and a phrase in the published SQLite file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chineseLabel } from '../../src/publish/fields.js';
import { publishedTables } from '../../src/publish/tables.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { parseCsv } from '../helpers/csv.js';
import { CORPUS, runCli, tempDir } from '../store/helpers.js';

interface Field {
  name: string;
  type: string;
  title?: string;
  description?: string;
}
interface Resource {
  name: string;
  path: string;
  format?: string;
  bytes: number;
  hash: string;
  profile?: string;
  encoding?: string;
  schema?: { fields: Field[]; primaryKey?: string[]; foreignKeys?: { fields: string[]; reference: { resource: string; fields: string[] } }[] };
  'nianbao:rows'?: number;
}
interface Descriptor {
  name: string;
  profile: string;
  licenses: { name?: string; path?: string }[];
  sources: { title: string }[];
  resources: Resource[];
  'nianbao:parser_version': string;
}

const TABLE_SCHEMA_TYPES = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'date',
  'time',
  'datetime',
  'year',
  'yearmonth',
  'duration',
  'geopoint',
  'geojson',
  'any',
]);
const NAME = /^[a-z0-9._-]+$/;

const tmp = tempDir('nianbao-publish-');
const dbFile = join(tmp.dir, 'src.db');
const out = join(tmp.dir, 'pkg');
let pkg: Descriptor;

/** The rows of a published table read from the source database, as raw values. */
function sourceRows(table: string): { columns: string[]; rows: unknown[][] } {
  const db = openDatabase(dbFile, { readonly: true });
  try {
    const t = publishedTables(db, { filtered: false, otherReportsKept: true }).find((x) => x.name === table)!;
    const stmt = db.prepare(t.sql).raw(true);
    return { columns: stmt.columns().map((c) => c.name), rows: stmt.all() as unknown[][] };
  } finally {
    db.close();
  }
}

/** A CSV field read by its Table Schema type (the empty string is the missing value). */
function castCsv(text: string, type: string): unknown {
  if (text === '') return null;
  if (type === 'integer') {
    expect(text).toMatch(/^-?\d+$/);
    return Number(text);
  }
  if (type === 'number') {
    expect(Number.isNaN(Number(text))).toBe(false);
    return Number(text);
  }
  if (type === 'date') expect(text).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  return text;
}

const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v === undefined ? null : v);

beforeAll(async () => {
  const db = openDatabase(dbFile);
  try {
    await ingestPaths(db, [CORPUS], { parseWorkers: 0, snapshotsDir: `${dbFile}.snapshots` });
    // A province for the filter test (the corpus agencies come without registry data).
    db.prepare("UPDATE agencies SET province = '福建省' WHERE name LIKE '平潭%'").run();
  } finally {
    db.close();
  }
  const r = runCli(['publish', out, '--db', dbFile]);
  expect(r.stderr).toContain('nianbao publish:');
  expect(r.code).toBe(0);
  pkg = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8')) as Descriptor;
}, 120_000);

afterAll(() => tmp.cleanup());

describe('datapackage.json', () => {
  it('has the Data Package required properties, licence, sources and parser version', () => {
    expect(pkg.name).toMatch(NAME);
    expect(pkg.profile).toBe('tabular-data-package');
    expect(pkg.licenses.length).toBeGreaterThan(0);
    for (const l of pkg.licenses) expect(l.name ?? l.path).toBeTruthy();
    expect(pkg.sources.length).toBeGreaterThan(0);
    expect(pkg['nianbao:parser_version']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Array.isArray(pkg.resources) && pkg.resources.length > 0).toBe(true);
    const names = pkg.resources.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['report_summary', 'requests', 'appeals', 'active', 'findings', 'agencies', 'cells']) {
      expect(names).toContain(name);
      expect(names).toContain(`${name}-parquet`);
    }
    expect(names).toEqual(expect.arrayContaining(['workbook', 'database', 'datasette-metadata', 'readme']));
  });

  it('names files that exist, with their size and SHA-256', () => {
    for (const r of pkg.resources) {
      expect(r.name).toMatch(NAME);
      expect(r.path.includes('..') || r.path.startsWith('/')).toBe(false);
      const file = join(out, r.path);
      expect(existsSync(file), r.path).toBe(true);
      expect(r.bytes).toBe(statSync(file).size);
      expect(r.hash).toBe(`sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`);
    }
  });

  it('has a valid Table Schema per tabular resource, with keys that exist and resolve', () => {
    const byName = new Map(pkg.resources.map((r) => [r.name, r]));
    const csvValues = (resource: string, fields: string[]): string[] => {
      const r = byName.get(resource)!;
      const [header, ...rows] = parseCsv(readFileSync(join(out, r.path), 'utf8').replace(/^\uFEFF/, ''));
      const idx = fields.map((f) => header!.indexOf(f));
      return rows.map((row) => JSON.stringify(idx.map((i) => row[i])));
    };
    for (const r of pkg.resources.filter((x) => x.schema)) {
      const fields = r.schema!.fields;
      expect(fields.length).toBeGreaterThan(0);
      const fieldNames = fields.map((f) => f.name);
      expect(new Set(fieldNames).size).toBe(fieldNames.length);
      for (const f of fields) {
        expect(typeof f.name).toBe('string');
        expect(TABLE_SCHEMA_TYPES.has(f.type), `${r.name}.${f.name}: ${f.type}`).toBe(true);
        expect(f.title, `${r.name}.${f.name} has a Chinese label`).toBeTruthy();
        expect(f.description, `${r.name}.${f.name} has a description`).toBeTruthy();
      }
      if (r.format !== 'csv') continue;
      const pk = r.schema!.primaryKey;
      if (pk) {
        for (const k of pk) expect(fieldNames).toContain(k);
        const keys = csvValues(r.name, pk);
        expect(new Set(keys).size, `${r.name} primary key unique`).toBe(keys.length);
      }
      for (const fk of r.schema!.foreignKeys ?? []) {
        for (const k of fk.fields) expect(fieldNames).toContain(k);
        const target = fk.reference.resource === '' ? r : byName.get(fk.reference.resource);
        expect(target, `${r.name} → ${fk.reference.resource}`).toBeDefined();
        for (const k of fk.reference.fields) expect(target!.schema!.fields.map((f) => f.name)).toContain(k);
        const have = new Set(csvValues(target!.name, fk.reference.fields));
        for (const v of csvValues(r.name, fk.fields)) {
          if ((JSON.parse(v) as string[]).every((x) => x === '')) continue;
          expect(have.has(v), `${r.name}.${fk.fields.join(',')} = ${v} resolves in ${target!.name}`).toBe(true);
        }
      }
    }
    // The summary's totals carry their unit; requests' columns their official labels.
    const summary = byName.get('report_summary')!.schema!.fields;
    expect(summary.find((f) => f.name === 'new_received')).toMatchObject({ type: 'integer', unit: '件', title: '一、本年新收政府信息公开申请数量' });
    expect(byName.get('requests')!.schema!.fields.find((f) => f.name === 'natural_person')?.title).toBe('自然人');
    expect(byName.get('cells')!.schema!.fields.find((f) => f.name === 'value')?.type).toBe('number');
  });
});

describe('the data files', () => {
  const TABLES = ['report_summary', 'requests', 'appeals', 'active', 'findings', 'agencies', 'cells'];

  it('CSV: a BOM, then the header and every row of the database, typed as the schema says', () => {
    for (const name of TABLES) {
      const r = pkg.resources.find((x) => x.name === name)!;
      const text = readFileSync(join(out, r.path), 'utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const [header, ...rows] = parseCsv(text.slice(1));
      const src = sourceRows(name);
      expect(header).toEqual(src.columns);
      expect(header).toEqual(r.schema!.fields.map((f) => f.name));
      expect(rows.length).toBe(src.rows.length);
      expect(r['nianbao:rows']).toBe(src.rows.length);
      const types = r.schema!.fields.map((f) => f.type);
      const typed = rows.map((row) => row.map((v, i) => castCsv(v, types[i]!)));
      expect(typed, name).toEqual(src.rows.map((row) => row.map(plain)));
    }
    expect(sourceRows('cells').rows.length).toBeGreaterThan(1000);
  });

  it('Parquet: the same rows and types', async () => {
    for (const name of TABLES) {
      const r = pkg.resources.find((x) => x.name === `${name}-parquet`)!;
      const file = await asyncBufferFromFile(join(out, r.path));
      const meta = await parquetMetadataAsync(file);
      const fields = r.schema!.fields;
      const physical = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s.type]));
      for (const f of fields) {
        const expected = f.type === 'integer' || f.type === 'date' ? ['INT32', 'INT64'] : f.type === 'number' ? ['DOUBLE'] : ['BYTE_ARRAY'];
        expect(expected, `${name}.${f.name}`).toContain(physical[f.name]);
      }
      // Date fields are Parquet DATEs: read back as dates, the same day as the database's text.
      const converted = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s.converted_type]));
      const dateFields = fields.filter((f) => f.type === 'date').map((f) => f.name);
      for (const f of dateFields) expect(converted[f], `${name}.${f}`).toBe('DATE');
      if (name === 'report_summary') expect(dateFields).toContain('published');
      const rows = await parquetReadObjects({ file });
      const src = sourceRows(name);
      const day = (v: unknown): unknown => (v instanceof Date ? v.toISOString().slice(0, 10) : plain(v));
      expect(rows.map((row) => src.columns.map((c) => day(row[c])))).toEqual(src.rows.map((row) => row.map(plain)));
    }
  });

  it('XLSX: a sheet per table, Chinese headers, frozen header row, the same rows and types', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'nianbao.xlsx'));
    for (const name of TABLES) {
      const ws = wb.getWorksheet(name);
      expect(ws, name).toBeDefined();
      expect(ws!.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      const src = sourceRows(name);
      const header = (ws!.getRow(1).values as unknown[]).slice(1);
      expect(header).toEqual(src.columns.map((c) => chineseLabel(name, c)));
      expect(ws!.rowCount - 1).toBe(src.rows.length);
      const got: unknown[][] = [];
      ws!.eachRow((row, n) => {
        if (n === 1) return;
        const values = row.values as unknown[];
        got.push(src.columns.map((_, i) => plain(values[i + 1] ?? null)));
      });
      expect(got, name).toEqual(src.rows.map((row) => row.map(plain)));
    }
  });
});

describe('the SQLite file', () => {
  const published = () => join(out, 'nianbao.db');
  const hasSqliteUtils = spawnSync('sqlite-utils', ['--version']).status === 0;
  if (!hasSqliteUtils) console.warn('SKIPPED: sqlite-utils is not installed here (apt-get install -y sqlite-utils); .ci/run installs it');

  it.skipIf(!hasSqliteUtils)('sqlite-utils finds a two-character term and a phrase, and not what is absent', () => {
    const search = (q: string): { id: number; title: string; text: string }[] =>
      JSON.parse(execFileSync('sqlite-utils', ['search', published(), 'reports', q, '-c', 'id', '-c', 'title', '-c', 'text'], { encoding: 'utf8' })) as {
        id: number;
        title: string;
        text: string;
      }[];
    const two = search('信息');
    expect(two.length).toBeGreaterThan(0);
    for (const h of two) expect(`${h.title}${h.text}`).toContain('信息');
    const phrase = search('"政府 信息 公开"');
    expect(phrase.length).toBeGreaterThan(0);
    for (const h of phrase) expect(`${h.title}${h.text}`).toContain('政府信息公开');
    const withheld = search('"不予 公开"');
    expect(withheld.length).toBeGreaterThan(0);
    for (const h of withheld) expect(`${h.title}${h.text}`).toContain('不予公开');
    expect(search('zzqqxx')).toEqual([]);
  });

  it('keeps nianbao search working and has plain facet columns', () => {
    const r = runCli(['search', '--db', published(), '--json', '信息公开']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBeGreaterThan(0);
    const db = new Database(published(), { readonly: true });
    try {
      const facet = db.prepare("SELECT count(*) AS n FROM reports WHERE province = '福建省' AND agency LIKE '平潭%'").get() as { n: number };
      expect(facet.n).toBeGreaterThan(0);
      const fts = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'reports_search'").get() as { sql: string };
      expect(fts.sql).toContain('content="reports"');
      // The raw pages stay in the source database: the package holds the data.
      expect(db.prepare('SELECT count(*) FROM snapshot_blobs').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM documents').pluck().get()).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    const meta = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')) as {
      databases: Record<string, { tables: Record<string, { facets?: string[]; fts_table?: string }> }>;
    };
    expect(Object.keys(meta.databases)).toEqual(['nianbao']);
    expect(meta.databases['nianbao']!.tables['reports']).toMatchObject({ fts_table: 'reports_search', facets: ['agency', 'province', 'year', 'format'] });
  });

  it('filters by province and year; the metadata is keyed by the file name given', () => {
    const dir = join(tmp.dir, 'fj');
    const r = runCli(['publish', dir, '--db', dbFile, '--province', '福建省', '--year', '2021', '--name', 'fujian-2021']);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = parseCsv(readFileSync(join(dir, 'report_summary.csv'), 'utf8').slice(1));
    expect(rows.length).toBeGreaterThan(0);
    const year = header!.indexOf('year');
    const agency = header!.indexOf('agency');
    for (const row of rows) {
      expect(row[year]).toBe('2021');
      expect(row[agency]).toMatch(/^平潭/);
    }
    const db = new Database(join(dir, 'fujian-2021.db'), { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n).toBe(rows.length);
      expect((db.prepare('SELECT count(*) AS n FROM reports WHERE year <> 2021').get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { databases: Record<string, unknown> };
    expect(Object.keys(meta.databases)).toEqual(['fujian-2021']);
    const again = runCli(['publish', dir, '--db', dbFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('NB_PUBLISH_NOT_EMPTY');
  });
});
