/**
 * Access to the snapshot files the demo portal serves: the project root, the corpus reports
 * (`snapshots/corpus/<name>.html` + `.expected.json`) and the real portal pages
 * (`snapshots/portals/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding `package.json` and `snapshots/`), from source or dist. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'snapshots'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('nianbao: cannot find the project root (package.json + snapshots/) above src/demo');
}

export interface CorpusDoc {
  /** Base name in `snapshots/corpus/` (e.g. `fujian-pingtan-2023`). */
  name: string;
  title: string;
  /** The report's self-name (null for the 2014 letter). */
  agency: string | null;
  year: number;
  /** ISO date the page was published. */
  published: string | null;
  originalUrl: string;
  /** TRS path parts of the original URL: `202403`, `20240308`, `87885`. */
  month: string;
  day: string;
  docid: string;
  /** The page's HTML. */
  html: string;
}

const cache = new Map<string, CorpusDoc>();

/** Loads a corpus report and its metadata from `snapshots/corpus/`. */
export function corpusDoc(name: string, root = projectRoot()): CorpusDoc {
  const key = `${root}\0${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = join(root, 'snapshots', 'corpus');
  const meta = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as {
    title: string;
    agency: string | null;
    year: number;
    published?: string | null;
    original_url: string;
  };
  const m = /\/(\d{6})\/t(\d{8})_(\d+)\.htm/.exec(meta.original_url);
  if (!m) throw new Error(`corpus ${name}: original_url is not a TRS document URL`);
  const doc: CorpusDoc = {
    name,
    title: meta.title,
    agency: meta.agency,
    year: meta.year,
    published: meta.published ?? null,
    originalUrl: meta.original_url,
    month: m[1]!,
    day: m[2]!,
    docid: m[3]!,
    html: readFileSync(join(dir, `${name}.html`), 'utf8'),
  };
  cache.set(key, doc);
  return doc;
}

/** A file under `snapshots/portals/`. */
export function portalFile(name: string, root = projectRoot()): Buffer {
  return readFileSync(join(root, 'snapshots', 'portals', name));
}

/**
 * The demo's fictional agencies republish real Pingtan reports under their own name: every
 * "平潭综合实验区" / "平潭县" / "平潭" becomes `place`. Tables and numbers are untouched.
 */
export function rewritePlace(text: string, place: string | undefined): string {
  if (!place) return text;
  return text.replaceAll('平潭综合实验区', place).replaceAll('平潭县', place).replaceAll('平潭', place);
}
