import { describe, expect, it } from 'vitest';
import { CrawlError } from '../../../src/crawl/errors.js';
import { crawlRouter } from '../../../src/crawl/stages/process.js';
import { LabelRouter } from '../../../src/crawl/stages/router.js';

describe('LabelRouter', () => {
  it('runs the handler registered for a page label, one handler for several labels', async () => {
    const seen: string[] = [];
    const router = new LabelRouter<{ id: number }>()
      .addHandler(['entry', 'list'], async (c) => void seen.push(`list ${c.id}`))
      .addHandler('report', async (c) => void seen.push(`report ${c.id}`));
    await router.route('list', { id: 1 });
    await router.route('report', { id: 2 });
    await router.route('entry', { id: 3 });
    expect(seen).toEqual(['list 1', 'report 2', 'list 3']);
    expect(router.labels().sort()).toEqual(['entry', 'list', 'report']);
  });

  it('refuses a second handler for a label, and a page without handler', async () => {
    const router = new LabelRouter<null>().addHandler('api', async () => undefined);
    expect(() => router.addHandler(['list', 'api'], async () => undefined)).toThrow(/"api" pages is registered already/);
    await expect(router.route('attachment', null)).rejects.toSatisfy((e) => e instanceof CrawlError && e.code === 'NB_CRAWL_INTERNAL');
  });

  it('the crawl registers a handler for every frontier kind', () => {
    expect(crawlRouter().labels().sort()).toEqual(['api', 'attachment', 'entry', 'list', 'report']);
  });
});
