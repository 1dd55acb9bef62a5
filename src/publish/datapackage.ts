/**
 * The package's descriptors: `datapackage.json` (Frictionless Data Package v1 with a Table Schema
 * per CSV and Parquet file) and the Datasette `metadata.json` keyed by the SQLite file's stem.
 */
import type { Db } from '../store/db.js';
import { chineseLabel, describeColumn, describeTable, loadMetadata, unitOf } from './fields.js';
import { SEARCH_TABLE } from './sqlite-copy.js';
import type { PublishedTable } from './tables.js';
import type { FieldType } from './types.js';

export interface TableSchemaField {
  name: string;
  type: FieldType;
  title: string;
  description: string;
  /** Not a Table Schema property of its own: the unit of the values (件, 万元, 元, days). */
  unit?: string;
}

export interface TableSchema {
  fields: TableSchemaField[];
  missingValues: string[];
  primaryKey?: string[];
  foreignKeys?: PublishedTable['foreignKeys'];
}

export interface License {
  name: string;
  path: string;
  title: string;
}

/** Licences `--license` knows by name. */
export const LICENSES: Record<string, License> = {
  'ODC-BY-1.0': { name: 'ODC-BY-1.0', path: 'https://opendatacommons.org/licenses/by/1-0/', title: 'Open Data Commons Attribution License 1.0' },
  'ODC-PDDL-1.0': {
    name: 'ODC-PDDL-1.0',
    path: 'https://opendatacommons.org/licenses/pddl/1-0/',
    title: 'Open Data Commons Public Domain Dedication and License 1.0',
  },
  'CC-BY-4.0': { name: 'CC-BY-4.0', path: 'https://creativecommons.org/licenses/by/4.0/', title: 'Creative Commons Attribution 4.0' },
  'CC0-1.0': { name: 'CC0-1.0', path: 'https://creativecommons.org/publicdomain/zero/1.0/', title: 'CC0 1.0' },
};

/** The Table Schema of a published table whose column types are known. */
export function tableSchema(table: PublishedTable, columns: string[], types: FieldType[], keepKeys: boolean): TableSchema {
  const fields = columns.map((name, i): TableSchemaField => {
    const unit = unitOf(table.name, name);
    const zh = chineseLabel(table.name, name);
    return {
      name,
      type: types[i]!,
      title: zh,
      description: describeColumn(table.name, name, table.describedBy),
      ...(unit ? { unit } : {}),
    };
  });
  const has = (f: string[]): boolean => f.every((n) => columns.includes(n));
  const schema: TableSchema = { fields, missingValues: [''] };
  if (table.primaryKey && has(table.primaryKey)) schema.primaryKey = table.primaryKey;
  const fks = keepKeys ? table.foreignKeys.filter((fk) => has(fk.fields)) : [];
  if (fks.length > 0) schema.foreignKeys = fks;
  return schema;
}

/** Where the data came from: the portals crawled (with the last crawl) and the files ingested. */
export function sourcesOf(db: Db): { title: string; path?: string; 'nianbao:last_crawled'?: string | null }[] {
  const portals = db
    .prepare(
      `SELECT cs.site, a.name AS agency, a.portal, cs.last_crawl_at
       FROM crawl_sites cs LEFT JOIN agencies a ON a.id = cs.agency_id ORDER BY cs.site`,
    )
    .all() as { site: string; agency: string | null; portal: string | null; last_crawl_at: string | null }[];
  const out: { title: string; path?: string; 'nianbao:last_crawled'?: string | null }[] = portals.map((p) => ({
    title: `${p.agency ?? p.site} (site ${p.site})`,
    ...(p.portal ? { path: p.portal } : {}),
    'nianbao:last_crawled': p.last_crawl_at,
  }));
  const files = db.prepare('SELECT count(*) AS n, min(ingested_at) AS first, max(ingested_at) AS last FROM documents WHERE url IS NULL').get() as {
    n: number;
    first: string | null;
    last: string | null;
  };
  if (files.n > 0) out.push({ title: `${files.n} document(s) ingested from files with nianbao ingest, ${files.first} – ${files.last}` });
  if (out.length === 0) out.push({ title: 'Government information-disclosure annual reports (政府信息公开工作年度报告) collected with nianbao' });
  return out;
}

/** The Datasette metadata for the published SQLite file (`stem`: its name without `.db`). */
export function datasetteMetadata(stem: string): Record<string, unknown> {
  const meta = structuredClone(loadMetadata()) as Record<string, unknown> & {
    databases: { nianbao: { tables: Record<string, Record<string, unknown> & { columns?: Record<string, string> }> } };
  };
  const db = meta.databases.nianbao;
  const reports = (db.tables['reports'] ??= {});
  reports['columns'] = {
    ...(reports.columns ?? {}),
    agency: 'Agency name (agencies.name), copied here for facets',
    province: 'Province of the agency (agencies.province), copied here for facets',
    text: 'The report text as indexed: prose, then a line naming its tables’ rows and columns',
  };
  reports['fts_table'] = SEARCH_TABLE;
  reports['fts_pk'] = 'id';
  reports['searchmode'] = 'raw';
  reports['facets'] = ['agency', 'province', 'year', 'format'];
  db.tables[SEARCH_TABLE] = { hidden: true, description: 'Full-text index of reports (words and two-character pieces)' };
  for (const t of ['reports_bigram', 'text_index_pending']) if (db.tables[t]) db.tables[t]['hidden'] = true;
  for (const view of ['report_summary', 'requests', 'appeals', 'active']) {
    const t = db.tables[view];
    if (t) t['facets'] = ['agency', 'year', 'format'];
  }
  return { ...meta, databases: { [stem]: db } };
}

/** `describeTable` or a fallback naming the table. */
export function tableDescription(name: string): string {
  return describeTable(name) ?? `The database's ${name}`;
}
