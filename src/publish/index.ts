/**
 * `publish`: writes a Frictionless Tabular Data Package of a database to a folder — CSV (UTF-8
 * with BOM), Parquet and one XLSX workbook per table, the SQLite file ready for Datasette and
 * sqlite-utils with its Datasette metadata, `datapackage.json` and a README. Every table is read
 * from the published SQLite copy (a consistent snapshot) with statements iterated row by row, so
 * memory stays flat in the number of rows.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { SCHEMA_VERSION } from '../../db/migrations/index.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { PACKAGE_VERSION } from '../version.js';
import { datasetteMetadata, LICENSES, sourcesOf, tableDescription, tableSchema } from './datapackage.js';
import { chineseLabel } from './fields.js';
import { packageReadme } from './readme.js';
import { addSearch, applyFilter, backupDatabase, dropRawSnapshots, openCopy } from './sqlite-copy.js';
import { indexPending } from '../store/text-index.js';
import { publishedTables } from './tables.js';
import { parquetType, sha256File, writeCsv, writeParquet, writeSheet } from './writers.js';

export const PublishOptionsSchema = z.object({
  /** Folder to write the package to (created; must be empty or missing unless `force`). */
  outDir: z.string().min(1),
  /** Only reports of this agency (name, key or alias). */
  agency: z.string().min(1).optional(),
  /** Only reports of agencies in this province (agencies.province, e.g. 福建省). */
  province: z.string().min(1).optional(),
  /** Only reports on this year. */
  year: z.number().int().min(1990).max(2200).optional(),
  /** Stem of the SQLite file (`<name>.db`) and the Datasette database name. @default 'nianbao' */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, _ and - only')
    .default('nianbao'),
  /** Licence of the compilation, by SPDX-style name. @default 'ODC-BY-1.0' */
  license: z.enum(Object.keys(LICENSES) as [string, ...string[]]).default('ODC-BY-1.0'),
  /** Replace the contents of a non-empty `outDir`. @default false */
  force: z.boolean().default(false),
});
export type PublishOptions = z.input<typeof PublishOptionsSchema>;

/** One step of the work, for a progress display. */
export interface PublishProgress {
  /** `copy`: the SQLite backup (pages); `rows`: rows written (every table × CSV, Parquet, XLSX). */
  stage: 'copy' | 'rows';
  done: number;
  total: number;
  table?: string;
}

export interface PublishedFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface PublishResult {
  outDir: string;
  tables: { name: string; rows: number }[];
  files: PublishedFile[];
  dbFile: string;
}

const MEDIA: Record<string, { format: string; mediatype: string }> = {
  csv: { format: 'csv', mediatype: 'text/csv' },
  parquet: { format: 'parquet', mediatype: 'application/vnd.apache.parquet' },
  xlsx: { format: 'xlsx', mediatype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  db: { format: 'sqlite', mediatype: 'application/vnd.sqlite3' },
};

function prepareOutDir(dir: string, force: boolean): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new StoreError('NB_DB_BAD_OPTION', `publish: ${dir} is a file; give a folder to write the package to`);
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      if (!force) throw new StoreError('NB_PUBLISH_NOT_EMPTY', `publish: ${dir} is not empty; choose an empty folder or pass --force to replace its contents`);
      for (const e of entries) rmSync(join(dir, e), { recursive: true, force: true });
    }
  }
  mkdirSync(dir, { recursive: true });
}

async function fileEntry(dir: string, name: string): Promise<PublishedFile> {
  const full = join(dir, name);
  return { path: name, bytes: statSync(full).size, sha256: await sha256File(full) };
}

/**
 * Publishes `db` (opened read-only is enough) as a data package in `options.outDir`.
 * @example
 *   const db = openDatabase('nianbao.db', { readonly: true });
 *   const result = await publish(db, { outDir: 'out', province: '福建省' });
 *   console.log(result.tables); // [{ name: 'report_summary', rows: 120 }, …]
 */
