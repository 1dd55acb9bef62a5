/**
 * Revisions of a report's text, end to end on real HTTP (127.0.0.1) with a real SQLite file: round
 * 1 stores three reports; before round 2 the server rewrites the prose of the first (one number in
 * a sentence changed, a sentence replaced by an unrelated, hostile one — markup and terminal escapes —, no
 * table cell changed), changes only spacing, line breaks and punctuation width in the second, and
 * changes one cell and one sentence of the third, and publishes the fourth again at another URL of
 * the same host with one number of its text changed. Round 2 keeps both versions of the first, the
 * third and the fourth with a revision carrying the sentences (and the cell), records nothing for
 * the second;
 * `nianbao changes` (text and JSON), the explorer's pages and the Atom feed show the sentences,
 * escaped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import { createExplorer, type Explorer } from '../../src/explorer/server.js';
import { parseReport } from '../../src/parse/report.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, ensureBuilt, replaceOnce, runBin, tempDir, testSiteRegistry, trsListPage } from './helpers.js';

const corpus = (name: string): string => readFileSync(join(ROOT, 'snapshots', 'corpus', name), 'utf8');

const LIST = trsListPage;

// The sentences of fujian-pingtan-2021.html that round 2 changes (as the parser reads them).
const CHANGED_OLD = '全年主动公开我区各级单位政府信息2645条，主要通过政府网站、政务新媒体、办公场所的LED屏及宣传栏、《平潭时报》、电视广播等媒介进行公开。';
const CHANGED_NEW = CHANGED_OLD.replace('2645', '2745');
const REMOVED = '2021年，无收取信息处理费情况。';
/** Markup and a terminal title sequence, as a page can hold them (entities in the HTML). */
const ADDED_HTML = '本报告于2022年3月1日更正&lt;img src=x onerror=alert(1)&gt;&#27;]0;pwned&#7;。';
const ADDED = '本报告于2022年3月1日更正<img src=x onerror=alert(1)>\u001b]0;pwned\u0007。';

