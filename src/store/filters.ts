/** Agency/year filters shared by export, check and search (always bound parameters). */
import type { Db } from './db.js';
import { agencyKey } from './writer.js';

/** Ids of the agencies a user-given name designates: by name, key or any alias (a merged agency: its merge target). */
export function resolveAgencyIds(db: Db, name: string): number[] {
  const key = agencyKey(name);
  const rows = db
    .prepare(
      `SELECT COALESCE(merged_into, id) AS id FROM agencies WHERE name = @name OR key = @key
       UNION SELECT agency_id FROM agency_aliases WHERE alias = @key`,
    )
    .all({ name, key }) as { id: number }[];
  return rows.map((r) => r.id);
}

/** Filters applied to report-level rows. */
export interface ReportFilter {
  /** Agency name (or alias/key). */
  agency?: string | undefined;
  /** Report year. */
  year?: number | undefined;
}

/**
 * A SQL condition on `<alias>.agency_id` / `<alias>.year` plus its named parameters
 * (`@f_agency_ids` as a JSON array, `@f_year`). `alias` is a fixed identifier from our code.
 */
export function reportFilterSql(db: Db, filter: ReportFilter, alias: string): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.agency !== undefined) {
    parts.push(`${alias}.agency_id IN (SELECT value FROM json_each(@f_agency_ids))`);
    params['f_agency_ids'] = JSON.stringify(resolveAgencyIds(db, filter.agency));
  }
  if (filter.year !== undefined) {
    parts.push(`${alias}.year = @f_year`);
    params['f_year'] = filter.year;
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : '1', params };
}
