/**
 * A full or failing disk under a running crawl or ingest: the command stops at once with one line
 * (NB_DB_DISK_FULL / NB_DB_IO, the database named, what to do) instead of a stack trace, or of
 * fetching every remaining page only to fail storing it; what was committed stays, the file passes
 * integrity_check, and the next run, with room again, finishes the job.
 *
 * Two real ways to fill the disk: SQLite's own `max_page_count` on the crawl's connection (SQLITE_FULL
 * from the write statements), and for the CLI a file size limit (`ulimit -f`, SIGXFSZ ignored) on
 * the process (the WAL write at a group's commit fails: SQLITE_IOERR_WRITE, from the commit timer
 * too, which used to end the process with an uncaught exception).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import type { Registry } from '../../src/sites/registry.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { BIN, ROOT, tempDir, testSiteRegistry } from '../crawl/helpers.js';

const CORPUS = ['fujian-pingtan-2016.html', 'fujian-pingtan-2017.html', 'fujian-pingtan-2019.html', 'fujian-pingtan-2021.html', 'fujian-pingtan-2023.html'];
const corpus = (name: string): Buffer => readFileSync(join(ROOT, 'snapshots', 'corpus', name));
/** Reports the portal lists: the corpus pages again and again, each copy its own bytes. */
const REPORTS = 30;
const reportPath = (i: number): string => `/nb/r${i}.html`;
const reportBody = (i: number): Buffer => Buffer.concat([corpus(CORPUS[i % CORPUS.length]!), Buffer.from(`<!-- copy ${i} -->`)]);
const LIST = Buffer.from(
  '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
    Array.from(
      { length: REPORTS },
      (_, i) => `<li><a href="${reportPath(i)}">平潭综合实验区${2016 + (i % CORPUS.length)}年度政府信息公开工作年度报告</a><span>2020-01-20</span></li>`,
    ).join('') +
    '</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>',
);

describe('a full disk under a crawl or an ingest', () => {
  const tmp = tempDir('nianbao-disk-full-');
  let origin = '';
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const m = /^\/nb\/r(\d+)\.html$/.exec(path);
    const body = path === '/nb/index.html' ? LIST : m && Number(m[1]) < REPORTS ? reportBody(Number(m[1])) : null;
    if (!body) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length }).end(body);
  });
  let registry: Registry;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registry = testSiteRegistry(origin, { name: 'full' });
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('crawl: stops at the first page it cannot store, says so in one line, and the next crawl finishes the job', async () => {
    const dbFile = join(tmp.dir, 'pages.db');
    const db = openDatabase(dbFile);
    try {
      const opts = { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, perHostConcurrency: 1, browser: { enabled: false } } as const;
      // Room for the run row and the list page, not for the reports.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 4}`);
      requests = 0;
      const failed = crawl({ db, registry }, opts);
      await expect(failed).rejects.toMatchObject({ code: 'NB_DB_DISK_FULL' });
      const err = (await failed.catch((e: unknown) => e)) as Error;
      expect(err.message).toContain(`${dbFile}: the disk is full`);
      expect(err.message).toContain('the next crawl goes on where this one stopped');
      expect(err.message).not.toContain('\n');
      // It stopped: robots.txt, the list, the reports that fitted and the one that did not — not
      // the other twenty-odd reports after it.
      expect(requests).toBeLessThan(12);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

      db.pragma('max_page_count = 1073741823');
      const again = await crawl({ db, registry }, opts);
      expect(again.status).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM documents').pluck().get()).toBe(REPORTS);
      const runs = db.prepare("SELECT status FROM runs WHERE command = 'crawl' ORDER BY id").pluck().all();
      expect(runs).toEqual([expect.stringMatching(/^(failed|interrupted)$/), 'ok']);
    } finally {
      db.close();
    }
  }, 120_000);

  it('ingest: the same one line, and what was committed stays', async () => {
    const dbFile = join(tmp.dir, 'files.db');
    const db = openDatabase(dbFile);
    try {
      const { ingestPaths } = await import('../../src/ingest/ingest.js');
      const dir = join(ROOT, 'snapshots', 'corpus');
      const files = CORPUS.map((f) => join(dir, f));
      await ingestPaths(db, files.slice(0, 1), { snapshotsDir: defaultSnapshotsDir(dbFile), batch: 1 });
      db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 4}`);
      const failed = ingestPaths(db, files.slice(1), { snapshotsDir: defaultSnapshotsDir(dbFile), batch: 1 });
      await expect(failed).rejects.toMatchObject({ code: 'NB_DB_DISK_FULL' });
      await expect(failed).rejects.toThrow(`${dbFile}: the disk is full`);
      expect(db.prepare('SELECT count(*) FROM reports').pluck().get()).toBeGreaterThanOrEqual(1);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 120_000);

  it('CLI crawl: a file size limit fails the WAL write when the commit timer fires between two polite requests — one line, NB_DB_IO, exit 1, no stack trace', async () => {
    const dbFile = join(tmp.dir, 'cli.db');
    const sites = join(tmp.dir, 'sites.json');
    writeFileSync(sites, JSON.stringify(registry));
    // Make the database (migrations) first, with no limit; then crawl under a limit just above its size.
    const make = openDatabase(dbFile);
    make.pragma('wal_checkpoint(TRUNCATE)');
    make.close();
    const blocks = Math.ceil(readFileSync(dbFile).length / 512) + 64; // 32 KiB of room
    const script = `trap '' XFSZ; ulimit -f ${blocks}; exec "${process.execPath}" "${BIN}" crawl --sites "${sites}" --db "${dbFile}" --interval-ms 1200 --progress none`;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', script], {
        cwd: ROOT,
        env: { ...process.env, NIANBAO_DB: '', NIANBAO_CONTACT: 'mailto:test@example.org' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.code).toBe(1);
    const lines = out.stderr.split('\n').filter((l) => l.startsWith('nianbao crawl:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\[NB_DB_(IO|DISK_FULL)\]$/);
    expect(lines[0]).toContain(dbFile);
    expect(out.stderr).not.toContain('    at ');
    const db = openDatabase(dbFile);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const again = await crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false } });
      expect(again.status).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM documents').pluck().get()).toBe(REPORTS);
    } finally {
      db.close();
    }
  }, 120_000);
});
