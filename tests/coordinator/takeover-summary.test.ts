/**
 * The run summary of a shared crawl after a takeover: a worker SIGKILLed mid-site, its host taken
 * over by another worker once its lease expired — the site's row (and the totals) count the work
 * of both workers, every counter (requests, pages, lists, new reports, …) and every reason equal
 * to a single-process crawl of the same site, not only those of the worker that finished it and
 * not short of the counters the dead worker's last page added after its commit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zeroCounts } from '../../src/crawl/stages/site-run.js';
import type { CrawlSummary, SiteSummary } from '../../src/crawl/types.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { BIN, ROOT, ensureBuilt, runBin, tempDir } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

beforeAll(() => ensureBuilt(), 180_000);

const skip = postgresSkipReason();
const SITE = 'trs';

/** A site's counters and reasons, as compared between two crawls. */
function countsOf(s: SiteSummary | CrawlSummary['totals']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(zeroCounts()) as (keyof CrawlSummary['totals'])[]) out[k] = s[k];
  if ('reasons' in s) out['reasons'] = s.reasons;
  return out;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NIANBAO_DB: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

describe.skipIf(skip !== null)(`the summary of a shared run after a takeover${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const tmp = tempDir('nianbao-coord-takeover-');
  let cluster: TestPostgres;
  let portal: DemoPortal;
  let registry: string;

  beforeAll(async () => {
    cluster = await startTestPostgres();
    portal = await startDemoPortal({ sites: [SITE] });
    registry = join(tmp.dir, 'sites.json');
    writeFileSync(registry, JSON.stringify(portal.registry()));
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
    cluster?.stop();
    tmp.cleanup();
  });

  it('counts the pages of the worker that died and of the one that took its host over', async () => {
    const common = ['--sites', registry, '--no-browser', '--interval-ms', '300'];
    const single = await runBin(['crawl', ...common, '--db', join(tmp.dir, 'single.db'), '--progress', 'none', '--json'], {}, 120_000);
    expect(single.code, single.stderr).toBe(0);
    const singleSummary = JSON.parse(single.stdout) as CrawlSummary;
    const singleSite = singleSummary.sites.find((s) => s.site === SITE)!;
    const singlePages = singleSite.pages;
    expect(singlePages).toBeGreaterThanOrEqual(8);

    const url = cluster.createDatabase('takeover');
    const shared = join(tmp.dir, 'shared');
    const seeded = await runBin(['crawl', ...common, '--coordinator', url, '--shared', shared, '--no-work', '--progress', 'none']);
    expect(seeded.code, seeded.stderr).toBe(0);
    const worker = (id: string) => start(['worker', '--coordinator', url, '--shared', shared, '--id', id, '--lease-ms', '1500', '--progress', 'none']);

    const client = new pg.Client(url);
    await client.connect();
    const workers: Proc[] = [];
    try {
      // Kill the first worker once it has finished three pages of the site (recorded with them).
      workers.push(worker('wa'));
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await client.query<{ pages: number | null }>(
          "SELECT max((summary->>'pages')::int) AS pages FROM site_work WHERE site = $1 AND worker LIKE 'wa#%'",
          [SITE],
        );
        if ((r.rows[0]?.pages ?? 0) >= 3) break;
        if (Date.now() > deadline) throw new Error('worker wa never got to work');
        await new Promise((res) => setTimeout(res, 20));
      }
      workers[0]!.child.kill('SIGKILL');
      expect((await workers[0]!.exited).signal).toBe('SIGKILL');
      const left = (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM frontier WHERE site = $1 AND state = 'queued'", [SITE])).rows[0]!.n;
      expect(left).toBeGreaterThan(0);

      workers.push(worker('wb'));
      const wb = await workers[1]!.exited;
      expect(wb.code, wb.stderr).toBe(0);
      expect(wb.stdout).toMatch(/1 taken over/);

      const shares = (
        await client.query<{ worker: string; pages: number }>(
          "SELECT worker, (summary->>'pages')::int AS pages FROM site_work WHERE site = $1 ORDER BY worker",
          [SITE],
        )
      ).rows;
      expect(shares.map((s) => s.worker.split('#')[0])).toEqual(['wa', 'wb']);
      expect(shares.every((s) => s.pages > 0)).toBe(true);
      // The finishing worker alone handled fewer pages than the site has.
      expect(shares[1]!.pages).toBeLessThan(singlePages);
    } finally {
      await client.end();
      for (const w of workers) w.child.kill('SIGKILL');
    }

    const db = join(tmp.dir, 'shared.db');
    const stored = await runBin(['store', '--coordinator', url, '--shared', shared, '--db', db, '--json'], {}, 120_000);
    expect(stored.code, stored.stderr).toBe(0);
    // Every count of the totals (and, below, of the site) is the single-process crawl's.
    const sharedTotals = (JSON.parse(stored.stdout) as { totals: CrawlSummary['totals'] }).totals;
    expect(sharedTotals.pages).toBe(singlePages);
    expect(countsOf(sharedTotals)).toEqual(countsOf(singleSummary.totals));
    // The dataset's run row carries the same summary.
    const d = new Database(db, { readonly: true });
    try {
      const counts = JSON.parse((d.prepare("SELECT counts FROM runs WHERE command = 'crawl'").get() as { counts: string }).counts) as {
        sites: Record<string, SiteSummary>;
      };
      expect(counts.sites[SITE]!.pages).toBe(singlePages);
      expect(countsOf(counts.sites[SITE]!)).toEqual(countsOf(singleSite));
    } finally {
      d.close();
    }
  }, 300_000);
});
