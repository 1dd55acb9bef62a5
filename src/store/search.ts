/**
 * `nianbao search`: full-text search over report title, agency and text with the FTS5 trigram
 * index. Terms of 3+ characters go through MATCH (each quoted as a phrase, so FTS syntax in user
 * input is inert); 1–2 character terms, which a trigram index cannot look up, fall back to LIKE.
 * Several terms must all match. The indexed text is the prose plus a line of the tables' labels
 * (search-text.ts), so a table row's wording finds the report.
 */
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { reportFilterSql } from './filters.js';

/** Options of {@link searchReports} (the library's `search`). */
export const SearchOptionsSchema = z.object({
  /** Only this agency (name, key or alias). */
  agency: z.string().min(1).optional(),
  /** Only reports on this year. */
  year: z.number().int().min(1990).max(2200).optional(),
  /** Most hits returned. @default 20 */
  limit: z.number().default(20),
  /** Strings put around each match in snippets. @default ['[', ']'] */
  marks: z.tuple([z.string(), z.string()]).default(['[', ']']),
  /** Approximate snippet length, in characters (the index answers at most 64 characters around a match). @default 80 */
  snippetLength: z.number().int().positive().default(80),
  /** Include reports that are not the primary report of their (agency, year). @default false */
  all: z.boolean().default(false),
});
export type SearchOptions = z.input<typeof SearchOptionsSchema>;

export interface SearchHit {
  reportId: number;
  agency: string | null;
  year: number | null;
  title: string | null;
  published: string | null;
  snippet: string;
}

export interface SearchResult {
  /** `fts`: the trigram index answered (maybe with LIKE for short terms); `like`: only short terms. */
  mode: 'fts' | 'like';
  terms: string[];
  hits: SearchHit[];
}

const codePoints = (s: string): number => [...s].length;
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);
const collapse = (s: string): string => s.replace(/\s+/gu, ' ').trim();

/** Splits a query into terms (whitespace, including the ideographic space, separates them). */
export function searchTerms(query: string): string[] {
  return query
    .normalize('NFKC')
    .split(/\s+/u)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** A snippet of `text` around the first occurrence of any term, occurrences marked. */
export function likeSnippet(text: string, terms: string[], marks: [string, string], length = 48): string {
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

/** Searches report title, agency and text. */
export function searchReports(db: Db, query: string, input: SearchOptions = {}): SearchResult {
  const terms = searchTerms(query);
  if (terms.length === 0) throw new StoreError('NB_DB_BAD_OPTION', 'search: empty query');
  const limit = input.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1) throw new StoreError('NB_DB_BAD_OPTION', `search: limit must be a positive integer, got ${limit}`);
  const parsed = SearchOptionsSchema.safeParse(input);
  if (!parsed.success) throw new StoreError('NB_DB_BAD_OPTION', `search: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const options = parsed.data;
  const marks = options.marks;
  const length = options.snippetLength;
  const long = terms.filter((t) => codePoints(t) >= 3);
  const short = terms.filter((t) => codePoints(t) < 3);
  const f = reportFilterSql(db, options, 'r');
  const params: Record<string, unknown> = { ...f.params, limit };
  const likeConds = short.map((t, i) => {
    params[`l${i}`] = `%${likeEscape(t)}%`;
    return `(reports_fts.title LIKE @l${i} ESCAPE '\\' OR reports_fts.agency LIKE @l${i} ESCAPE '\\' OR reports_fts.text LIKE @l${i} ESCAPE '\\')`;
  });
  const where = [f.sql, options.all ? '1' : 'r.is_primary = 1', ...likeConds];
  let rows: (SearchHit & { text?: string })[];
  if (long.length > 0) {
    params['q'] = long.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
    params['b'] = marks[0];
    params['a'] = marks[1];
    // A trigram index counts about one token per character; FTS5 allows 64 at most.
    params['n'] = Math.max(4, Math.min(64, length));
    rows = db
      .prepare(
        `SELECT r.id AS reportId, a.name AS agency, r.year, r.title, r.published,
                snippet(reports_fts, -1, @b, @a, '…', @n) AS snippet
         FROM reports_fts
         JOIN reports r ON r.id = reports_fts.rowid
         LEFT JOIN agencies a ON a.id = r.agency_id
         WHERE reports_fts MATCH @q AND ${where.join(' AND ')}
         ORDER BY bm25(reports_fts), r.id
         LIMIT @limit`,
      )
      .all(params) as SearchHit[];
    rows = rows.map((h) => ({ ...h, snippet: collapse(h.snippet) }));
    return { mode: 'fts', terms, hits: rows };
  }
  rows = db
    .prepare(
      `SELECT r.id AS reportId, a.name AS agency, r.year, r.title, r.published, reports_fts.text AS text
       FROM reports_fts
       JOIN reports r ON r.id = reports_fts.rowid
       LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE ${where.join(' AND ')}
       ORDER BY r.year DESC, r.id
       LIMIT @limit`,
    )
    .all(params) as (SearchHit & { text: string })[];
  return {
    mode: 'like',
    terms,
    hits: rows.map(({ text, ...h }) => ({ ...h, snippet: likeSnippet(text ?? '', short, marks, length) })),
  };
}
