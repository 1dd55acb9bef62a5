/**
 * The engine as shipped: benchmarks load the compiled modules in dist/ (what `nianbao` runs;
 * `npm run bench` builds them first), typed by their sources. Running the sources through tsx
 * instead measures tsx's transform cache too: a 1,000-page crawl peaked at 248–280 MB RSS under
 * tsx, 213 MB compiled.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function distUrl(path: string): string {
  const url = new URL(`../dist/${path}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` first (npm run bench does)`);
  return url.href;
}

export const crawler = (await import(distUrl('src/crawl/crawler.js'))) as typeof import('../src/crawl/crawler.js');
export const demoPortal = (await import(distUrl('src/demo/portal.js'))) as typeof import('../src/demo/portal.js');
export const registry = (await import(distUrl('src/sites/registry.js'))) as typeof import('../src/sites/registry.js');
export const store = (await import(distUrl('src/store/db.js'))) as typeof import('../src/store/db.js');
export const snapshots = (await import(distUrl('src/store/snapshots.js'))) as typeof import('../src/store/snapshots.js');
export const parse = (await import(distUrl('src/parse/report.js'))) as typeof import('../src/parse/report.js');
export const bigrams = (await import(distUrl('src/store/bigrams.js'))) as typeof import('../src/store/bigrams.js');
export const searchLib = (await import(distUrl('src/store/search.js'))) as typeof import('../src/store/search.js');
export const htmlStream = (await import(distUrl('parsers/html/stream.js'))) as typeof import('../parsers/html/stream.js');
export const reportParser = (await import(distUrl('parsers/report.js'))) as typeof import('../parsers/report.js');

/** The compiled module's path, for a child process that runs it without tsx. */
export const distPath = (path: string): string => fileURLToPath(distUrl(path));
export const publishLib = (await import(distUrl('src/publish/index.js'))) as typeof import('../src/publish/index.js');
export const ingestLib = (await import(distUrl('src/ingest/index.js'))) as typeof import('../src/ingest/index.js');
