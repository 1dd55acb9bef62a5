/**
 * Finding reports by their text, for `nianbao search` and the explorer's search page. Every term
 * must occur (in the title, the agency as the report names itself, or the text). How each term is
 * looked up:
 *
 * - 3+ characters: the trigram index `reports_fts` (quoted as a phrase, so FTS syntax typed by a
 *   user is inert); hits ranked by bm25 with `snippet()`;
 * - 1–2 Chinese characters: the bigram index `reports_bigram` (bigrams.ts), hits by year, newest
 *   first, with a snippet cut around the first occurrence;
 * - other 1–2 character terms (digits, Latin letters, punctuation): LIKE over the stored text.
 *
 * Reports stored but not yet indexed (`text_index_pending`, text-index.ts) are scanned with LIKE
 * and added to the index's hits, so a search is complete while an index is pending. Databases
 * before migration 17 (read-only, not upgraded) are searched the old way: trigram, else LIKE.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { bigramMatch, isBigramTerm } from './bigrams.js';

export interface TextMatchRequest {
  terms: readonly string[];
  /** Columns selected over `r` (reports) and `a` (agencies, left-joined), `report_id` and `year` among them. */
  select: string;
  /** SQL conditions over `r` and `a` (our own SQL with bound parameters). */
  where: string;
  params: Record<string, unknown>;
  limit: number;
  marks: readonly [string, string];
  /** Tokens around a match in `snippet()` (trigram: about one per character; 4–64). */
  snippetTokens: number;
  /** Characters of a snippet cut by {@link likeSnippet}. */
  snippetChars: number;
}

/** How the hits were found: `fts` (trigram, maybe with other terms), `bigram`, or `like` (a scan). */
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

/**
 * The reports whose text holds every term, at most `limit`, with snippets. `select` must yield
 * `report_id` (r.id) and `year` (r.year) among its columns.
 */
export function matchReports<T extends Row>(db: Db, q: TextMatchRequest): TextMatch<T> {
  const indexed = stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'text_index_pending'").get() !== undefined;
  // Where the text is: report_text (schema 17+), else the old contentful reports_fts.
  const T = indexed ? 'report_text' : 'reports_fts';
  const ID = indexed ? 'report_id' : 'rowid';
  const long = q.terms.filter((t) => codePoints(t) >= 3);
  const short = q.terms.filter((t) => codePoints(t) < 3);
  const bigram = indexed ? short.filter(isBigramTerm) : [];
  const likeTerms = short.filter((t) => !bigram.includes(t));
  const params: Record<string, unknown> = { ...q.params, limit: q.limit };
  const like = (terms: readonly string[], prefix: string): string[] =>
    terms.map((t, i) => {
      params[`${prefix}${i}`] = `%${likeEscape(t)}%`;
      const p = `@${prefix}${i}`;
      return `(t.title LIKE ${p} ESCAPE '\\' OR t.agency LIKE ${p} ESCAPE '\\' OR t.text LIKE ${p} ESCAPE '\\')`;
    });
  const likeConds = like(likeTerms, 'l');
  if (bigram.length > 0) params['bq'] = bigramMatch(bigram);
  const textOf = stmt(db, `SELECT text FROM ${T} WHERE ${ID} = ?`) as Statement<[number], { text: string | null }>;
  const withLikeSnippet = (rows: Row[], terms: readonly string[]): (T & { snippet: string })[] =>
    rows.map((h) => ({ ...(h as T), snippet: likeSnippet(textOf.get(h.report_id)?.text ?? '', terms, q.marks, q.snippetChars) }));

  let mode: TextMatchMode;
  let hits: (T & { snippet: string })[];
  if (long.length > 0) {
    mode = 'fts';
    params['q'] = long.map(phrase).join(' AND ');
    params['mo'] = q.marks[0];
    params['mc'] = q.marks[1];
    params['n'] = Math.max(4, Math.min(64, q.snippetTokens));
    const where = [
      'reports_fts MATCH @q',
      q.where,
      ...(bigram.length > 0 ? ['r.id IN (SELECT rowid FROM reports_bigram WHERE reports_bigram MATCH @bq)'] : []),
      ...likeConds,
    ];
    const rows = stmt(
      db,
      `SELECT ${q.select}, snippet(reports_fts, -1, @mo, @mc, '…', @n) AS snippet
         FROM reports_fts JOIN reports r ON r.id = reports_fts.rowid
         ${likeConds.length > 0 ? `JOIN ${T} t ON t.${ID} = r.id` : ''}
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${where.join(' AND ')}
         ORDER BY bm25(reports_fts), r.id LIMIT @limit`,
    ).all(params) as (T & { snippet: string })[];
    hits = rows.map((h) => ({ ...h, snippet: collapse(h.snippet) }));
  } else if (bigram.length > 0) {
    mode = 'bigram';
    const rows = stmt(
      db,
      `SELECT ${q.select}
         FROM (SELECT rowid AS id FROM reports_bigram WHERE reports_bigram MATCH @bq) m
         JOIN reports r ON r.id = m.id
         ${likeConds.length > 0 ? `JOIN ${T} t ON t.${ID} = r.id` : ''}
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${[q.where, ...likeConds].join(' AND ')}
         ORDER BY r.year DESC, r.id LIMIT @limit`,
    ).all(params) as Row[];
    hits = withLikeSnippet(rows, short);
  } else {
    // Only terms no index answers: a scan of every report's text (pending ones included).
    const rows = stmt(
      db,
      `SELECT ${q.select}
         FROM ${T} t JOIN reports r ON r.id = t.${ID}
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE ${[q.where, ...likeConds].join(' AND ')}
         ORDER BY r.year DESC, r.id LIMIT @limit`,
    ).all(params) as Row[];
    return { mode: 'like', rows: withLikeSnippet(rows, short), pending: 0 };
  }

  // The reports stored since the index was last brought up to date: scanned.
  const pending = indexed ? (stmt(db, 'SELECT count(*) AS n FROM text_index_pending').get() as { n: number }).n : 0;
  if (pending === 0) return { mode, rows: hits, pending };
  const scanned = stmt(
    db,
    `SELECT ${q.select}
       FROM text_index_pending p JOIN report_text t ON t.report_id = p.report_id
       JOIN reports r ON r.id = p.report_id
       LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE ${[q.where, ...like(q.terms, 'p')].join(' AND ')}
       ORDER BY r.year DESC, r.id LIMIT @limit`,
  ).all(params) as Row[];
  const extra = withLikeSnippet(scanned, q.terms);
  // Ranked hits (trigram) keep their rank, the scanned ones follow; unranked ones merge by year.
  const all = mode === 'fts' ? [...hits, ...extra] : [...hits, ...extra].sort(byYear);
  return { mode, rows: all.slice(0, q.limit), pending };
}
