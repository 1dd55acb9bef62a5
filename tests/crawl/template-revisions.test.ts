/**
 * Page-template changes, end to end on real HTTP (127.0.0.1) with a real SQLite file: round 1
 * stores six reports of one site; before round 2 the portal adds the same notice sentence to every
 * page (its template changed), and in two of them the agency also changed something: one table
 * cell (2019), one sentence (2021). Round 2 marks the notice as the template's on all six
 * revisions; the four that changed nothing else are template-only, without a `report.revised`
 * finding, left out of `nianbao changes` (and counted) unless `--include-template`, out of
 * `nianbao check`'s revised list, labelled on the explorer's Changes page and out of the feed; the
 * two real ones keep their finding. A second portal where only two pages get the same new sentence
 * (below the threshold) keeps both as revisions.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlSummary } from '../../src/crawl/crawler.js';
import { formatCrawlSummary } from '../../src/crawl/summary.js';
import { createExplorer, type Explorer } from '../../src/explorer/server.js';
import { parseReport } from '../../src/parse/report.js';
import { markTemplateRevisions } from '../../src/store/template-marks.js';
import { ensureBuilt, replaceOnce, runBin, tempDir } from './helpers.js';
import { corpus, NOTICE, twoRounds, withNotice } from './template-helpers.js';

interface RevisionRow {
  id: number;
  old_report_id: number;
  new_report_id: number;
  cells_changed: number;
  template_only: number;
}

describe('page-template changes among a crawl revisions (crawl → db → changes → check → explorer)', () => {
  const tmp = tempDir();
  const dbFile = join(tmp.dir, 'template.db');
  const YEARS = ['2016', '2017', '2019', '2021', '2023', '2025'] as const;
  const TEMPLATE_ONLY = ['2016', '2017', '2023', '2025'];
  const REAL_OLD = '全年主动公开我区各级单位政府信息2645条，';
  let db: Database.Database;
  let origin = '';
  let round2: CrawlSummary;
  let close: () => Promise<void>;
  let cell: { table: string; row: string; col: string; old: number; now: number };

  const revisionAt = (year: string): RevisionRow =>
    db
      .prepare(
        `SELECT v.id, v.old_report_id, v.new_report_id, v.cells_changed, v.template_only FROM revisions v
         JOIN reports r ON r.id = v.new_report_id JOIN documents d ON d.id = r.document_id WHERE d.url = ?`,
      )
      .get(`${origin}/nb/${year}.html`) as RevisionRow;
  const revisedFinding = (r: RevisionRow): string | undefined =>
    db
      .prepare("SELECT message FROM findings WHERE rule = 'report.revised' AND report_id = ? AND other_report_id = ?")
      .pluck()
      .get(r.new_report_id, r.old_report_id) as string | undefined;

  beforeAll(async () => {
    // One numeric cell of 2019 that occurs once in its page: the agency's correction.
    const b1 = corpus('fujian-pingtan-2019.html');
    const c = (await parseReport(Buffer.from(b1, 'utf8'), { fileName: 'b.html' })).cells.find(
      (x) => x.value !== null && /^\d{2,4}$/.test(x.raw) && b1.split(`>${x.raw}<`).length === 2,
    );
    if (!c || c.value === null) throw new Error('no unique numeric cell in fujian-pingtan-2019.html');
    cell = { table: c.table, row: c.row, col: c.col, old: c.value, now: c.value + 7 };
    const r = await twoRounds(dbFile, YEARS, (year, page) => {
      let out = withNotice(page);
      if (year === '2019') out = replaceOnce(out, `>${c.raw}<`, `>${cell.now}<`);
      if (year === '2021') out = replaceOnce(out, '政府信息2645条', '政府信息2745条');
      return out;
    });
    ({ db, origin, second: round2, close } = r);
    expect(r.first.totals.reportsNew).toBe(6);
  }, 180_000);

  afterAll(async () => {
    db?.close();
    await close?.();
    tmp.cleanup();
  });

  it('marks the notice as the template on every revision; the four without another change are template-only', () => {
    expect(round2.totals.reportsRevised).toBe(6);
    expect(round2.templateOnlyRevisions).toBe(4);
    expect(formatCrawlSummary(round2)).toContain("6 revised (4 of them only the site's page template, not listed as revised)");
    for (const y of TEMPLATE_ONLY) expect(revisionAt(y).template_only, y).toBe(1);
    for (const y of ['2019', '2021']) expect(revisionAt(y).template_only, y).toBe(0);
    const notices = db.prepare('SELECT change, template FROM revision_sentences WHERE new_text = ?').all(NOTICE);
    expect(notices).toEqual(Array.from({ length: 6 }, () => ({ change: 'added', template: 1 })));
    // The agency's own sentence change is not the template's.
    const real = db
      .prepare('SELECT change, old_text, template FROM revision_sentences WHERE revision_id = ? AND new_text <> ?')
      .all(revisionAt('2021').id, NOTICE) as {
      change: string;
      old_text: string;
      template: number;
    }[];
    expect(real).toHaveLength(1);
    expect(real[0]!).toMatchObject({ change: 'changed', template: 0 });
    expect(real[0]!.old_text).toContain(REAL_OLD);
    expect(
      db.prepare('SELECT table_name, row_key, col_key, old_value, new_value FROM revision_cells WHERE revision_id = ?').all(revisionAt('2019').id),
    ).toEqual([{ table_name: cell.table, row_key: cell.row, col_key: cell.col, old_value: cell.old, new_value: cell.now }]);
  });

  it('template-only revisions give no report.revised finding; the real ones keep theirs, saying which sentence was the template', () => {
    for (const y of TEMPLATE_ONLY) expect(revisedFinding(revisionAt(y)), y).toBeUndefined();
    expect(db.prepare("SELECT count(*) FROM findings WHERE rule = 'report.revised'").pluck().get()).toBe(2);
    const cellMessage = revisedFinding(revisionAt('2019'))!;
    expect(cellMessage).toContain(`1 value(s) differ from report #${revisionAt('2019').old_report_id}`);
    expect(cellMessage).toContain("1 sentence change(s) of them the site's page template");
    expect(revisedFinding(revisionAt('2021'))).toContain('text changed from report');
    // Marking the run again changes nothing.
    const before = db.prepare('SELECT id, message FROM findings ORDER BY id').all();
    markTemplateRevisions(db, round2.runId);
    expect(db.prepare('SELECT id, message FROM findings ORDER BY id').all()).toEqual(before);
  });

  it('nianbao changes leaves template-only revisions out and says so; --include-template lists them; --json counts them', async () => {
    ensureBuilt();
    const text = await runBin(['changes', '--db', dbFile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('2 change(s): 2 revised, 0 vanished\n');
    expect(text.stdout).toContain("4 template-only revision(s) not listed: their only change is the site's page template");
    expect(text.stdout).toContain(`report ${revisionAt('2019').new_report_id} (was `);
    expect(text.stdout).toContain(`report ${revisionAt('2021').new_report_id} (was `);
    expect(text.stdout).not.toContain(`report ${revisionAt('2023').new_report_id} (was `);
    expect(text.stdout).toContain(`    + ${NOTICE}  [page template]\n`);
    const all = await runBin(['changes', '--db', dbFile, '--include-template']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('6 change(s): 6 revised, 0 vanished\n');
    expect(all.stdout).not.toContain('not listed');
    expect(all.stdout.split('page template only: 1 sentence added')).toHaveLength(5);
    const json = await runBin(['changes', '--db', dbFile, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { change: string; template_only?: number; sentences?: { new_text: string | null; template: number }[] });
    expect(lines.map((l) => l.change)).toEqual(['revised', 'revised']);
    expect(json.stderr).toContain('nianbao changes: 4 template-only revision(s) not listed: ');
    expect(lines.slice(0, 2).every((l) => l.template_only === 0)).toBe(true);
    expect(lines[0]!.sentences!.find((s) => s.new_text === NOTICE)?.template).toBe(1);
  });

  it('nianbao check lists only the real revisions, and counts the template-only ones', async () => {
    const check = await runBin(['check', '--db', dbFile]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('revised or vanished since stored (nianbao changes) (2):');
    expect(check.stdout).toContain('(4 template-only revision(s) not listed:');
  });

  describe('explorer', () => {
    let ex: Explorer;
    const get = async (path: string): Promise<string> => (await ex.app.request(`http://127.0.0.1${path}`, { headers: { host: '127.0.0.1' } })).text();
    beforeAll(() => {
      ex = createExplorer({ dbFile, port: 0 });
    });
    afterAll(() => ex?.close());

    it('the Changes page leaves them out with a count, labels them when asked, and the feed has only the real ones', async () => {
      const page = await get('/changes');
      expect(page).toContain('<h2 id="list">2 change(s)</h2>');
      expect(page).toContain('4 template-only revision(s) not listed');
      const all = await get('/changes?template=1');
      expect(all).toContain('<h2 id="list">6 change(s)</h2>');
      expect(all.split('>page template</span>').length - 1).toBeGreaterThanOrEqual(4);
      expect(await get(`/report/${revisionAt('2023').new_report_id}`)).toContain('Page template change, not a revision');
      const feed = await get('/feed.xml?kind=revised');
      expect(feed.split('<entry>').length - 1).toBe(2);
    });
  });
});

describe('the same sentence change in only two revisions of a site', () => {
  const tmp = tempDir();
  const dbFile = join(tmp.dir, 'two.db');
  let db: Database.Database;
  let close: () => Promise<void>;

  afterAll(async () => {
    db?.close();
    await close?.();
    tmp.cleanup();
  });

  it('stays two revisions, each with its report.revised finding', async () => {
    const r = await twoRounds(dbFile, ['2023', '2025'], (_year, page) => withNotice(page));
    ({ db, close } = r);
    expect(r.second.totals.reportsRevised).toBe(2);
    expect(r.second.templateOnlyRevisions).toBe(0);
    expect(db.prepare('SELECT template_only FROM revisions').pluck().all()).toEqual([0, 0]);
    expect(db.prepare('SELECT template FROM revision_sentences').pluck().all()).toEqual([0, 0]);
    expect(db.prepare("SELECT count(*) FROM findings WHERE rule = 'report.revised'").pluck().get()).toBe(2);
    ensureBuilt();
    const text = await runBin(['changes', '--db', dbFile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('2 change(s): 2 revised, 0 vanished\n');
    expect(text.stdout).not.toContain('template');
  }, 180_000);
});