export async function publish(db: Db, options: PublishOptions, onProgress?: (p: PublishProgress) => void): Promise<PublishResult> {
  const parsed = PublishOptionsSchema.safeParse(options);
  if (!parsed.success) throw new StoreError('NB_DB_BAD_OPTION', `publish: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  prepareOutDir(o.outDir, o.force);
  const dbName = `${o.name}.db`;
  const dbPath = join(o.outDir, dbName);

  await backupDatabase(db, dbPath, (done, total) => onProgress?.({ stage: 'copy', done, total }));
  const copy = openCopy(dbPath);
  try {
    const filtered = applyFilter(copy, { agency: o.agency, province: o.province, year: o.year });
    const rawBytes = dropRawSnapshots(copy);
    // Reports the source stored but had not indexed yet: indexed in the copy.
    indexPending(copy);
    addSearch(copy);
    if (filtered || rawBytes) copy.exec('VACUUM');
    const tables = publishedTables(copy, { filtered, otherReportsKept: !filtered });
    const counts = tables.map((t) => (copy.prepare(`SELECT count(*) AS n FROM (${t.sql})`).get() as { n: number }).n);
    const total = counts.reduce((a, b) => a + b, 0) * 3;
    let done = 0;
    const tick = (table: string) => (n: number) => {
      done += n;
      onProgress?.({ stage: 'rows', done, total, table });
    };

    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: join(o.outDir, 'nianbao.xlsx'), useStyles: false, useSharedStrings: false });
    const resources: Record<string, unknown>[] = [];
    const summary: { name: string; rows: number; xlsxTruncated: boolean }[] = [];
    for (const t of tables) {
      const csv = await writeCsv(copy.prepare(t.sql), join(o.outDir, `${t.name}.csv`), tick(t.name), t.declaredTypes);
      const types = csv.types.map((c) => c.type());
      const schema = tableSchema(t, csv.columns, types, true);
      const pq = csv.columns.map((name, i) => ({ name, type: parquetType(types[i]!, csv.types[i]!.fitsInt32()) }));
      await writeParquet(
        copy.prepare(t.sql),
        join(o.outDir, `${t.name}.parquet`),
        pq,
        { 'nianbao:table': t.name, 'nianbao:parser_version': PARSER_VERSION },
        tick(t.name),
      );
      const sheet = await writeSheet(
        workbook,
        copy.prepare(t.sql),
        { name: t.name, headers: csv.columns.map((c) => chineseLabel(t.name, c)), types },
        tick(t.name),
      );
      summary.push({ name: t.name, rows: csv.rows, xlsxTruncated: sheet.truncated });
      const description = tableDescription(t.name);
      for (const ext of ['csv', 'parquet'] as const) {
        const f = await fileEntry(o.outDir, `${t.name}.${ext}`);
        resources.push({
          name: ext === 'csv' ? t.name : `${t.name}-parquet`,
          title: t.name,
          description,
          path: f.path,
          ...(ext === 'csv' ? { profile: 'tabular-data-resource' } : {}),
          ...MEDIA[ext],
          ...(ext === 'csv' ? { encoding: 'utf-8', dialect: { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true } } : {}),
          bytes: f.bytes,
          hash: `sha256:${f.sha256}`,
          'nianbao:rows': csv.rows,
          schema,
        });
      }
    }
    await workbook.commit();
    const sources = sourcesOf(copy);
    copy.close();

    const created = new Date().toISOString();
    const filters = [o.agency && `agency ${o.agency}`, o.province && `province ${o.province}`, o.year && `year ${o.year}`].filter(Boolean).join(', ') || 'all';
    const metadataFile = 'metadata.json';
    writeFileSync(join(o.outDir, metadataFile), `${JSON.stringify(datasetteMetadata(o.name), null, 2)}\n`);
    const license = LICENSES[o.license]!;
    writeFileSync(
      join(o.outDir, 'README.md'),
      packageReadme({
        title: `nianbao data package: ${o.name}`,
        created,
        parserVersion: PARSER_VERSION,
        toolVersion: PACKAGE_VERSION,
        dbFile: dbName,
        filters,
        license,
        tables: summary,
        sources: sources.length,
      }),
    );
    const xlsx = await fileEntry(o.outDir, 'nianbao.xlsx');
    const sqlite = await fileEntry(o.outDir, dbName);
    const meta = await fileEntry(o.outDir, metadataFile);
    const readme = await fileEntry(o.outDir, 'README.md');
    resources.push(
      { name: 'workbook', title: 'All tables as one Excel workbook', path: xlsx.path, ...MEDIA['xlsx'], bytes: xlsx.bytes, hash: `sha256:${xlsx.sha256}` },
      {
        name: 'database',
        title: 'The SQLite database (Datasette, sqlite-utils)',
        path: sqlite.path,
        ...MEDIA['db'],
        bytes: sqlite.bytes,
        hash: `sha256:${sqlite.sha256}`,
      },
      {
        name: 'datasette-metadata',
        title: 'Datasette metadata of the database',
        path: meta.path,
        format: 'json',
        mediatype: 'application/json',
        bytes: meta.bytes,
        hash: `sha256:${meta.sha256}`,
      },
      {
        name: 'readme',
        title: 'What the package holds',
        path: readme.path,
        format: 'md',
        mediatype: 'text/markdown',
        bytes: readme.bytes,
        hash: `sha256:${readme.sha256}`,
      },
    );
    const descriptor = {
      profile: 'tabular-data-package',
      name: o.name.toLowerCase().replace(/_/g, '-'),
      title: '政府信息公开工作年度报告 · nianbao',
      description: `Tables of China's government information-disclosure annual reports. Reports included: ${filters}.`,
      version: PACKAGE_VERSION,
      created,
      licenses: [license],
      sources,
      keywords: ['政府信息公开', 'freedom of information', 'China', 'annual reports'],
      'nianbao:parser_version': PARSER_VERSION,
      'nianbao:schema_version': SCHEMA_VERSION,
      'nianbao:filters': { agency: o.agency ?? null, province: o.province ?? null, year: o.year ?? null },
      resources,
    };
    writeFileSync(join(o.outDir, 'datapackage.json'), `${JSON.stringify(descriptor, null, 2)}\n`);
    const files = [...resources.map((r) => ({ path: String(r['path']), bytes: Number(r['bytes']), sha256: String(r['hash']).slice(7) }))];
    return { outDir: o.outDir, tables: summary.map(({ name, rows }) => ({ name, rows })), files, dbFile: basename(dbPath) };
  } finally {
    if (copy.open) copy.close();
  }
}
