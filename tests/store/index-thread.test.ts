/**
 * The index thread (store/index-thread.ts): an ingest of real report pages builds its search index
 * beside the run, the same index (term by term) and the same search answers as the pass at the
 * end builds without it, and so does a reparse of all of them; pieces the thread read are never stored for a text written again
 * afterwards, by the run itself or by another connection; a thread that cannot start leaves the
 * whole index to the pass.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths, reparseStored } from '../../src/ingest/index.js';
import { INDEX_THREAD_MIN_REPORTS } from '../../src/ingest/index-pass.js';
import { openDatabase } from '../../src/store/db.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { IndexThread } from '../../src/store/index-thread.js';
import { searchReports } from '../../src/store/search.js';
import { indexPending, TextWriter } from '../../src/store/text-index.js';
import { CORPUS, corpusDocuments, tempDir } from './helpers.js';

const COPIES = 96;
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const input = join(tmp.dir, 'pages');

/** Every term of the bigram index with the reports holding it, in one string per term. */
function vocabulary(file: string): string[] {
  const db = new Database(file);
  try {
    db.exec("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, 'reports_bigram', 'instance')");
    const rows = db.prepare('SELECT term, group_concat(doc) AS docs FROM (SELECT term, doc FROM temp.vocab ORDER BY term, doc) GROUP BY term').all() as {
      term: string;
      docs: string;
    }[];
    return rows.map((r) => `${r.term}:${r.docs}`);
  } finally {
    db.close();
  }
}

const hits = (db: Database.Database, term: string): number[] =>
  searchReports(db, term, { all: true, limit: 10_000 })
    .hits.map((h) => h.reportId)
    .sort((a, b) => a - b);

/** Each report's text is indexed xor pending (as the pass leaves it). */
function expectIndexedXorPending(db: Database.Database): void {
  const wrong = db
    .prepare(
      `SELECT count(*) FROM report_text t
       WHERE (t.report_id IN (SELECT report_id FROM text_index_pending)) = (t.report_id IN (SELECT rowid FROM reports_bigram))`,
    )
    .pluck()
    .get();
  expect(wrong).toBe(0);
}

async function ingestInto(file: string, indexThread: boolean, batch = 16) {
  const db = openDatabase(file);
  try {
    return await ingestPaths(db, [input], { snapshotsDir: `${file}.snapshots`, indexThread, batch });
  } finally {
    db.close();
  }
}

beforeAll(() => {
  // Distinct documents: the corpus's HTML report pages, each copy with its own marker.
  mkdirSync(input);
  const pages = corpusDocuments().filter((d) => d.file.endsWith('.html') && d.expected.format !== 'unknown');
  for (let i = 0; i < COPIES; i++) {
    const page = pages[i % pages.length]!;
    writeFileSync(join(input, `${String(i).padStart(4, '0')}-${page.file}`), `${readFileSync(join(CORPUS, page.file), 'utf8')}\n<!-- copy ${i} -->\n`);
  }
  expect(COPIES).toBeGreaterThanOrEqual(INDEX_THREAD_MIN_REPORTS);
});