describe('revisions of the report text (crawl → db → changes → explorer → feed)', () => {
  const tmp = tempDir();
  const dbFile = join(tmp.dir, 'text.db');
  const files = new Map<string, string>();
  let server: http.Server;
  let db: Database.Database;
  let origin = '';
  let round2: CrawlSummary;
  let cell: { table: string; row: string; col: string; old: number; now: number };
  const TITLES = {
    t: '测试县2021年度政府信息公开工作年度报告',
    w: '测试县2023年度政府信息公开工作年度报告',
    b: '测试县2019年度政府信息公开工作年度报告',
    e: '测试县2025年度政府信息公开工作年度报告',
  };
  const reportOf = (path: string): number[] =>
    db.prepare('SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.url = ? ORDER BY r.id').pluck().all(`${origin}${path}`) as number[];
  const revisionOf = (newReportId: number) =>
    db.prepare('SELECT * FROM revisions WHERE new_report_id = ?').get(newReportId) as
      | {
          id: number;
          kind: string;
          old_report_id: number;
          cells_changed: number;
          sentences_changed: number;
          sentences_added: number;
          sentences_removed: number;
        }
      | undefined;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = files.get(path);
      if (body === undefined) return void res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>404</body></html>');
      const buf = Buffer.from(body, 'utf8');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': buf.length }).end(buf);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registry = testSiteRegistry(origin);
    files.set(
      '/nb/index.html',
      LIST([
        ['/nb/t.html', TITLES.t],
        ['/nb/w.html', TITLES.w],
        ['/nb/b.html', TITLES.b],
        ['/nb/e.html', TITLES.e],
      ]),
    );
    files.set('/index.html', '<html><head><meta charset="utf-8"><title>测试县人民政府</title></head><body><h1>测试县人民政府门户网站</h1></body></html>');
    const t1 = corpus('fujian-pingtan-2021.html');
    const w1 = corpus('fujian-pingtan-2023.html');
    const b1 = corpus('fujian-pingtan-2019.html');
    files.set('/nb/t.html', t1);
    files.set('/nb/w.html', w1);
    files.set('/nb/b.html', b1);
    const e1 = corpus('fujian-pingtan-2025.html');
    files.set('/nb/e.html', e1);
    db = openDatabase(dbFile);
    const run = () => crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false }, revisitAfterHours: 0 });
    expect((await run()).totals.reportsNew).toBe(4);

    // Text only: a number in a sentence, a sentence removed, one added.
    let t2 = replaceOnce(t1, '政府信息2645条', '政府信息2745条');
    t2 = replaceOnce(t2, `<font>${REMOVED}</font>`, `<font>${ADDED_HTML}</font>`);
    files.set('/nb/t.html', t2);
    // Spacing, line breaks and punctuation width only.
    let w2 = replaceOnce(w1, '坚持应公开尽公开,', '坚持应公开尽公开，');
    w2 = replaceOnce(w2, '（一）主动公开方面', '(一) 主动公开方面');
    w2 = replaceOnce(w2, '进一步规范信息发布全流程，', '进一步规范信息发布全流程,<br>\n   ');
    files.set('/nb/w.html', w2);
    // One cell and one sentence.
    const parsed = await parseReport(Buffer.from(b1, 'utf8'), { fileName: 'b.html' });
    const c = parsed.cells.find((x) => x.value !== null && /^\d{2,4}$/.test(x.raw) && b1.split(`>${x.raw}<`).length === 2);
    if (!c || c.value === null) throw new Error('no unique numeric cell in fujian-pingtan-2019.html');
    cell = { table: c.table, row: c.row, col: c.col, old: c.value, now: c.value + 7 };
    let b2 = replaceOnce(b1, `>${c.raw}<`, `>${cell.now}<`);
    b2 = replaceOnce(b2, '</span>2599条，', '</span>2699条，');
    files.set('/nb/b.html', b2);
    // The same agency and year published again at another URL of the same host, one number of its text changed.
    files.set('/nb/e2.html', replaceOnce(e1, '7700余条', '7800余条'));
    files.set(
      '/nb/index.html',
      LIST([
        ['/nb/t.html', TITLES.t],
        ['/nb/w.html', TITLES.w],
        ['/nb/b.html', TITLES.b],
        ['/nb/e.html', TITLES.e],
        ['/nb/e2.html', TITLES.e],
      ]),
    );
    round2 = await run();
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('keeps both versions of a report whose text alone changed and records the revision with its sentences', () => {
    const [t1, t2] = reportOf('/nb/t.html');
    expect(reportOf('/nb/t.html')).toHaveLength(2);
    expect(db.prepare('SELECT is_primary FROM reports WHERE id = ?').pluck().get(t2)).toBe(1);
    expect(revisionOf(t2!)).toMatchObject({
      kind: 'same_url',
      old_report_id: t1,
      cells_changed: 0,
      sentences_changed: 1,
      sentences_added: 1,
      sentences_removed: 1,
    });
    const id = revisionOf(t2!)!.id;
    expect(db.prepare('SELECT change, old_text, new_text FROM revision_sentences WHERE revision_id = ? ORDER BY ord').all(id)).toEqual([
      { change: 'changed', old_text: CHANGED_OLD, new_text: CHANGED_NEW },
      { change: 'removed', old_text: REMOVED, new_text: null },
      { change: 'added', old_text: null, new_text: ADDED },
    ]);
    expect(db.prepare('SELECT count(*) FROM revision_cells WHERE revision_id = ?').pluck().get(id)).toBe(0);
    const f = db.prepare("SELECT message, other_report_id, cells, left_value FROM findings WHERE rule = 'report.revised' AND report_id = ?").get(t2) as {
      message: string;
      other_report_id: number;
      cells: string;
      left_value: number | null;
    };
    expect(f.message).toContain(`text changed from report #${t1}: 1 sentence changed, 1 added, 1 removed; no table cell changed`);
    expect(f).toMatchObject({ other_report_id: t1, cells: '[]', left_value: null });
  });

  it('records nothing for a version whose text differs only in spacing, line breaks and punctuation width', () => {
    expect(reportOf('/nb/w.html')).toHaveLength(1);
    expect(revisionOf(reportOf('/nb/w.html')[0]!)).toBeUndefined();
    // The new bytes are on record all the same (a second response, another sha).
    expect(db.prepare('SELECT count(DISTINCT sha256) FROM responses WHERE url = ?').pluck().get(`${origin}/nb/w.html`)).toBe(2);
  });

  it('records one revision carrying both the changed cell and the changed sentence', () => {
    const [b1, b2] = reportOf('/nb/b.html');
    const rv = revisionOf(b2!);
    expect(rv).toMatchObject({ old_report_id: b1, cells_changed: 1, sentences_changed: 1, sentences_added: 0, sentences_removed: 0 });
    expect(db.prepare('SELECT table_name, row_key, col_key, old_value, new_value FROM revision_cells WHERE revision_id = ?').all(rv!.id)).toEqual([
      { table_name: cell.table, row_key: cell.row, col_key: cell.col, old_value: cell.old, new_value: cell.now },
    ]);
    const s = db.prepare('SELECT change, old_text, new_text FROM revision_sentences WHERE revision_id = ?').all(rv!.id) as {
      change: string;
      old_text: string;
      new_text: string;
    }[];
    expect(s).toHaveLength(1);
    expect(s[0]!.change).toBe('changed');
    expect(s[0]!.old_text).toContain('2599条');
    expect(s[0]!.new_text).toBe(s[0]!.old_text.replace('2599', '2699'));
    const message = db.prepare("SELECT message FROM findings WHERE rule = 'report.revised' AND report_id = ?").pluck().get(b2) as string;
    expect(message).toContain(`1 value(s) differ from report #${b1}`);
    expect(message).toContain('; text changed: 1 sentence changed');
  });

  it('records the same agency and year republished on the same host with one sentence changed as a text revision', () => {
    const [e] = reportOf('/nb/e.html');
    const [e2] = reportOf('/nb/e2.html');
    const rv = revisionOf(e2!);
    expect(rv).toMatchObject({ kind: 'republished', old_report_id: e, cells_changed: 0, sentences_changed: 1, sentences_added: 0, sentences_removed: 0 });
    const s = db.prepare('SELECT change, old_text, new_text FROM revision_sentences WHERE revision_id = ?').all(rv!.id) as {
      change: string;
      old_text: string;
      new_text: string;
    }[];
    expect(s.map((x) => x.change)).toEqual(['changed']);
    expect(s[0]!.new_text).toBe(s[0]!.old_text.replace('7700余条', '7800余条'));
    expect(db.prepare("SELECT message FROM findings WHERE rule = 'report.revised' AND report_id = ?").pluck().get(e2)).toMatch(
      /the same agency and year published again .*text changed from report #\d+: 1 sentence changed; no table cell changed/,
    );
    expect(round2.totals.reportsRevised).toBe(3);
    expect(db.prepare('SELECT count(*) FROM revisions').pluck().get()).toBe(3);
  });

  it('nianbao changes lists the sentences, terminal-safe, and --json carries them', async () => {
    ensureBuilt();
    const [, t2] = reportOf('/nb/t.html');
    const text = await runBin(['changes', '--db', dbFile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('3 change(s): 3 revised, 0 vanished');
    expect(text.stdout).toContain(`report ${t2} (was `);
    expect(text.stdout).toContain('text only: 1 sentence changed, 1 added, 1 removed');
    expect(text.stdout).toContain(`    ~ ${CHANGED_OLD} → ${CHANGED_NEW}\n`);
    expect(text.stdout).toContain(`    - ${REMOVED}\n`);
    // The escape and bell of the added sentence are shown, not sent.
    expect(text.stdout).toContain('    + 本报告于2022年3月1日更正<img src=x onerror=alert(1)>␛]0;pwned␇。\n');
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).toContain(`1 value(s); text: 1 sentence changed`);
    const json = await runBin(['changes', '--db', dbFile, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            report_id: number;
            what: string;
            cells_changed: number;
            sentences_changed: number;
            sentences_added: number;
            sentences_removed: number;
            values: unknown[];
            sentences: { change: string; old_text: string | null; new_text: string | null }[];
          },
      );
    const t = rows.find((r) => r.report_id === t2)!;
    expect(t).toMatchObject({
      change: 'revised',
      detail: 'same_url',
      what: 'text',
      cells_changed: 0,
      sentences_changed: 1,
      sentences_added: 1,
      sentences_removed: 1,
      values: [],
    });
    // JSON keeps the exact characters.
    expect(t.sentences.map((s) => [s.change, s.old_text, s.new_text])).toEqual([
      ['changed', CHANGED_OLD, CHANGED_NEW],
      ['removed', REMOVED, null],
      ['added', null, ADDED],
    ]);
    const [, b2] = reportOf('/nb/b.html');
    const b = rows.find((r) => r.report_id === b2)!;
    expect(b.what).toBe('values+text');
    expect(b.values).toHaveLength(1);
    expect(b.sentences).toHaveLength(1);
  });

  describe('explorer', () => {
    let ex: Explorer;
    const get = async (path: string): Promise<string> => (await ex.app.request(`http://127.0.0.1${path}`, { headers: { host: '127.0.0.1' } })).text();
    beforeAll(() => {
      ex = createExplorer({ dbFile, port: 0 });
    });
    afterAll(() => ex?.close());

    it('the Changes page and the report page show the sentences old → new, escaped', async () => {
      const [, t2] = reportOf('/nb/t.html');
      for (const p of [await get('/changes'), await get(`/report/${t2}`)]) {
        expect(p).toContain(`<del>${CHANGED_OLD}</del> → <ins>${CHANGED_NEW}</ins>`);
        expect(p).toContain('本报告于2022年3月1日更正&lt;img src=x onerror=alert(1)&gt;');
        expect(p).not.toContain('<img src=x');
      }
      expect(await get('/changes')).toContain('text only: 1 sentence changed, 1 added, 1 removed');
      const report = await get(`/report/${t2}`);
      expect(report).toContain('No table cell changed.');
      expect(report).toContain(`<del>${REMOVED}</del>`);
    });

    it('the Atom feed entry says the text changed and quotes the sentences', async () => {
      const xml = await get('/feed.xml?kind=revised');
      expect(xml).toContain('text changed (1 sentence changed, 1 added, 1 removed), no table cell changed');
      expect(xml).toContain(`~ ${CHANGED_OLD} → ${CHANGED_NEW}`);
      expect(xml).toContain('&lt;img src=x onerror=alert(1)&gt;]0;pwned');
      expect(xml).not.toContain('\u001b');
      expect(xml).toContain('1 value(s) changed, text changed (1 sentence changed)');
    });
  });
});
