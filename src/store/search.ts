/**
 * `nianbao search`: full-text search over report title, agency and text (text-match.ts): terms with
 * Chinese characters through the bigram index (a term of 3+ characters confirmed in the text, so
 * each term is an exact substring, and FTS syntax in user input is inert), terms without any by
 * LIKE. Several terms must all match. The indexed text is the prose plus a line of the tables' labels
 * (search-text.ts), so a table row's wording finds the report.
 */
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { reportFilterSql } from './filters.js';
import { matchReports, type TextMatchMode } from './text-match.js';

export { likeSnippet } from './text-match.js';

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
  /** Approximate snippet length, in characters. @default 80 */
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
  /**
   * `bigram`: the bigram index answered (hits newest year first); `like`: no term has a Chinese
   * character, a scan; `fts`: the trigram index of a database before schema 17 (ranked).
   */
  mode: TextMatchMode;
  terms: string[];
  hits: SearchHit[];
  /** Reports stored but not yet in the search index, scanned instead (0 normally). */
  pending: number;
}

/** Splits a query into terms (whitespace, including the ideographic space, separates them). */
export function searchTerms(query: string): string[] {
  return query
    .normalize('NFKC')
    .split(/\s+/u)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
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
  const f = reportFilterSql(db, options, 'r');
  const m = matchReports<SearchHit & { report_id: number; year: number | null }>(db, {
    terms,
    select: 'r.id AS report_id, a.name AS agency, r.year, r.title, r.published',
    where: [f.sql, options.all ? '1' : 'r.is_primary = 1'].join(' AND '),
    params: f.params,
    limit,
    marks: options.marks,
    // (Databases before schema 17: a trigram index counts about one token per character; FTS5 allows 64 at most.)
    snippetTokens: options.snippetLength,
    snippetChars: options.snippetLength,
  });
  return {
    mode: m.mode,
    terms,
    pending: m.pending,
    hits: m.rows.map(({ report_id, agency, year, title, published, snippet }) => ({ reportId: report_id, agency, year, title, published, snippet })),
  };
}
