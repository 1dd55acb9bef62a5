/**
 * `nianbao changes`, the explorer's Changes page and its feed: revised and vanished reports from
 * the `report_changes` view (migration 15), newest first, filtered by date, agency, province and
 * kind (always bound parameters).
 */
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { resolveAgencyIds } from './filters.js';
import { hasTemplateMarks, TEMPLATE_MIN_REVISIONS, TEMPLATE_MIN_SHARE, TEMPLATE_WINDOW_DAYS } from './template-changes.js';
import { describeTextDiff } from './text-diff.js';

export const CHANGE_KINDS = ['revised', 'vanished'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const ChangesOptionsSchema = z.strictObject({
  /** Only changes first seen on or after this date (YYYY-MM-DD, UTC). @default undefined (all) */
  since: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'a real date')
    .optional(),
  /** Only this agency (name, key or alias). @default undefined */
  agency: z.string().min(1).optional(),
  /** Only agencies of this province. @default undefined */
  province: z.string().min(1).optional(),
  /** Only this kind of change. @default undefined (both) */
  kind: z.enum(CHANGE_KINDS).optional(),
  /** Most changes listed. @default 1000 */
  limit: z.number().int().min(1).max(100_000).default(1000),
  /**
   * List template-only revisions too (the only change is the site's page template: template-changes.ts).
   * @default false
   */
  includeTemplate: z.boolean().default(false),
});
export type ChangesOptions = z.input<typeof ChangesOptionsSchema>;

/** One revised or vanished report. */
export interface ChangeRow {
  change: ChangeKind;
  /** revisions.id or vanished_reports.id. */
  change_id: number;
  seen_at: string;
  /** The new version (revised) or the vanished report. */
  report_id: number;
  /** The version it revises (revised only). */
  old_report_id: number | null;
  agency_id: number | null;
  agency: string | null;
  province: string | null;
  year: number | null;
  url: string | null;
  /** revised: same_url | republished; vanished: gone | redirected | no_tables. */
  detail: string;
  cells_changed: number | null;
  http_status: number | null;
  final_url: string | null;
  returned_at: string | null;
  /** Sentences of the text reworded, added, removed (revised only; null for vanished, and before migration 19). */
  sentences_changed?: number | null;
  sentences_added?: number | null;
  sentences_removed?: number | null;
  /** 1: a revision whose only change is the site's page template (migration 22; 0 for vanished, absent before). */
  template_only?: number | null;
}

/** A sentence of the text that differs between two versions (a `revision_sentences` row). */
export interface RevisionSentenceRow {
  revision_id: number;
  ord: number;
  change: 'changed' | 'added' | 'removed';
  old_text: string | null;
  new_text: string | null;
  /** 1: a change the site's page template made (the same in other revisions of the run; migration 22). */
  template?: number;
}

/** A value that differs between two versions (a `revision_cells` row). */
export interface RevisionCellRow {
  revision_id: number;
  ord: number;
  table_name: string;
  row_key: string;
  col_key: string;
  old_value: number | string | null;
  new_value: number | string | null;
  old_raw: string | null;
  new_raw: string | null;
}

/** Whether the `report_changes` view has migration 22's `template_only` (a read-only older file may not). */
function viewHasTemplate(db: Db): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info('report_changes') WHERE name = 'template_only'").get() !== undefined;
}

/** The changes matching `options` and what was left out of them. */
export interface ChangeList {
  rows: ChangeRow[];
  /** Template-only revisions matching the filters that the list leaves out (0 with `includeTemplate`). */
  templateHidden: number;
}

/** Revised and vanished reports matching `options`, newest first (template-only revisions only with `includeTemplate`). */
export function listChanges(db: Db, options: ChangesOptions = {}): ChangeRow[] {
  return changeList(db, options).rows;
}

