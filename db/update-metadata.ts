/**
 * Refreshes the canned queries of `db/metadata.json` (Datasette) from `docs/queries.md`, so the
 * two never drift (a test checks it). The table and column descriptions in metadata.json are
 * edited by hand; a test checks that every table, view and column of the schema is described.
 *   npx tsx db/update-metadata.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Slugs of the questions, in order (Datasette canned-query names). */
export const QUERY_SLUGS = [
  'most_requests',
  'refusal_rates',
  'corrected_in_review_and_court',
  'published_late',
  'tables_that_dont_add_up',
  'requests_year_over_year',
  'applicants',
  'carry_over_mismatches',
  'refusal_grounds',
  'information_processing_fees',
  'missing_reports',
  'every_finding',
];

/** The canned queries parsed from docs/queries.md. */
export function cannedQueries(markdown: string): Record<string, { title: string; description: string; sql: string }> {
  const out: Record<string, { title: string; description: string; sql: string }> = {};
  for (const m of markdown.matchAll(/^## (\d+)\. (.+)\n([\s\S]*?)```sql\n([\s\S]*?)```/gm)) {
    const n = Number(m[1]);
    const slug = QUERY_SLUGS[n - 1] ?? `query_${n}`;
    const description = m[3]!
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    out[slug] = { title: `${n}. ${m[2]!}`, description, sql: m[4]! };
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = join(ROOT, 'db', 'metadata.json');
  const meta = JSON.parse(readFileSync(file, 'utf8')) as { databases: { nianbao: { queries?: unknown } } };
  meta.databases.nianbao.queries = cannedQueries(readFileSync(join(ROOT, 'docs', 'queries.md'), 'utf8'));
  writeFileSync(file, `${JSON.stringify(meta, null, 2)}\n`);
}
