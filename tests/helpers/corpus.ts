/** Access to the corpus copy in snapshots/corpus: documents with their expected values. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

export const CORPUS_DIR = join(import.meta.dirname, '..', '..', 'snapshots', 'corpus');

export interface Expected {
  format?: string;
  title?: string;
  agency?: string | null;
  year?: number;
  published?: string | null;
  tables_present?: boolean;
  active?: Record<string, Record<string, number | null>>;
  requests?: Record<string, Record<string, number | null>>;
  appeals?: Record<string, Record<string, number | null>>;
  stats?: { label: string; unit: string | null; value: number | null; cumulative?: number | null }[];
}

export interface CorpusDoc {
  name: string;
  path: string;
  expected: Expected;
}

/** Every corpus document that has an `.expected.json` beside it. */
export function corpusDocs(): CorpusDoc[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => !f.endsWith('.json') && !f.endsWith('.md'))
    .sort()
    .flatMap((f) => {
      const exp = join(CORPUS_DIR, `${basename(f, extname(f))}.expected.json`);
      if (!existsSync(exp)) return [];
      return [{ name: f, path: join(CORPUS_DIR, f), expected: JSON.parse(readFileSync(exp, 'utf8')) as Expected }];
    });
}