/** {@link listChanges}, with how many template-only revisions it left out. */
export function changeList(db: Db, options: ChangesOptions = {}): ChangeList {
  const parsed = ChangesOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new StoreError('NB_DB_BAD_OPTION', `changes: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'option'}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: o.limit };
  if (o.since !== undefined) {
    where.push('seen_at >= @since');
    params['since'] = o.since;
  }
  if (o.agency !== undefined) {
    where.push('agency_id IN (SELECT value FROM json_each(@agency_ids))');
    params['agency_ids'] = JSON.stringify(resolveAgencyIds(db, o.agency));
  }
  if (o.province !== undefined) {
    where.push('province = @province');
    params['province'] = o.province;
  }
  if (o.kind !== undefined) {
    where.push('change = @kind');
    params['kind'] = o.kind;
  }
  const marks = viewHasTemplate(db);
  const filter = where.length > 0 ? where.join(' AND ') : '1';
  const shown = marks && !o.includeTemplate ? `${filter} AND template_only = 0` : filter;
  const rows = db.prepare(`SELECT * FROM report_changes WHERE ${shown} ORDER BY seen_at DESC, change, change_id DESC LIMIT @limit`).all(params) as ChangeRow[];
  const counted = { ...params };
  delete counted['limit'];
  const templateHidden =
    marks && !o.includeTemplate ? (db.prepare(`SELECT count(*) FROM report_changes WHERE ${filter} AND template_only = 1`).pluck().get(counted) as number) : 0;
  return { rows, templateHidden };
}

/** How a vanishing reads: `answers HTTP 404`, `redirects to URL`, `answers HTTP 200 without report tables`. */
export function describeVanishing(reason: string, status: number | null, finalUrl: string | null): string {
  if (reason === 'gone') return `answers HTTP ${status ?? '?'}`;
  if (reason === 'redirected') return `redirects to ${finalUrl ?? '?'}`;
  return `answers HTTP ${status ?? '?'} without report tables`;
}

/** The differing values of a revision, in order. */
export function revisionCells(db: Db, revisionId: number): RevisionCellRow[] {
  return db.prepare('SELECT * FROM revision_cells WHERE revision_id = ? ORDER BY ord').all(revisionId) as RevisionCellRow[];
}

/** Whether the database has the text revisions of migration 19 (a read-only older file may not). */
export function hasRevisionText(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revision_sentences'").get() !== undefined;
}

/** The sentences of a revision's text that differ, in order (the first 50; the counts are on the revision). */
export function revisionSentences(db: Db, revisionId: number): RevisionSentenceRow[] {
  if (!hasRevisionText(db)) return [];
  return db.prepare('SELECT * FROM revision_sentences WHERE revision_id = ? ORDER BY ord').all(revisionId) as RevisionSentenceRow[];
}

/** How a sentence change reads: `~ old → new`, `+ new`, `- old`. */
export function describeSentence(s: Pick<RevisionSentenceRow, 'change' | 'old_text' | 'new_text'>): string {
  if (s.change === 'added') return `+ ${s.new_text ?? ''}`;
  if (s.change === 'removed') return `- ${s.old_text ?? ''}`;
  return `~ ${s.old_text ?? ''} → ${s.new_text ?? ''}`;
}

/**
 * What a revision changed in a few words: `2 value(s); text: 3 sentences changed, 1 added`, or for
 * a template-only revision `page template only: 1 sentence added`.
 */
export function describeRevision(r: {
  cells_changed: number | null;
  sentences_changed?: number | null;
  sentences_added?: number | null;
  sentences_removed?: number | null;
  template_only?: number | null;
}): string {
  const text = describeTextDiff({ changed: r.sentences_changed ?? 0, added: r.sentences_added ?? 0, removed: r.sentences_removed ?? 0 });
  const cells = r.cells_changed ?? 0;
  if (r.template_only === 1) return `page template only: ${text}`;
  if (!text) return `${cells} value(s)`;
  return cells === 0 ? `text only: ${text}` : `${cells} value(s); text: ${text}`;
}

/** Why template-only revisions are left out, in one line (for `changes`, `check` and the explorer). */
export const TEMPLATE_HIDDEN_WHY = `their only change is the site's page template: the same sentence change in at least ${TEMPLATE_MIN_REVISIONS} (and at least ${TEMPLATE_MIN_SHARE * 100}%) of one site's (or host's) revisions in one crawl, or on a site where another crawl within ${TEMPLATE_WINDOW_DAYS} days recognised that change so`;

/** A revision as the report page lists it. */
export interface ReportRevision {
  id: number;
  kind: string;
  old_report_id: number;
  new_report_id: number;
  url: string | null;
  first_seen_at: string;
  cells_changed: number;
  sentences_changed: number;
  sentences_added: number;
  sentences_removed: number;
  /** 1: its only change is the site's page template (migration 22). */
  template_only: number;
}

/** Revisions a report takes part in (as the old or the new version), oldest first. */
export function revisionsOfReport(db: Db, reportId: number): ReportRevision[] {
  const text = hasRevisionText(db)
    ? 'sentences_changed, sentences_added, sentences_removed'
    : '0 AS sentences_changed, 0 AS sentences_added, 0 AS sentences_removed';
  const counts = `${text}, ${hasTemplateMarks(db) ? 'template_only' : '0 AS template_only'}`;
  return db
    .prepare(
      `SELECT id, kind, old_report_id, new_report_id, url, first_seen_at, cells_changed, ${counts} FROM revisions
       WHERE old_report_id = ? OR new_report_id = ? ORDER BY first_seen_at, id`,
    )
    .all(reportId, reportId) as ReportRevision[];
}

/** The vanishings of a report's URL, newest first. */
export function vanishingsOfReport(
  db: Db,
  reportId: number,
): {
  id: number;
  url: string;
  reason: string;
  http_status: number | null;
  final_url: string | null;
  first_seen_at: string;
  last_seen_at: string;
  returned_at: string | null;
}[] {
  return db
    .prepare(
      'SELECT id, url, reason, http_status, final_url, first_seen_at, last_seen_at, returned_at FROM vanished_reports WHERE report_id = ? ORDER BY first_seen_at DESC, id DESC',
    )
    .all(reportId) as {
    id: number;
    url: string;
    reason: string;
    http_status: number | null;
    final_url: string | null;
    first_seen_at: string;
    last_seen_at: string;
    returned_at: string | null;
  }[];
}
