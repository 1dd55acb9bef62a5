/**
 * Finding reports by their text, for `nianbao search` and the explorer's search page. Every term
 * must occur (in the title, the agency as the report names itself, or the text), as a substring.
 * How each term is looked up (schema 17+):
 *
 * - a term with Chinese characters: the bigram index `reports_bigram` (bigrams.ts) finds the
 *   reports holding every two-character piece of it; a term of 1–2 Chinese characters is then
 *   exactly answered, a longer one (信息公开, 2023年度, 第3条) is confirmed in the stored text
 *   (`LIKE`) among those reports only;
 * - a term without any (digits, Latin letters, punctuation) is found by LIKE over the text of the
 *   reports the other terms left, or of every report when no term has a Chinese character.
 *
 * Hits come newest year first, then by id, each with a snippet cut around the first occurrence of
 * a term in the text ({@link likeSnippet}). Reports stored but not yet indexed
 * (`text_index_pending`, text-index.ts) are scanned with LIKE and merged in, so a search is complete
 * while an index is pending. Databases before migration 17 (read-only, not upgraded) are searched
 * the old way: their trigram `reports_fts`, else LIKE.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { isBigramTerm, termMatch } from './bigrams.js';

export interface TextMatchRequest {
  terms: readonly string[];
  /** Columns selected over `r` (reports) and `a` (agencies, left-joined), `report_id` and `year` among them. */
  select: string;
  /** SQL conditions over `r` and `a` (our own SQL with bound parameters). */
  where: string;
  params: Record<string, unknown>;
  limit: number;
  marks: readonly [string, string];
  /** Tokens around a match in `snippet()` (databases before schema 17 only; about one per character; 4–64). */
  snippetTokens: number;
  /** Characters of a snippet cut by {@link likeSnippet}. */
  snippetChars: number;
}

/**
 * How the hits were found: `bigram` (the bigram index, long terms confirmed in the text), `like` (no
 * term has a Chinese character: a scan), or `fts` (the trigram index of a database before schema 17).
 */
export type TextMatchMode = 'fts' | 'bigram' | 'like';

export interface TextMatch<T> {
  mode: TextMatchMode;
  rows: (T & { snippet: string })[];
  /** Reports not yet in the index, scanned instead (0 when the index is complete). */
  pending: number;
}

const codePoints = (s: string): number => [...s].length;

/** Statements prepared once per connection and SQL text (a search prepares a handful). */
const prepared = new WeakMap<Db, Map<string, Statement>>();
function stmt(db: Db, sql: string): Statement {
  let m = prepared.get(db);
  if (!m) prepared.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) {
    st = db.prepare(sql);
    if (m.size < 200) m.set(sql, st);
  }
  return st;
}
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);
const collapse = (s: string): string => s.replace(/\s+/gu, ' ').trim();
const phrase = (t: string): string => `"${t.replace(/"/g, '""')}"`;

