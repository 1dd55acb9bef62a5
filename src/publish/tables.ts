/**
 * The tables a published package holds: for each, the SELECT that reads it from the published
 * SQLite copy (filters are applied to the copy before, see sqlite-copy.ts), its keys, and the
 * tables its column descriptions come from. View and table names come from this fixed list or
 * from sqlite_master; user input never becomes an identifier.
 */
import type { Db } from '../store/db.js';
import { hasTemplateMarks } from '../store/template-changes.js';

export interface ForeignKey {
  fields: string[];
  reference: { resource: string; fields: string[] };
}

export interface PublishedTable {
  /** Resource name and file stem (`requests` → requests.csv, requests.parquet, sheet requests). */
  name: string;
  sql: string;
  primaryKey?: string[];
  foreignKeys: ForeignKey[];
  /** Tables whose db/metadata.json column descriptions apply too (after the table's own). */
  describedBy: string[];
  /** SQLite types of computed columns (which have none), for the type of a column without values (types.ts). */
  declaredTypes?: Record<string, string>;
}

const quoteId = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const toSummary = (field: string): ForeignKey => ({ fields: [field], reference: { resource: 'report_summary', fields: ['report_id'] } });
const toAgency = (field: string): ForeignKey => ({ fields: [field], reference: { resource: 'agencies', fields: ['id'] } });

/** The columns of `view` with the Chinese label column `labelAs` (joined as `labelExpr`) put right after `after`. */
function withLabel(db: Db, view: string, after: string, labelAs: string, labelExpr: string): string {
  const out: string[] = [];
  for (const c of db.prepare(`SELECT * FROM ${quoteId(view)} LIMIT 0`).columns()) {
    out.push(`v.${quoteId(c.name)}`);
    if (c.name === after) out.push(`${labelExpr} AS ${labelAs}`);
  }
  return out.join(', ');
}

/**
 * Views and tables other parts of nianbao may add (missing reports, revisions); published when the
 * database has them. `revisions` brings `revision_cells` and `revision_sentences` (what changed).
 */
export const OPTIONAL_TABLES = /^(missing_reports|vanished_reports|report_changes|report_revisions|revisions|changes)$/;

/** The tables of the package, in order. `filtered`: agencies are those the published reports name (and their parents). */
export function publishedTables(db: Db, options: { filtered: boolean; otherReportsKept: boolean }): PublishedTable[] {
  const rowLabel = (table: string, alias: string, key: string): string =>
    `LEFT JOIN labels ${alias} ON ${alias}.table_name = '${table}' AND ${alias}.dimension = 'row' AND ${alias}.key = ${key}`;
  const reportFks = [toSummary('report_id'), toAgency('agency_id')];
  const tables: PublishedTable[] = [
    {
      name: 'report_summary',
      sql: 'SELECT * FROM report_summary ORDER BY agency, year, report_id',
      primaryKey: ['report_id'],
      foreignKeys: [toAgency('agency_id')],
      describedBy: ['reports'],
    },
    {
      name: 'requests',
      sql: `SELECT ${withLabel(db, 'requests', 'row_key', 'label_zh', 'l.label')} FROM requests v ${rowLabel('requests', 'l', 'v.row_key')} ORDER BY v.report_id, v.row_order, v.row_key`,
      primaryKey: ['report_id', 'row_key'],
      foreignKeys: reportFks,
      describedBy: [],
    },
    {
      name: 'appeals',
      sql: `SELECT ${withLabel(db, 'appeals', 'group_key', 'label_zh', 'l.label')} FROM appeals v ${rowLabel('appeals', 'l', 'v.group_key')} ORDER BY v.report_id, l.ord, v.group_key`,
      primaryKey: ['report_id', 'group_key'],
      foreignKeys: reportFks,
      describedBy: [],
    },
    {
      name: 'active',
      sql: `SELECT ${withLabel(db, 'active', 'row_key', 'label_zh', 'l.label')} FROM active v ${rowLabel('active', 'l', 'v.row_key')} ORDER BY v.report_id, v.row_order, v.row_key`,
      primaryKey: ['report_id', 'row_key'],
      foreignKeys: reportFks,
      describedBy: [],
    },
    {
      name: 'findings',
      sql: 'SELECT * FROM findings ORDER BY id',
      primaryKey: ['id'],
      foreignKeys: [toSummary('report_id'), ...(options.otherReportsKept ? [toSummary('other_report_id')] : [])],
      describedBy: [],
    },
    {
      name: 'agencies',
      sql: options.filtered
        ? `WITH RECURSIVE kept(id) AS (SELECT agency_id FROM reports WHERE agency_id IS NOT NULL
             UNION SELECT a.parent_id FROM agencies a JOIN kept ON a.id = kept.id WHERE a.parent_id IS NOT NULL)
           SELECT * FROM agencies WHERE id IN (SELECT id FROM kept) ORDER BY id`
        : 'SELECT * FROM agencies ORDER BY id',
      primaryKey: ['id'],
      foreignKeys: [{ fields: ['parent_id'], reference: { resource: 'agencies', fields: ['id'] } }],
      describedBy: [],
    },
    {
      name: 'cells',
      sql: `SELECT c.report_id, c.ord, r.agency_id, a.name AS agency, r.year, r.format, c.table_name,
                   c.row_key, lr.label AS row_label_zh, c.col_key, lc.label AS col_label_zh,
                   c.value, c.raw, c.unit, c.flags, c.table_index, c.grid_row, c.grid_col, r.is_primary
            FROM cells c JOIN reports r ON r.id = c.report_id LEFT JOIN agencies a ON a.id = r.agency_id
            LEFT JOIN labels lr ON lr.table_name = c.table_name AND lr.dimension = 'row' AND lr.key = c.row_key
            LEFT JOIN labels lc ON lc.table_name = c.table_name AND lc.dimension = 'col' AND lc.key = c.col_key
            ORDER BY c.report_id, c.ord`,
      primaryKey: ['report_id', 'ord'],
      foreignKeys: reportFks,
      describedBy: ['reports', 'report_summary'],
    },
  ];
  const present = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").pluck().all() as string[]);
  for (const name of present) {
    if (!OPTIONAL_TABLES.test(name)) continue;
    if (name !== 'revisions') tables.push({ name, sql: `SELECT * FROM ${quoteId(name)}`, foreignKeys: [], describedBy: [] });
    // What each revision changed follows it.
    else tables.push(revisionsTable(options.otherReportsKept), ...revisionDetailTables(present, hasTemplateMarks(db)));
  }
  return tables;
}

