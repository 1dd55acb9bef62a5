/** Test helper: the real corpus pages under snapshots/corpus (UTF-8 originals). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = join(import.meta.dirname, '..', '..', 'snapshots', 'corpus');

export interface CorpusFile {
  name: string;
  text: string;
}

function load(filter: (name: string) => boolean): CorpusFile[] {
  return readdirSync(CORPUS_DIR)
    .filter(filter)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(CORPUS_DIR, name), 'utf8') }));
}

/** Every `*.html` page of the corpus. */
export const corpusPages = (): CorpusFile[] => load((n) => n.endsWith('.html'));
/** Every plain-text document of the corpus (`*.pipe.txt` and stored `*.txt` copies). */
export const corpusTexts = (): CorpusFile[] => load((n) => n.endsWith('.txt'));

/** The `<meta charset="utf-8" …>` every corpus page starts with. */
export const META_UTF8 = '<meta charset="utf-8"';

/** Rewrites the page's meta charset (or removes the charset attribute when `charset` is null). */
export function withMeta(page: string, charset: string | null): string {
  if (!page.includes(META_UTF8)) throw new Error('corpus page without <meta charset="utf-8">');
  return page.replace(META_UTF8, charset === null ? '<meta' : `<meta charset="${charset}"`);
}

/** Replaces the meta charset with the http-equiv form `<meta http-equiv="Content-Type" content="text/html; charset=…">`. */
export function withHttpEquiv(page: string, charset: string): string {
  return withMeta(page, null).replace('<head>', `<head>\n<meta http-equiv="Content-Type" content="text/html; charset=${charset}">`);
}