describe('an ingest with its index thread', () => {
  it('indexes beside the run: the same index and the same answers as the pass alone', async () => {
    const withThread = join(tmp.dir, 'thread.db');
    const passOnly = join(tmp.dir, 'pass.db');
    const a = await ingestInto(withThread, true);
    const b = await ingestInto(passOnly, false);
    expect(a.new).toBe(COPIES);
    expect(a.indexed).toBe(a.ok + a.partial);
    expect(a.indexedByThread).toBeGreaterThan(0);
    expect(a.indexPending).toBe(0);
    expect(b.indexedByThread).toBe(0);
    expect(b.indexed).toBe(a.indexed);

    const vocab = vocabulary(withThread);
    expect(vocab.length).toBeGreaterThan(1000);
    expect(vocab).toEqual(vocabulary(passOnly));
    const x = openDatabase(withThread, { readonly: true });
    const y = openDatabase(passOnly, { readonly: true });
    try {
      expectIndexedXorPending(x);
      for (const term of ['收费', '复议', '费', '政府信息公开', '行政复议数', '依申请公开']) expect(hits(x, term), term).toEqual(hits(y, term));
      // The writer's autocheckpoint is back once the thread is gone.
      expect(x.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      x.close();
      y.close();
    }

    // A reparse of every report replaces each text (taking the old one out of the index) and
    // indexes the new ones on its thread: the same index again.
    const db = openDatabase(withThread);
    try {
      const r = await reparseStored(db, { snapshotsDir: `${withThread}.snapshots`, all: true, batch: 16 });
      expect(r.updated).toBe(COPIES);
      expect(r.indexedByThread).toBeGreaterThan(0);
      expect(r.indexPending).toBe(0);
      expectIndexedXorPending(db);
    } finally {
      db.close();
    }
    expect(vocabulary(withThread)).toEqual(vocabulary(passOnly));
  }, 180_000);
});

describe('pieces read before a text was written again', () => {
  let file: string;
  let reportId: number;
  let otherReportId: number;
  const text = (word: string) => ({ title: '测试报告', agency: '测试机关', text: `本年度${word}的情况。` });

  beforeAll(async () => {
    file = join(tmp.dir, 'rewrite.db');
    await ingestInto(file, false);
    const db = new Database(file, { readonly: true });
    reportId = db.prepare('SELECT min(report_id) FROM report_text').pluck().get() as number;
    otherReportId = db.prepare('SELECT max(report_id) FROM report_text').pluck().get() as number;
    db.close();
  }, 120_000);

  /** A writer connection with an index thread and a group commit that tells it. */
  function writer() {
    const db = openDatabase(file);
    const thread = IndexThread.start(db);
    expect(thread).not.toBeNull();
    const group = new GroupCommit(db, 100, 60_000, thread);
    const texts = new TextWriter(db);
    const write = (word: string, id = reportId): void => void group.run(() => texts.replace(id, text(word), (run) => run()));
    return { db, thread: thread!, group, write };
  }

  it('keeps the later text when the run itself wrote it again', async () => {
    const { db, thread, group, write } = writer();
    try {
      write('甲乙丙丁');
      group.commit();
      expect(await thread.caughtUp()).toBe(true); // the thread has read 甲乙丙丁
      write('戊己庚辛'); // … and its pieces arrive after this write: dropped
      group.commit();
      const stats = await thread.finish();
      expect(stats.dropped).toBeGreaterThanOrEqual(1);
      expect(stats.indexed).toBeGreaterThanOrEqual(1); // 戊己庚辛, read after its commit
      expect(db.prepare('SELECT count(*) FROM text_index_pending WHERE report_id = ?').pluck().get(reportId)).toBe(0);
      expect(hits(db, '乙丙')).toEqual([]);
      expect(hits(db, '己庚')).toEqual([reportId]);
      expectIndexedXorPending(db);
    } finally {
      await thread.close();
      db.close();
    }
  }, 60_000);

  it('drops what it read once another connection has written', async () => {
    const { db, thread, group, write } = writer();
    const other = openDatabase(file);
    try {
      write('子丑寅卯');
      group.commit();
      expect(await thread.caughtUp()).toBe(true); // the thread has read 子丑寅卯
      // Another process writes the same report's text (and marks it pending) meanwhile.
      const otherGroup = new GroupCommit(other, 1);
      const otherTexts = new TextWriter(other);
      otherGroup.run(() => otherTexts.replace(reportId, text('辰巳午未'), (run) => run()));
      write('壬癸', otherReportId); // the run goes on with another report: the reads of 子丑寅卯 are stale, dropped
      group.commit();
      const stats = await thread.finish();
      expect(stats.dropped).toBeGreaterThanOrEqual(1);
      expect(db.prepare('SELECT count(*) FROM text_index_pending WHERE report_id = ?').pluck().get(reportId)).toBe(1);
      expect(indexPending(db).indexed).toBe(1); // the run's pass indexes the other connection's text
      expect(hits(db, '丑寅')).toEqual([]);
      expect(hits(db, '巳午')).toEqual([reportId]);
      expect(hits(db, '壬癸')).toEqual([otherReportId]);
      expectIndexedXorPending(db);
    } finally {
      await thread.close();
      other.close();
      db.close();
    }
  }, 60_000);
});

describe('a thread that fails', () => {
  it('leaves the whole index to the pass at the end', async () => {
    const file = join(tmp.dir, 'moved.db');
    const db = openDatabase(file);
    try {
      // The file is renamed under the open connection: the thread cannot open it by its name.
      renameSync(file, join(tmp.dir, 'moved-away.db'));
      const s = await ingestPaths(db, [input], { snapshotsDir: join(tmp.dir, 'moved.snapshots'), batch: 16 });
      expect(s.new).toBe(COPIES);
      expect(s.indexedByThread).toBe(0);
      expect(s.indexed).toBe(s.ok + s.partial);
      expect(s.indexPending).toBe(0);
      expectIndexedXorPending(db);
      expect(hits(db, '复议').length).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 120_000);
});
