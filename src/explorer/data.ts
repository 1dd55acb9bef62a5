/**
 * Small shared pieces of the page queries: request-parameter parsing and the agency/report
 * filters (province, level, year, format, name). Every value reaches SQL as a bound parameter;
 * the SQL text is fixed in this file.
 */
import type { Db } from '../store/db.js';
import type { SelectOption } from './layout.js';

/** A query-string value as a positive integer, or undefined. */
export function intParam(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,9}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** A query-string value as a plausible report year, or undefined. */
export function yearParam(v: string | undefined): number | undefined {
  const n = intParam(v);
  return n !== undefined && n >= 1990 && n <= 2200 ? n : undefined;
}

/** A trimmed non-empty string (at most `max` characters), or undefined. */
export function textParam(v: string | undefined, max = 200): string | undefined {
  const t = v?.trim();
  return t ? t.slice(0, max) : undefined;
}

export const FORMATS = ['2021', '2019', 'pre2019', 'unknown'] as const;

/** Common filters of report lists. */
export interface ReportFilters {
  province?: string | undefined;
  level?: string | undefined;
  year?: number | undefined;
  format?: string | undefined;
  /** Agency name contains (all whitespace-separated terms). */
  name?: string | undefined;
}

export function readFilters(q: Record<string, string>): ReportFilters {
  const format = textParam(q['format']);
  return {
    province: textParam(q['province']),
    level: textParam(q['level']),
    year: yearParam(q['year']),
    format: format && (FORMATS as readonly string[]).includes(format) ? format : undefined,
    name: textParam(q['name']),
  };
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * SQL conditions for {@link ReportFilters} on a report alias `r` and agency alias `a` (fixed
 * identifiers chosen by the caller's SQL), with their named parameters.
 */
export function filterSql(f: ReportFilters, r = 'r', a = 'a'): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.province) {
    parts.push(`${a}.province = @f_province`);
    params['f_province'] = f.province;
  }
  if (f.level) {
    parts.push(`${a}.level = @f_level`);
    params['f_level'] = f.level;
  }
  if (f.year !== undefined) {
    parts.push(`${r}.year = @f_year`);
    params['f_year'] = f.year;
  }
  if (f.format) {
    parts.push(`${r}.format = @f_format`);
    params['f_format'] = f.format;
  }
  if (f.name) {
    f.name
      .normalize('NFKC')
      .split(/\s+/u)
      .filter(Boolean)
      .forEach((t, i) => {
        parts.push(`COALESCE(${a}.name, '') LIKE @f_name${i} ESCAPE '\\'`);
        params[`f_name${i}`] = `%${likeEscape(t)}%`;
      });
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

export { likeEscape };

/** Values offered by the filter drop-downs. */
export interface FilterChoices {
  provinces: SelectOption[];
  levels: SelectOption[];
  years: SelectOption[];
  formats: SelectOption[];
}

export function filterChoices(db: Db): FilterChoices {
  const col = (sql: string): SelectOption[] => (db.prepare(sql).pluck().all() as (string | number)[]).map((v) => ({ value: String(v), label: String(v) }));
  return {
    provinces: col('SELECT DISTINCT province FROM agencies WHERE province IS NOT NULL ORDER BY province'),
    levels: col('SELECT DISTINCT level FROM agencies WHERE level IS NOT NULL ORDER BY level'),
    years: col('SELECT DISTINCT year FROM reports WHERE year IS NOT NULL ORDER BY year DESC'),
    formats: FORMATS.map((f) => ({ value: f, label: f })),
  };
}

/** Does the database have this table? (name compared as a bound value) */
export function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name) !== undefined;
}