/**
 * `revisions` as stored, keyed by `id`. Its new version is always published (the filters keep a
 * revision with its new report, sqlite-copy.ts); the old one only in an unfiltered package (a
 * revision may have moved the report to another year).
 */
function revisionsTable(otherReportsKept: boolean): PublishedTable {
  return {
    name: 'revisions',
    sql: 'SELECT * FROM revisions ORDER BY id',
    primaryKey: ['id'],
    foreignKeys: [toSummary('new_report_id'), ...(otherReportsKept ? [toSummary('old_report_id')] : [])],
    describedBy: [],
  };
}

/** The columns that say whose revision a row belongs to: the new version, its agency and year. */
const REVISION_CONTEXT = `v.new_report_id AS report_id, r.agency_id, COALESCE(a.name, r.agency_name) AS agency, COALESCE(v.year, r.year) AS year`;
const REVISION_JOINS = `JOIN revisions v ON v.id = d.revision_id JOIN reports r ON r.id = v.new_report_id LEFT JOIN agencies a ON a.id = r.agency_id`;
const toRevision: ForeignKey = { fields: ['revision_id'], reference: { resource: 'revisions', fields: ['id'] } };

/**
 * What each revision changed: `revision_cells` (the values, old → new, with the rows' and columns'
 * official labels) and `revision_sentences` (the sentences of the text), keyed by
 * `(revision_id, ord)` and joined to `revisions.id`. A changed report field that is text (title,
 * published) has no number: `old_value`/`new_value` stay numeric and the text is in `old_raw`/`new_raw`.
 */
function revisionDetailTables(present: ReadonlySet<string>, templateMarked: boolean): PublishedTable[] {
  const label = (alias: string, dimension: string, key: string): string =>
    `LEFT JOIN labels ${alias} ON ${alias}.table_name = d.table_name AND ${alias}.dimension = '${dimension}' AND ${alias}.key = ${key}`;
  const number = (c: string): string => `CASE WHEN typeof(d.${c}) IN ('integer', 'real') THEN d.${c} END`;
  const text = (c: string, raw: string): string => `COALESCE(d.${raw}, CASE WHEN typeof(d.${c}) = 'text' THEN d.${c} END)`;
  const keys = {
    primaryKey: ['revision_id', 'ord'],
    foreignKeys: [toRevision, toSummary('report_id'), toAgency('agency_id')],
    describedBy: ['revisions', 'report_summary'],
  };
  const out: PublishedTable[] = [];
  if (present.has('revision_cells')) {
    out.push({
      name: 'revision_cells',
      sql: `SELECT d.revision_id, d.ord, ${REVISION_CONTEXT}, d.table_name, d.row_key, lr.label AS row_label_zh, d.col_key, lc.label AS col_label_zh,
                   ${number('old_value')} AS old_value, ${number('new_value')} AS new_value,
                   ${text('old_value', 'old_raw')} AS old_raw, ${text('new_value', 'new_raw')} AS new_raw
            FROM revision_cells d ${REVISION_JOINS} ${label('lr', 'row', 'd.row_key')} ${label('lc', 'col', 'd.col_key')}
            ORDER BY d.revision_id, d.ord`,
      ...keys,
      declaredTypes: { old_value: 'REAL', new_value: 'REAL', old_raw: 'TEXT', new_raw: 'TEXT' },
    });
  }
  if (present.has('revision_sentences')) {
    // Migration 22 marks the sentence changes that were the site's page template.
    const template = templateMarked ? ', d.template' : '';
    out.push({
      name: 'revision_sentences',
      sql: `SELECT d.revision_id, d.ord, ${REVISION_CONTEXT}, d.change, d.old_text, d.new_text${template}
            FROM revision_sentences d ${REVISION_JOINS} ORDER BY d.revision_id, d.ord`,
      ...keys,
    });
  }
  return out;
}
