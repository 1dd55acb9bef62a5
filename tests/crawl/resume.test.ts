/**
 * SIGKILL in the middle of `nianbao crawl` (the built CLI, `node bin/nianbao.js`), then
 * `nianbao crawl` again: the database ends with the same content as an uninterrupted crawl of the
 * same portal — no report lost, none stored twice.
 */
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { BIN, ROOT, countRows, dbContent, ensureBuilt, runBin, tempDir } from './helpers.js';

const SITES = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'flaky', 'robots'];

describe('SIGKILL during a crawl', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  let registry: string;
  const args = (db: string) => ['crawl', '--sites', registry, '--db', db, '--no-browser', '--interval-ms', '20', '--progress', 'none', '--json'];

  beforeAll(async () => {
    ensureBuilt();
    // Latency per response so the crawl lasts long enough to be killed in the middle; no faults,
    // so that every crawl of this portal sees the same pages.
    portal = await startDemoPortal({ sites: SITES, latencyMs: 60, faults: { flaky: false } });
    registry = join(tmp.dir, 'sites.json');
    writeFileSync(registry, JSON.stringify(portal.registry(), null, 2));
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  it('resumes with the next crawl and ends with the same database as an uninterrupted crawl', async () => {
    const killed = join(tmp.dir, 'killed.db');
    const child = spawn(process.execPath, [BIN, ...args(killed)], { cwd: ROOT, env: { ...process.env, NIANBAO_DB: '' }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    const deadline = Date.now() + 60_000;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = countRows(killed, 'SELECT count(*) AS n FROM reports');
      if (seen >= 4) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const partial = countRows(killed, 'SELECT count(*) AS n FROM reports');
    expect(partial).toBeGreaterThanOrEqual(4);
    expect(partial).toBeLessThan(30);

    // Consistent after the kill: every document has its report, the run still says 'running',
    // pages whose result was committed are done, the others still queued.
    const db = new Database(killed, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN reports r ON r.document_id = d.id WHERE r.id IS NULL').get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT status FROM runs WHERE command = 'crawl'").all()).toEqual([{ status: 'running' }]);
    expect((db.prepare("SELECT count(*) AS n FROM frontier WHERE state = 'queued'").get() as { n: number }).n).toBeGreaterThan(0);
    expect(
      db
        .prepare(
          "SELECT count(*) AS n FROM frontier WHERE kind IN ('report', 'attachment') AND state = 'done' AND document_id IS NULL AND key NOT IN (SELECT url FROM responses WHERE role = 'notice')",
        )
        .get(),
    ).toEqual({ n: 0 });
    db.close();

    const resumed = await runBin(args(killed));
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { totals: { reportsNew: number } };
    expect(summary.totals.reportsNew).toBe(30 - partial);

    const full = join(tmp.dir, 'full.db');
    const uninterrupted = await runBin(args(full));
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);

    const a = dbContent(killed);
    const b = dbContent(full);
    // Entry and list pages of the resumed crawl were fetched twice (the second time: 304).
    const comparable = (c: Record<string, unknown>) => ({
      ...c,
      frontier: (c['frontier'] as Record<string, unknown>[]).map((f) =>
        ['entry', 'list', 'api'].includes(String(f['kind'])) ? { ...f, last_status: null } : f,
      ),
    });
    expect(comparable(a)).toEqual(comparable(b));
    expect((a['reports'] as unknown[]).length).toBe(30);

    const after = new Database(killed, { readonly: true });
    expect(after.prepare("SELECT status FROM runs WHERE command = 'crawl' ORDER BY id").all()).toEqual([{ status: 'interrupted' }, { status: 'ok' }]);
    expect(after.prepare('SELECT count(*) AS n, count(DISTINCT sha256) AS d FROM documents').get()).toEqual({ n: 30, d: 30 });
    after.close();
  }, 180_000);
});