/** A snippet of `text` around the first occurrence of any term, occurrences marked. */
export function likeSnippet(text: string, terms: readonly string[], marks: readonly [string, string], length = 48): string {
  const lower = text.toLowerCase();
  let first = -1;
  for (const t of terms) {
    const i = lower.indexOf(t.toLowerCase());
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  if (first < 0) return collapse(text.slice(0, length)) + (text.length > length ? '…' : '');
  const start = Math.max(0, first - Math.floor(length / 3));
  const end = Math.min(text.length, start + length);
  const window = text.slice(start, end);
  const wl = window.toLowerCase();
  // Mark every occurrence of every term inside the window (longest first, no overlaps).
  const spans: [number, number][] = [];
  for (const t of [...terms].sort((a, b) => b.length - a.length)) {
    const tl = t.toLowerCase();
    for (let i = wl.indexOf(tl); i >= 0; i = wl.indexOf(tl, i + tl.length)) {
      const e = i + tl.length;
      if (!spans.some(([s0, e0]) => i < e0 && e > s0)) spans.push([i, e]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [s0, e0] of spans) {
    out += window.slice(pos, s0) + marks[0] + window.slice(s0, e0) + marks[1];
    pos = e0;
  }
  out += window.slice(pos);
  return (start > 0 ? '…' : '') + collapse(out) + (end < text.length ? '…' : '');
}

interface Row {
  report_id: number;
  year: number | null;
}

/** Newest year first (no year last), then by id: the order of hits that have no rank. */
const byYear = (x: Row, y: Row): number => (y.year ?? -Infinity) - (x.year ?? -Infinity) || x.report_id - y.report_id;

const hasPendingTable = (db: Db): boolean => stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'text_index_pending'").get() !== undefined;

/** `(title LIKE … OR agency LIKE … OR text LIKE …)` over `t` for each term, its pattern bound in `params`. */
function likeConditions(terms: readonly string[], prefix: string, params: Record<string, unknown>): string[] {
  return terms.map((t, i) => {
    params[`${prefix}${i}`] = `%${likeEscape(t)}%`;
    const p = `@${prefix}${i}`;
    return `(t.title LIKE ${p} ESCAPE '\\' OR t.agency LIKE ${p} ESCAPE '\\' OR t.text LIKE ${p} ESCAPE '\\')`;
  });
}

/**
 * The reports whose text holds every term, at most `limit`, with snippets. `select` must yield
 * `report_id` (r.id) and `year` (r.year) among its columns.
 */
export function matchReports<T extends Row>(db: Db, q: TextMatchRequest): TextMatch<T> {
  if (!hasPendingTable(db)) return legacyMatch<T>(db, q);
  const params: Record<string, unknown> = { ...q.params, limit: q.limit };
  const matches = q.terms.map(termMatch).filter((m): m is string => m !== null);
  // What the index does not answer exactly is confirmed in the text.
  const confirm = likeConditions(
    q.terms.filter((t) => !isBigramTerm(t)),
    'l',
    params,
  );
  const textOf = stmt(db, 'SELECT text FROM report_text WHERE report_id = ?') as Statement<[number], { text: string | null }>;
  const withSnippets = (rows: Row[]): (T & { snippet: string })[] =>
    rows.map((h) => ({ ...(h as T), snippet: likeSnippet(textOf.get(h.report_id)?.text ?? '', q.terms, q.marks, q.snippetChars) }));

  if (matches.length === 0) {
    // No term has a Chinese character: a scan of every report's text (pending ones included).
    const rows = stmt(
      db,
      `SELECT ${q.select}
         FROM report_text t JOIN reports r ON r.id = t.report_id
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${[q.where, ...confirm].join(' AND ')}
         ORDER BY r.year DESC, r.id LIMIT @limit`,
    ).all(params) as Row[];
    return { mode: 'like', rows: withSnippets(rows), pending: 0 };
  }
  params['bq'] = matches.join(' AND ');
  const rows = stmt(
    db,
    `SELECT ${q.select}
       FROM (SELECT rowid AS id FROM reports_bigram WHERE reports_bigram MATCH @bq) m
       JOIN reports r ON r.id = m.id
       ${confirm.length > 0 ? 'JOIN report_text t ON t.report_id = r.id' : ''}
       LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE ${[q.where, ...confirm].join(' AND ')}
       ORDER BY r.year DESC, r.id LIMIT @limit`,
  ).all(params) as Row[];
  const hits = withSnippets(rows);

  // The reports stored since the index was last brought up to date: scanned.
  const pending = (stmt(db, 'SELECT count(*) AS n FROM text_index_pending').get() as { n: number }).n;
  if (pending === 0) return { mode: 'bigram', rows: hits, pending };
  const scanned = stmt(
    db,
    `SELECT ${q.select}
       FROM text_index_pending p JOIN report_text t ON t.report_id = p.report_id
       JOIN reports r ON r.id = p.report_id
       LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE ${[q.where, ...likeConditions(q.terms, 'p', params)].join(' AND ')}
       ORDER BY r.year DESC, r.id LIMIT @limit`,
  ).all(params) as Row[];
  const all = [...hits, ...withSnippets(scanned)].sort(byYear);
  return { mode: 'bigram', rows: all.slice(0, q.limit), pending };
}

/** {@link matchReports} on a database before schema 17: the contentful trigram `reports_fts`, else LIKE. */
function legacyMatch<T extends Row>(db: Db, q: TextMatchRequest): TextMatch<T> {
  const long = q.terms.filter((t) => codePoints(t) >= 3);
  const short = q.terms.filter((t) => codePoints(t) < 3);
  const params: Record<string, unknown> = { ...q.params, limit: q.limit };
  const likeConds = likeConditions(short, 'l', params);
  if (long.length === 0) {
    const textOf = stmt(db, 'SELECT text FROM reports_fts WHERE rowid = ?') as Statement<[number], { text: string | null }>;
    const rows = stmt(
      db,
      `SELECT ${q.select}
         FROM reports_fts t JOIN reports r ON r.id = t.rowid
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${[q.where, ...likeConds].join(' AND ')}
         ORDER BY r.year DESC, r.id LIMIT @limit`,
    ).all(params) as Row[];
    const hits = rows.map((h) => ({ ...(h as T), snippet: likeSnippet(textOf.get(h.report_id)?.text ?? '', short, q.marks, q.snippetChars) }));
    return { mode: 'like', rows: hits, pending: 0 };
  }
  params['q'] = long.map(phrase).join(' AND ');
  params['mo'] = q.marks[0];
  params['mc'] = q.marks[1];
  params['n'] = Math.max(4, Math.min(64, q.snippetTokens));
  const rows = stmt(
    db,
    `SELECT ${q.select}, snippet(reports_fts, -1, @mo, @mc, '…', @n) AS snippet
       FROM reports_fts t JOIN reports r ON r.id = t.rowid
       LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE ${['reports_fts MATCH @q', q.where, ...likeConds].join(' AND ')}
       ORDER BY bm25(reports_fts), r.id LIMIT @limit`,
  ).all(params) as (T & { snippet: string })[];
  return { mode: 'fts', rows: rows.map((h) => ({ ...h, snippet: collapse(h.snippet) })), pending: 0 };
}
