/**
 * The 521 challenge page is on record (snapshot + a `responses` row with role 'challenge')
 * before the browser starts solving it: a crawl killed while the browser works keeps the record,
 * and a crawl whose browser fails records the page once.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { BIN, ROOT, ensureBuilt, tempDir } from './helpers.js';

describe('the challenge page is recorded before the browser solves it', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  let registry: string;
  const hung: number[] = [];

  beforeAll(async () => {
    ensureBuilt();
    portal = await startDemoPortal({ sites: ['jsl'] });
    registry = join(tmp.dir, 'sites.json');
    writeFileSync(registry, JSON.stringify(portal.registry(), null, 2));
  }, 240_000);
  afterAll(async () => {
    for (const pid of hung) {
      if (!Number.isInteger(pid) || pid <= 1) continue; // 0 or -1 would signal a whole process group
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await portal?.close();
    tmp.cleanup();
  });

  it('a crawl SIGKILLed while the browser is starting keeps the 521 page on record', async () => {
    // A "Chromium" that never answers: the crawl is stuck in the browser until it is killed.
    const marker = join(tmp.dir, 'browser-started');
    const chromium = join(tmp.dir, 'hanging-chromium');
    // The pid is written to a temporary name and renamed, so the marker never exists empty: a
    // marker read as "" became pid 0, and `process.kill(0)` killed the test run's own process group.
    writeFileSync(chromium, `#!/bin/sh\necho $$ > '${marker}.tmp'\nmv '${marker}.tmp' '${marker}'\nexec sleep 600\n`);
    chmodSync(chromium, 0o755);
    const dbFile = join(tmp.dir, 'killed.db');
    const child = spawn(process.execPath, [BIN, 'crawl', '--sites', registry, '--db', dbFile, '--interval-ms', '20', '--progress', 'none', '--json'], {
      cwd: ROOT,
      env: { ...process.env, NIANBAO_DB: '', NIANBAO_CHROMIUM: chromium },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(marker)).toBe(true);
    const pid = Number(readFileSync(marker, 'utf8').trim());
    expect(Number.isInteger(pid) && pid > 1, `pid in the marker: ${pid}`).toBe(true);
    hung.push(pid);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare("SELECT url, status, challenge, snapshot_path, times_seen FROM responses WHERE role = 'challenge'").all() as {
        url: string;
        status: number;
        challenge: string;
        snapshot_path: string;
        times_seen: number;
      }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 521, challenge: 'jsl', times_seen: 1 });
      const blob = db
        .prepare('SELECT gz FROM snapshot_blobs WHERE sha256 = (SELECT sha256 FROM responses WHERE snapshot_path = ?)')
        .get(rows[0]!.snapshot_path) as { gz: Buffer };
      const page = gunzipSync(blob.gz).toString('utf8');
      expect(page).toMatch(/<script/i);
    } finally {
      db.close();
    }
  }, 120_000);

  it('a browser that fails leaves the page recorded once and the row failed with the reason', async () => {
    const dbFile = join(tmp.dir, 'nobrowser.db');
    const db = openDatabase(dbFile);
    try {
      const s = await crawl(
        { db, registry: portal.registry() },
        {
          snapshotsDir: defaultSnapshotsDir(dbFile),
          intervalMs: 20,
          jitterRatio: 0,
          browser: { env: { NIANBAO_CHROMIUM: join(tmp.dir, 'no-such-chromium') } },
        },
      );
      expect(s.sites[0]!.browserUnavailable).toMatch(/NIANBAO_CHROMIUM/);
      expect(db.prepare("SELECT status, challenge, times_seen FROM responses WHERE role = 'challenge'").all()).toEqual([
        { status: 521, challenge: 'jsl', times_seen: 1 },
      ]);
      expect(db.prepare("SELECT state, error_code FROM frontier WHERE kind = 'entry'").all()).toEqual([
        { state: 'failed', error_code: 'NB_BROWSER_UNAVAILABLE' },
      ]);
    } finally {
      db.close();
    }
  });
});
