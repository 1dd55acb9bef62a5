/**
 * Parsing on worker threads changes nothing a crawl stores: the demo portal crawled with
 * `parseWorkers: 0`, with `parseWorkers: 1`, and with every report sent to a started thread, gives
 * the same documents, reports, cells, frontier and responses.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { crawl, type CrawlContext, type CrawlSummary } from '../../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../../src/crawl/options.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { ParsePool } from '../../src/parse/pool.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { dbContent, pathOf, tempDir } from './helpers.js';

const STATIC = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'flaky', 'robots'];
const FAST: Omit<CrawlOptionsInput, 'snapshotsDir'> = {
  sites: STATIC,
  intervalMs: 0,
  jitterRatio: 0,
  perHostConcurrency: 4,
  fetch: { retryBaseDelayMs: 20, retryMaxDelayMs: 200 },
  browser: { enabled: false },
};

/** What the responses table says about each URL (charset included: it comes from the parse). */
function responses(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare('SELECT url, role, status, charset, sha256, snapshot_path, document_id IS NOT NULL AS has_doc FROM responses ORDER BY url, sha256').all() as {
        url: string;
      }[]
    ).map((r) => ({ ...r, url: pathOf(r.url) }));
  } finally {
    db.close();
  }
}

describe('crawling with parse worker threads', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  const runs: Record<string, { file: string; summary: CrawlSummary }> = {};
  const threadPool = new ParsePool({ workers: 1, startAfterMs: 0 });

  async function run(name: string, options: Partial<CrawlOptionsInput>, parse?: CrawlContext['parse']): Promise<void> {
    const file = join(tmp.dir, `${name}.db`);
    const db = openDatabase(file);
    try {
      const summary = await crawl(
        { db, registry: portal.registry(), ...(parse ? { parse } : {}) },
        { snapshotsDir: defaultSnapshotsDir(file), ...FAST, ...options },
      );
      runs[name] = { file, summary };
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    portal = await startDemoPortal({ sites: STATIC, faults: { flaky: false } });
    await threadPool.ready();
    await run('inline', { parseWorkers: 0 });
    await run('option', { parseWorkers: 1 });
    await run('threads', {}, (bytes, opts) => threadPool.parse(bytes, opts));
  });
  afterAll(async () => {
    await threadPool.close();
    await portal?.close();
    tmp.cleanup();
  });

  it('stores the same reports with parseWorkers 1 as with parseWorkers 0', () => {
    const inline = runs['inline']!;
    const option = runs['option']!;
    expect(inline.summary.totals.reportsNew).toBe(30);
    expect(inline.summary.parse).toMatchObject({ workers: 0, threaded: 0 });
    expect(option.summary.parse.workers).toBe(1);
    expect(option.summary.parse.failure).toBeNull();
    // Every document parsed went somewhere: the thread once it was up, the main thread before.
    expect(option.summary.parse.threaded + option.summary.parse.inline).toBe(inline.summary.parse.inline);
    expect(option.summary.totals).toEqual(inline.summary.totals);
    expect(dbContent(option.file)).toEqual(dbContent(inline.file));
    expect(responses(option.file)).toEqual(responses(inline.file));
  });

  it('stores the same reports when every one of them is parsed on a worker thread', () => {
    const inline = runs['inline']!;
    const threads = runs['threads']!;
    const st = threadPool.stats();
    expect(st.inline).toBe(0);
    expect(st.threaded).toBe(inline.summary.parse.inline);
    expect(st.threaded).toBeGreaterThanOrEqual(30);
    expect(threads.summary.totals).toEqual(inline.summary.totals);
    const a = dbContent(threads.file);
    const b = dbContent(inline.file);
    expect((a['cells'] as unknown[]).length).toBeGreaterThan(1000);
    expect(a).toEqual(b);
    expect(responses(threads.file)).toEqual(responses(inline.file));
  });

  it('a second crawl with parseWorkers 1 fetches nothing new and starts no thread', async () => {
    const file = runs['option']!.file;
    const db = openDatabase(file);
    try {
      const again = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(file), ...FAST, parseWorkers: 1 });
      expect(again.totals.reportsNew).toBe(0);
      expect(again.parse).toMatchObject({ workers: 1, threaded: 0, inline: 0 });
    } finally {
      db.close();
    }
  });
});
