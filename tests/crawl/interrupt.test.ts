/**
 * Deadlines and interruption against a real portal on 127.0.0.1 whose report pages drip one byte
 * at a time: the crawl cuts each at the total deadline (`NB_FETCH_TIMEOUT`, one retry) and
 * finishes; SIGINT to the built CLI (`node bin/nianbao.js crawl`) ends it within 10 s with exit
 * 130, the run closed as `interrupted` and the report in flight still queued, and the next crawl
 * fetches what was left; a second SIGTERM exits at once with 143, the run row not left `running`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { BIN, ROOT, ensureBuilt, runBin, tempDir, testSiteRegistry } from './helpers.js';

const REPORT = readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html'), 'utf8');
const N = 2;
const reportPath = (k: number) => `/nb/20220${k}/t2022020${k}_${k}.html`;

describe('deadlines and interruption', () => {
  const tmp = tempDir('nianbao-interrupt-');
  let server: http.Server;
  let origin: string;
  let registryFile: string;
  /** Report pages drip (1 byte per 200 ms, forever) while true. */
  let drip = true;
  const log: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    ensureBuilt();
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      log.push(path);
      if (path === '/robots.txt') return void res.writeHead(404).end();
      if (path === '/nb/index.html') {
        const li = Array.from(
          { length: N },
          (_, i) => `<li><a href="${reportPath(i + 1)}">测试县${2021 - i}年度政府信息公开工作年度报告</a><span>2022-02-0${i + 1}</span></li>`,
        ).join('');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(
          `<html><head><meta charset="utf-8"></head><body><ul class="list">${li}</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>`,
        );
      }
      const k = Array.from({ length: N }, (_, i) => i + 1).find((i) => reportPath(i) === path);
      if (k === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      if (!drip) return void res.end(REPORT.replace('</body>', `<!-- ${k} --></body>`));
      const t = setInterval(() => res.write(' '), 200);
      timers.add(t);
      res.on('close', () => {
        clearInterval(t);
        timers.delete(t);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registryFile = join(tmp.dir, 'sites.json');
    writeFileSync(registryFile, JSON.stringify(registry(), null, 2));
  }, 240_000);
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  const registry = () => testSiteRegistry(origin, { name: 'drip' });
  const hits = (path: string) => log.filter((p) => p === path).length;

  it('cuts every dripping report at the total deadline, retries it once, records NB_FETCH_TIMEOUT and finishes', async () => {
    drip = true;
    log.length = 0;
    const file = join(tmp.dir, 'deadline.db');
    const db = openDatabase(file);
    try {
      const t0 = Date.now();
      const summary = await crawl(
        { db, registry: registry() },
        {
          snapshotsDir: defaultSnapshotsDir(file),
          intervalMs: 0,
          fetch: { requestTimeoutMs: 700, maxRetries: 3, retryBaseDelayMs: 10 },
          browser: { enabled: false },
        },
      );
      const elapsed = Date.now() - t0;
      expect(summary.status).toBe('ok');
      // N reports × 2 attempts × 0.7 s, one at a time, plus the waits of a host slowed down by its
      // timeouts (1, 2, 4 s); without the deadline this would never end.
      expect(elapsed).toBeLessThan(N * 2 * 700 + 7_000 * 1.1 + 8_000);
      for (let k = 1; k <= N; k++) expect(hits(reportPath(k)), reportPath(k)).toBe(2);
      const rows = db.prepare("SELECT state, error_code, error FROM frontier WHERE kind = 'report'").all() as Record<string, string>[];
      expect(rows).toHaveLength(N);
      for (const r of rows) {
        expect(r).toMatchObject({ state: 'failed', error_code: 'NB_FETCH_TIMEOUT' });
        expect(r.error).toMatch(/total timeout after 700 ms/);
      }
      expect(summary.sites[0]!.reasons).toMatchObject({ NB_FETCH_TIMEOUT: N });
    } finally {
      db.close();
    }
  }, 60_000);

  const args = (db: string) => ['crawl', '--sites', registryFile, '--db', db, '--no-browser', '--interval-ms', '0', '--progress', 'none', '--json'];
  const start = (db: string) => {
    const child = spawn(process.execPath, [BIN, ...args(db)], { cwd: ROOT, env: { ...process.env, NIANBAO_DB: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    return { child, exited, stderr: () => stderr };
  };
  /** Waits until a report request is in flight (dripping). */
  const inFlight = async (): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!log.some((p) => p.endsWith('_1.html') || p.endsWith('_2.html'))) {
      if (Date.now() > deadline) throw new Error(`no report requested: ${log.join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
  };
  const runs = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT status FROM runs WHERE command = 'crawl' ORDER BY id").all() as { status: string }[];
    } finally {
      db.close();
    }
  };

  it('SIGINT ends the crawl within 10 s as interrupted; the next run fetches the rest', async () => {
    drip = true;
    log.length = 0;
    const file = join(tmp.dir, 'sigint.db');
    const p = start(file);
    await inFlight();
    const sentAt = Date.now();
    p.child.kill('SIGINT');
    const end = await p.exited;
    expect(end.at - sentAt).toBeLessThan(10_000);
    expect(end.code, p.stderr()).toBe(130);
    expect(p.stderr()).toMatch(/SIGINT: stopping — requests in flight aborted/);
    expect(runs(file)).toEqual([{ status: 'interrupted' }]);
    const db = new Database(file, { readonly: true });
    const states = db.prepare("SELECT state, count(*) AS n FROM frontier WHERE kind = 'report' GROUP BY state").all();
    db.close();
    expect(states).toEqual([{ state: 'queued', n: N }]); // the one in flight went back to the queue, not to failed

    drip = false;
    const next = await runBin(args(file));
    expect(next.code, next.stderr).toBe(0);
    const after = new Database(file, { readonly: true });
    try {
      expect(after.prepare("SELECT state, count(*) AS n FROM frontier WHERE kind = 'report' GROUP BY state").all()).toEqual([{ state: 'done', n: N }]);
      expect((after.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n).toBe(N);
    } finally {
      after.close();
    }
    expect(runs(file)).toEqual([{ status: 'interrupted' }, { status: 'ok' }]);
  }, 120_000);

  it("SIGINT while a page waits for its host's turn (30 s interval) ends the process at once, no timer left behind", async () => {
    drip = false;
    log.length = 0;
    const file = join(tmp.dir, 'waiting.db');
    const child = spawn(
      process.execPath,
      [BIN, 'crawl', '--sites', registryFile, '--db', file, '--no-browser', '--interval-ms', '30000', '--progress', 'none'],
      {
        cwd: ROOT,
        env: { ...process.env, NIANBAO_DB: '' },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
    const deadline = Date.now() + 30_000;
    while (!log.includes('/robots.txt') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500)); // the entry page now waits 30 s behind robots.txt
    expect(log).toEqual(['/robots.txt']);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const end = await exited;
    expect(end.at - sentAt).toBeLessThan(5_000); // not the 30 s wait, nor the 8 s grace period
    expect(end.code).toBe(130);
    expect(runs(file)).toEqual([{ status: 'interrupted' }]);
    expect(log).toEqual(['/robots.txt']);
  }, 60_000);

  it('a second SIGTERM exits at once with 143 and the run row closed, not running', async () => {
    drip = true;
    log.length = 0;
    const file = join(tmp.dir, 'sigterm.db');
    const p = start(file);
    await inFlight();
    const sentAt = Date.now();
    p.child.kill('SIGTERM');
    p.child.kill('SIGTERM');
    const end = await p.exited;
    expect(end.at - sentAt).toBeLessThan(10_000);
    expect(end.code, p.stderr()).toBe(143);
    expect(runs(file)).toEqual([{ status: 'interrupted' }]);
  }, 60_000);
});
