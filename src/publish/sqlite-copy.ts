/**
 * The package's SQLite file: a consistent copy of the database (SQLite's online backup, so a
 * crawl writing meanwhile is no problem), cut down to the filtered reports, and made ready for
 * Datasette and sqlite-utils:
 *   - `reports` gets plain `agency`, `province` and `text` columns (facets, and the text shown);
 *   - `reports_search`, an FTS5 table with `content="reports"`, which is how sqlite-utils and
 *     Datasette detect full-text search on a table. Its unicode61 tokenizer sees the Chinese
 *     text as words (Intl.Segmenter) followed by every two-character piece, so a two-character
 *     term (信息) and a phrase of words ("政府 信息 公开") both match.
 * nianbao's own index (`reports_bigram` over `report_text`) stays, so `nianbao search --db`
 * works on the copy.
 */
import Database from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { type ReportFilter, reportFilterSql } from '../store/filters.js';

/** The FTS table sqlite-utils and Datasette find for `reports`. */
export const SEARCH_TABLE = 'reports_search';

const HAN = /\p{Script=Han}/u;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * The token stream indexed for `text`: its words (Chinese segmented by ICU's dictionary, other
 * scripts as they are), then the two-character pieces of every Chinese word longer than two.
 */
export function searchTokens(text: string): string {
  const words: string[] = [];
  const pieces: string[] = [];
  for (const s of segmenter.segment(text.normalize('NFKC'))) {
    if (!s.isWordLike) continue;
    const w = s.segment;
    words.push(w);
    const chars = [...w];
    if (chars.length > 2 && HAN.test(w)) for (let i = 0; i + 1 < chars.length; i++) pieces.push(chars[i]! + chars[i + 1]!);
  }
  return pieces.length > 0 ? `${words.join(' ')}\n${pieces.join(' ')}` : words.join(' ');
}

/** Copies `source` to `file` with SQLite's backup API (a consistent snapshot). */
export async function backupDatabase(source: Db, file: string, onProgress?: (done: number, total: number) => void): Promise<void> {
  await source.backup(file, {
    progress: ({ totalPages, remainingPages }) => {
      onProgress?.(totalPages - remainingPages, totalPages);
      return 2000;
    },
  });
}

/**
 * Keeps only the reports `filter` selects (with their cells, statistics, totals and findings,
 * the revisions whose new version they are, with what those changed, and their vanished URLs).
 * A kept finding may still name a report left out (`other_report_id`, the year before), and a
 * kept revision its old version (`old_report_id`).
 * Returns whether anything was filtered.
 */
export function applyFilter(copy: Db, filter: ReportFilter & { province?: string | undefined }): boolean {
  const f = reportFilterSql(copy, filter, 'r');
  const parts = [f.sql];
  const params: Record<string, unknown> = { ...f.params };
  if (filter.province !== undefined) {
    parts.push('r.agency_id IN (SELECT id FROM agencies WHERE province = @f_province)');
    params['f_province'] = filter.province;
  }
  if (filter.agency === undefined && filter.year === undefined && filter.province === undefined) return false;
  copy.pragma('foreign_keys = OFF');
  copy.transaction(() => {
    copy.exec('CREATE TEMP TABLE dropped(id INTEGER PRIMARY KEY)');
    copy.prepare(`INSERT INTO dropped SELECT r.id FROM reports r WHERE NOT (${parts.join(' AND ')})`).run(params);
    for (const table of ['cell_values', 'stats', 'report_totals', 'findings']) {
      copy.exec(`DELETE FROM ${table} WHERE report_id IN (SELECT id FROM dropped)`);
    }
    // A revision goes with its new version (its old one may be of another year, kept or not);
    // what it changed goes with it (foreign keys are off: no cascade).
    const has = (t: string): boolean => copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    if (has('revisions')) {
      for (const detail of ['revision_cells', 'revision_sentences']) {
        if (has(detail)) copy.exec(`DELETE FROM ${detail} WHERE revision_id IN (SELECT id FROM revisions WHERE new_report_id IN (SELECT id FROM dropped))`);
      }
      copy.exec('DELETE FROM revisions WHERE new_report_id IN (SELECT id FROM dropped)');
    }
    if (has('vanished_reports')) copy.exec('DELETE FROM vanished_reports WHERE report_id IN (SELECT id FROM dropped)');
    copy.exec('DELETE FROM reports_bigram WHERE rowid IN (SELECT id FROM dropped)');
    copy.exec('DELETE FROM text_index_pending WHERE report_id IN (SELECT id FROM dropped)');
    copy.exec('DELETE FROM report_text WHERE report_id IN (SELECT id FROM dropped)');
    copy.exec('DELETE FROM reports WHERE id IN (SELECT id FROM dropped)');
    copy.exec('DROP TABLE temp.dropped');
  })();
  return true;
}

/**
 * Empties `snapshot_blobs` (schema 14+: the raw bytes of every document and response) in the
 * copy: the package holds the data, not the raw pages, which stay in the source database. Returns
 * whether there was anything to remove.
 */
export function dropRawSnapshots(copy: Db): boolean {
  const has = copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_blobs'").get();
  if (!has) return false;
  return copy.prepare('DELETE FROM snapshot_blobs').run().changes > 0;
}

/** Adds the plain facet columns, the report text and the sqlite-utils/Datasette search table. */
export function addSearch(copy: Db): void {
  copy.exec(`
    ALTER TABLE reports ADD COLUMN agency TEXT;
    ALTER TABLE reports ADD COLUMN province TEXT;
    ALTER TABLE reports ADD COLUMN text TEXT;
    UPDATE reports SET agency = (SELECT a.name FROM agencies a WHERE a.id = reports.agency_id),
                       province = (SELECT a.province FROM agencies a WHERE a.id = reports.agency_id),
                       text = (SELECT t.text FROM report_text t WHERE t.report_id = reports.id);
    CREATE INDEX reports_facets ON reports(year, format, province, agency);
    CREATE VIRTUAL TABLE ${SEARCH_TABLE} USING fts5(title, agency, text, content="reports", content_rowid="id", tokenize="unicode61");
  `);
  const page = copy.prepare('SELECT id, title, agency, text FROM reports WHERE id > ? ORDER BY id LIMIT 200');
  const insert = copy.prepare(`INSERT INTO ${SEARCH_TABLE} (rowid, title, agency, text) VALUES (?, ?, ?, ?)`);
  let last = 0;
  for (;;) {
    const rows = page.all(last) as { id: number; title: string | null; agency: string | null; text: string | null }[];
    if (rows.length === 0) break;
    copy.transaction(() => {
      for (const r of rows) insert.run(r.id, searchTokens(r.title ?? ''), searchTokens(r.agency ?? ''), searchTokens(r.text ?? ''));
    })();
    last = rows[rows.length - 1]!.id;
  }
  copy.exec(`INSERT INTO ${SEARCH_TABLE} (${SEARCH_TABLE}) VALUES ('optimize')`);
}

/** Opens the copy for the publishing steps (no migrations: it is already the current schema). */
export function openCopy(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  return db;
}
