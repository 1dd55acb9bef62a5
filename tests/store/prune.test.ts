/**
 * `nianbao prune` over a real crawl on 127.0.0.1: a list page whose bytes change at every visit (a
 * visit counter, as dynamic list pages have) leaves a response and a blob per crawl. After three
 * crawls, the first two backdated 200 days, pruning with the default 90 days removes the list
 * page's two old versions and their bytes, keeps its latest one, every report response, every
 * document's bytes and the bytes stored recently; a dry run counts the same and changes nothing; a
 * live crawl on the database stops it (NB_RUN_BUSY, exit 75).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { pruneHistory } from '../../src/store/prune.js';
import { SnapshotStore, sha256Hex } from '../../src/store/snapshots.js';
import { ROOT, recordLiveRun, runBin, serveFiles, tempDir, testSiteRegistry } from '../crawl/helpers.js';

const corpus = (name: string): Buffer => readFileSync(join(ROOT, 'snapshots', 'corpus', name));
const PINGTAN = '平潭综合实验区';
const listPage = (visits: number): Buffer =>
  Buffer.from(
    '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
      `<li><a href="/nb/2021/t2021_1.html">${PINGTAN}2021年度政府信息公开工作年度报告</a><span>2022-01-20</span></li>` +
      `<li><a href="/nb/2019/t2019_1.html">${PINGTAN}2019年度政府信息公开工作年度报告</a><span>2020-01-20</span></li>` +
      `<li><a href="/nb/2020/t2020_1.html">${PINGTAN}2020年度政府信息公开工作年度报告</a><span>2021-01-20</span></li>` +
      `</ul><p>访问量：${visits}</p><script>createPageHTML(1, 0, "index", "html");</script></body></html>`,
  );
const FILES: Record<string, { type: string; body: Buffer }> = {
  '/nb/index.html': { type: 'text/html; charset=utf-8', body: listPage(1) },
  '/nb/2021/t2021_1.html': { type: 'text/html; charset=utf-8', body: corpus('fujian-pingtan-2021.html') },
  '/nb/2019/t2019_1.html': { type: 'text/html; charset=utf-8', body: corpus('fujian-pingtan-2019.html') },
  // /nb/2020/t2020_1.html is not served: an error response of a report URL.
};
const DAY = 86_400_000;
const count = (db: Database.Database, sql: string, ...args: unknown[]): number =>
  db
    .prepare(sql)
    .pluck()
    .get(...args) as number;

describe('nianbao prune', () => {
  const tmp = tempDir('nianbao-prune-');
  const dbFile = join(tmp.dir, 'prune.db');
  let server: { origin: string; close: () => Promise<void> };
  let db: Database.Database;
  const listUrl = (): string => `${server.origin}/nb/index.html`;

  beforeAll(async () => {
    server = await serveFiles(FILES);
    const registry = testSiteRegistry(server.origin, { name: 'counter' });
    db = openDatabase(dbFile);
    for (let visit = 1; visit <= 3; visit++) {
      FILES['/nb/index.html']!.body = listPage(visit);
      await crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false } });
    }
    // The first two crawls 200 days ago: their responses, and the bytes first stored then.
    const old = new Date(Date.now() - 200 * DAY).toISOString();
    const lastRun = count(db, "SELECT max(id) FROM runs WHERE command = 'crawl'");
    db.prepare('UPDATE responses SET fetched_at = ?, first_fetched_at = ? WHERE run_id < ?').run(old, old, lastRun);
    db.prepare('UPDATE snapshot_blobs SET stored_at = ? WHERE sha256 IN (SELECT sha256 FROM responses WHERE run_id < ?)').run(old, lastRun);
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await server?.close();
    tmp.cleanup();
  });

  it('has what a nightly job piles up: a response and a blob per version of the list page', () => {
    expect(count(db, "SELECT count(*) FROM responses WHERE url = ? AND role = 'page'", listUrl())).toBe(3);
    expect(count(db, "SELECT count(*) FROM responses WHERE kind = 'report' AND role = 'error'")).toBeGreaterThanOrEqual(1);
    expect(count(db, 'SELECT count(*) FROM reports')).toBe(2);
  });

  it('counts in a dry run what it would remove, and changes nothing', () => {
    const before = count(db, 'SELECT count(*) FROM responses') + count(db, 'SELECT count(*) FROM snapshot_blobs') * 1000;
    const dry = pruneHistory(db, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.responses.removed).toBe(2);
    expect(dry.responses.byKind).toEqual({ entry: 2 });
    expect(dry.snapshots.removed).toBe(2);
    expect(dry.runId).toBeNull();
    expect(count(db, 'SELECT count(*) FROM responses') + count(db, 'SELECT count(*) FROM snapshot_blobs') * 1000).toBe(before);
    expect(count(db, "SELECT count(*) FROM runs WHERE command = 'prune'")).toBe(0);
  });

  it('refuses while a crawl runs on the database, in the library and from the CLI (exit 75)', async () => {
    const other: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      recordLiveRun(db, 'crawl', other.pid!);
      expect(() => pruneHistory(db, {})).toThrow(expect.objectContaining({ code: 'NB_RUN_BUSY' }));
      const out = await runBin(['prune', '--db', dbFile, '--progress', 'none']);
      expect(out.code).toBe(75);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
      expect(out.stderr).toContain(`a crawl is running on this database`);
      expect(out.stderr).toContain('[NB_RUN_BUSY]');
      expect(count(db, 'SELECT count(*) FROM responses WHERE url = ?', listUrl())).toBe(3);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
  });

  it('removes the old versions of the page and their bytes, keeps its latest, the reports and every recent blob', async () => {
    const snaps = new SnapshotStore(defaultSnapshotsDir(dbFile), { db });
    // Bytes stored just now that nothing names (a writer between its two transactions): kept.
    const fresh = Buffer.from('<html>stored a moment ago</html>');
    await snaps.put(fresh, sha256Hex(fresh));
    const latest = db.prepare('SELECT sha256 FROM responses WHERE url = ? ORDER BY fetched_at DESC LIMIT 1').pluck().get(listUrl()) as string;
    const docs = db.prepare('SELECT snapshot_path FROM documents').pluck().all() as string[];
    const reportResponses = count(db, "SELECT count(*) FROM responses WHERE role <> 'page'");

    const out = await runBin(['prune', '--db', dbFile, '--progress', 'none', '--json']);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as { responses: { removed: number }; snapshots: { removed: number; gzBytes: number }; runId: number };
    expect(result.responses.removed).toBe(2);
    expect(result.snapshots.removed).toBe(2);
    expect(result.snapshots.gzBytes).toBeGreaterThan(0);

    expect(db.prepare('SELECT sha256 FROM responses WHERE url = ?').pluck().all(listUrl())).toEqual([latest]);
    expect(count(db, "SELECT count(*) FROM responses WHERE role <> 'page'")).toBe(reportResponses);
    expect(count(db, 'SELECT count(*) FROM reports')).toBe(2);
    for (const p of docs) expect((await snaps.get(p)).length).toBeGreaterThan(0);
    expect(count(db, 'SELECT count(*) FROM snapshot_blobs WHERE sha256 = ?', sha256Hex(fresh))).toBe(1);
    // Every blob left is named by a document or a response, or was stored within the 90 days.
    expect(
      count(
        db,
        'SELECT count(*) FROM snapshot_blobs b WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = b.sha256) AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.sha256 = b.sha256)',
      ),
    ).toBe(1);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare("SELECT status, counts FROM runs WHERE command = 'prune'").get()).toEqual({
      status: 'ok',
      counts: expect.stringContaining('"responsesRemoved":2'),
    });
    // A second prune has nothing left to do.
    const again = pruneHistory(db, {});
    expect([again.responses.removed, again.snapshots.removed]).toEqual([0, 0]);
  });

  it('stops between two transactions when a writer starts, keeping what it removed', () => {
    // Three more old versions of the page, pruned one transaction at a time.
    const old = new Date(Date.now() - 300 * DAY).toISOString();
    const ins = db.prepare(
      "INSERT INTO responses (url, site, kind, role, status, sha256, size, snapshot_path, first_fetched_at, fetched_at) VALUES (?, 'counter', 'entry', 'page', 200, ?, 1, ?, ?, ?)",
    );
    for (let i = 0; i < 3; i++) {
      const sha = sha256Hex(Buffer.from(`old version ${i}`));
      ins.run(listUrl(), sha, `${sha.slice(0, 2)}/${sha}.gz`, old, old);
    }
    const other: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      let started = false;
      const r = pruneHistory(db, { batch: 1 }, (p) => {
        if (p.removed === 1 && !started) {
          started = true;
          recordLiveRun(db, 'ingest', other.pid!);
        }
      });
      expect(r.stopped).toContain('an ingest is running on this database');
      expect(r.responses.removed).toBe(1);
      expect(count(db, 'SELECT count(*) FROM responses WHERE url = ? AND fetched_at = ?', listUrl(), old)).toBe(2);
      expect(db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(r.runId)).toBe('interrupted');
    } finally {
      other.kill('SIGKILL');
    }
  });
});
