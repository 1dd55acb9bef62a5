/**
 * One page-template change seen over several crawls (a site whose reports are revisited a few at a
 * time, a crawl stopped before its end), a template that rewords a line each page fills with its
 * own date and source, and a platform that hosts several agencies' sites: end to end on real HTTP
 * (127.0.0.1) with real SQLite files (src/store/template-marks.ts, docs/changes.md).
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCrawlSummary } from '../../src/crawl/summary.js';
import { markTemplateRevisions } from '../../src/store/template-marks.js';
import { ensureBuilt, replaceOnce, runBin, tempDir } from './helpers.js';
import { crawlRounds, withNotice } from './template-helpers.js';

describe('one template change seen over several crawls of a site (a few reports revisited at a time)', () => {
  const tmp = tempDir();
  const YEARS = ['2016', '2017', '2019', '2021', '2023', '2025'] as const;
  const opened: { db: Database.Database; close: () => Promise<void> }[] = [];

  afterAll(async () => {
    for (const o of opened) {
      o.db.close();
      await o.close();
    }
    tmp.cleanup();
  });

  const revisions = (db: Database.Database) =>
    db.prepare('SELECT run_id, template_only FROM revisions ORDER BY run_id, id').all() as { run_id: number; template_only: number }[];
  const revisedFindings = (db: Database.Database): number => db.prepare("SELECT count(*) FROM findings WHERE rule = 'report.revised'").pluck().get() as number;

  it('a later crawl that revisits the last two reports marks them template-only: an earlier crawl recognised the change', async () => {
    const r = await crawlRounds(join(tmp.dir, 'later.db'), YEARS, [
      { page: (_y, page) => withNotice(page), revisit: 4 },
      { page: (_y, page) => withNotice(page), revisit: 2 },
    ]);
    opened.push(r);
    const [, second, third] = r.summaries;
    expect(second!.totals.reportsRevised).toBe(4);
    expect(second!.templateOnlyRevisions).toBe(4);
    expect(third!.totals.reportsRevised).toBe(2);
    expect(third!.templateOnlyRevisions).toBe(2);
    expect(revisions(r.db).map((v) => v.template_only)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(revisedFindings(r.db)).toBe(0);
    expect(r.db.prepare('SELECT count(*) FROM revision_sentences WHERE template = 0').pluck().get()).toBe(0);
    // Marking the runs again changes nothing.
    expect(markTemplateRevisions(r.db, third!.runId)).toEqual({ revisions: 2, templateOnly: 2, mixed: 0, otherRunsTemplateOnly: 0 });
  }, 180_000);

  it('an earlier crawl that revisited two reports has them marked template-only once a later crawl recognises the change', async () => {
    const r = await crawlRounds(join(tmp.dir, 'earlier.db'), YEARS, [
      { page: (_y, page) => withNotice(page), revisit: 2 },
      { page: (_y, page) => withNotice(page), revisit: 4 },
    ]);
    opened.push(r);
    const [, second, third] = r.summaries;
    // Two alike revisions in one crawl are not the template's on their own (the threshold is 3).
    expect(second!.templateOnlyRevisions).toBe(0);
    expect(third!.templateOnlyRevisions).toBe(4);
    expect(third!.otherRunsTemplateOnlyRevisions).toBe(2);
    expect(formatCrawlSummary(third!)).toContain(
      "4 revised (4 of them only the site's page template, not listed as revised) (and 2 revision(s) of earlier crawls now recognised",
    );
    expect(revisions(r.db)).toEqual([
      { run_id: second!.runId, template_only: 1 },
      { run_id: second!.runId, template_only: 1 },
      ...Array.from({ length: 4 }, () => ({ run_id: third!.runId, template_only: 1 })),
    ]);
    expect(revisedFindings(r.db)).toBe(0);
    ensureBuilt();
    const text = await runBin(['changes', '--db', r.dbFile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('6 template-only revision(s) not listed');
  }, 180_000);

  it('a crawl that stopped before marking (killed, found interrupted) has its template changes marked by the next one', async () => {
    const r = await crawlRounds(join(tmp.dir, 'stopped.db'), YEARS, [
      { page: (_y, page) => withNotice(page), stopsBeforeMarking: true },
      { page: (_y, page) => withNotice(page), revisit: 0 },
    ]);
    opened.push(r);
    const [, second, third] = r.summaries;
    expect(second!.totals.reportsRevised).toBe(6);
    expect(third!.totals.reportsRevised).toBe(0);
    expect(third!.otherRunsTemplateOnlyRevisions).toBe(6);
    expect(revisions(r.db)).toEqual(Array.from({ length: 6 }, () => ({ run_id: second!.runId, template_only: 1 })));
    expect(revisedFindings(r.db)).toBe(0);
  }, 180_000);

  it('a template that rewords the line each page prints its own date in is recognised (the dates differ, the change is the same)', async () => {
    const r = await crawlRounds(join(tmp.dir, 'dates.db'), YEARS, [{ page: (_y, page) => replaceOnce(page, '>时间：', '>发布时间：') }]);
    opened.push(r);
    const sentences = r.db.prepare('SELECT change, old_text, new_text, template FROM revision_sentences ORDER BY revision_id').all() as {
      change: string;
      old_text: string;
      new_text: string;
      template: number;
    }[];
    expect(sentences).toHaveLength(6);
    expect(new Set(sentences.map((x) => x.old_text)).size).toBe(6);
    for (const x of sentences) expect(x).toMatchObject({ change: 'changed', template: 1 });
    expect(r.summaries[1]!.templateOnlyRevisions).toBe(6);
    expect(revisedFindings(r.db)).toBe(0);
  }, 180_000);

  it('a change recognised on one site does not mark the same change on another site', async () => {
    const dbFile = join(tmp.dir, 'two-sites.db');
    const a = await crawlRounds(dbFile, ['2016', '2017', '2019', '2021'], [{ page: (_y, page) => withNotice(page) }], ['a']);
    opened.push(a);
    expect(a.summaries[1]!.templateOnlyRevisions).toBe(4);
    // Two revisions with the same notice on a second site of the same database: not the template's there.
    const b = await crawlRounds(dbFile, ['2023', '2025'], [{ page: (_y, page) => withNotice(page) }], ['b']);
    opened.push(b);
    expect(b.summaries[1]!.totals.reportsRevised).toBe(2);
    expect(b.summaries[1]!.templateOnlyRevisions).toBe(0);
    expect(revisedFindings(b.db)).toBe(2);
  }, 180_000);

  it("a platform that hosts several agencies' sites: one template change, one or two revisions a site, recognised by host", async () => {
    const r = await crawlRounds(join(tmp.dir, 'platform.db'), YEARS, [{ page: (_y, page) => withNotice(page) }], ['dept-a', 'dept-b', 'dept-c']);
    opened.push(r);
    expect(r.summaries[0]!.totals.reportsNew).toBe(6);
    expect(r.summaries[0]!.sites.map((s) => s.reportsNew)).toEqual([2, 2, 2]);
    expect(r.summaries[1]!.totals.reportsRevised).toBe(6);
    expect(r.summaries[1]!.templateOnlyRevisions).toBe(6);
    expect(revisedFindings(r.db)).toBe(0);
  }, 180_000);
});
