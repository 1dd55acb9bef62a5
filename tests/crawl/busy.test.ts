/**
 * Two crawls of one database at once (a nightly job still running when the next one starts, or a
 * manual crawl on top of it): the second one refuses at once with exit code 75 and NB_RUN_BUSY,
 * before it starts a run, and a crawl that died (SIGKILL) does not block the next one.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { BIN, ROOT, countRows, ensureBuilt, runBin, tempDir } from './helpers.js';

describe('a second crawl of the same database', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  let registry: string;
  const args = (db: string) => ['crawl', '--sites', registry, '--db', db, '--no-browser', '--interval-ms', '20', '--progress', 'none', '--json'];

  beforeAll(async () => {
    ensureBuilt();
    // Slow responses (1 s each) keep the first crawl running while the second one starts and is refused.
    portal = await startDemoPortal({ sites: ['trs', 'hanweb'], latencyMs: 1000, faults: { flaky: false } });
    registry = join(tmp.dir, 'sites.json');
    writeFileSync(registry, JSON.stringify(portal.registry(), null, 2));
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  it('is refused while the first runs, and runs once the first has died', async () => {
    const file = join(tmp.dir, 'busy.db');
    const first = spawn(process.execPath, [BIN, ...args(file)], { cwd: ROOT, env: { ...process.env, NIANBAO_DB: '' }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.on('exit', (_c, signal) => resolve(signal)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && countRows(file, 'SELECT count(*) AS n FROM frontier WHERE fetched_at IS NOT NULL') < 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // Paused, not left to run: a live run all the same (its pid alive, its heartbeat fresh for
    // 5 min), but one that cannot finish while the second CLI starts — which takes seconds on a
    // loaded machine, against the few seconds of pages the first crawl has left. Paused outside a
    // write transaction (probed), or the second would wait for its lock instead of being refused.
    for (;;) {
      first.kill('SIGSTOP');
      const probe = new Database(file, { timeout: 0 });
      try {
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
        break;
      } catch {
        first.kill('SIGCONT');
      } finally {
        probe.close();
      }
      await new Promise((r) => setTimeout(r, 20));
    }

    const second = await runBin(args(file));
    expect(second.code).toBe(75);
    expect(second.stderr).toContain('[NB_RUN_BUSY]');
    expect(second.stderr).toContain(`another crawl is running on this database: run 1 (pid ${first.pid} on `);
    expect(second.stdout).toBe('');
    // It left no run row (the check and the row are one transaction: it never started).
    expect(countRows(file, "SELECT count(*) AS n FROM runs WHERE command = 'crawl'")).toBe(1);

    // The first crawl is still there (paused above; 1 s per response kept it busy until then).
    expect(first.exitCode).toBeNull();
    first.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const third = await runBin(args(file), {}, 120_000);
    expect(third.code, third.stderr).toBe(0);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare("SELECT id, status FROM runs WHERE command = 'crawl' ORDER BY id").all()).toEqual([
        { id: 1, status: 'interrupted' },
        { id: 2, status: 'ok' },
      ]);
    } finally {
      db.close();
    }
  }, 180_000);
});
