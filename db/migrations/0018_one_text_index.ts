/**
 * Migration 18: one search index instead of two. The bigram index `reports_bigram` (migration 17)
 * already finds the reports holding every two-character piece of a term; a longer term is then
 * confirmed in `report_text` among those reports only (text-match.ts), which answers what the
 * trigram `reports_fts` answered — exact substrings, phrases — from one index. Building both at
 * the end of every writing run cost more than storing the reports themselves; the trigram index
 * was the larger part, so it goes. `report_text`, `reports_bigram` and `text_index_pending` are
 * unchanged (nothing to rebuild). The published copy keeps a full-text table of its own for
 * sqlite-utils and Datasette (`reports_search`, src/publish/sqlite-copy.ts).
 */
export const version = 18;
export const name = 'one_text_index';

export const sql = /* sql */ `
DROP TABLE IF EXISTS reports_fts;
`;
