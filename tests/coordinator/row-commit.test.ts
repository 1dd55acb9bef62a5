/**
 * A worker's page and its counts commit together (PgFrontier.rowDone), on a real PostgreSQL: the
 * transaction that finishes a row stays open until the row is done, so the worker's share of the
 * site's summary it writes holds the counters the handler added after its commit (a robots.txt
 * refusal's `blocked`, a new report's `reportsNew`, their reasons), and nobody sees the page
 * finished before then. (A worker killed before the end of the row, the page and its counts lost
 * alike and done again by the worker that takes over: tests/coordinator/takeover-summary.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCoordinator, type Coordinator } from '../../src/coordinator/connect.js';
import { PgFrontier } from '../../src/coordinator/frontier.js';
import type { FrontierRow } from '../../src/crawl/stages/contracts.js';
import { SiteRun } from '../../src/crawl/stages/site-run.js';
import { testSiteRegistry } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const skip = postgresSkipReason();
const ORIGIN = 'http://127.0.0.1:9';
const site = testSiteRegistry(ORIGIN).sites[0]!;
const ENTRY = site.entries[0]!;
const prep = { now: new Date().toISOString(), ignoreRobots: false, since: null, maxAttempts: 5, refresh: false };

describe.skipIf(skip !== null)(`a worker's page and its counts in one commit${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestPostgres;
  let c: Coordinator;
  let other: Coordinator;

  beforeAll(async () => {
    cluster = await startTestPostgres();
    const url = cluster.createDatabase('rowcommit');
    c = await connectCoordinator(url);
    other = await connectCoordinator(url);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await other?.close();
    cluster?.stop();
  });

  async function frontierWithShare(): Promise<{ f: PgFrontier; r: SiteRun; runId: number; row: FrontierRow }> {
    const runId = Number((await c.pool.query<{ id: string }>("INSERT INTO runs (options, parser_version) VALUES ('{}', 'test') RETURNING id")).rows[0]!.id);
    const r = new SiteRun(site);
    const f = new PgFrontier(c, {
      runId,
      workerId: 'w1',
      siteHosts: new Map([[site.name, new URL(ENTRY).host]]),
      prepared: false,
      siteWork: (name) => (name === site.name ? { share: 'w1#1', summary: r.summary } : undefined),
    });
    await f.prepareSite(site, prep);
    const [row] = await f.claim(site.name, 1, new Set());
    return { f, r, runId, row: row! };
  }

  /** What another connection sees: the row's state and the worker's recorded share. */
  async function seen(runId: number): Promise<{ state: string; share: { pages: number; blocked: number; reasons: Record<string, number> } | null }> {
    const state = (await other.pool.query<{ state: string }>('SELECT state FROM frontier WHERE key = $1', [ENTRY])).rows[0]!.state;
    const share = (
      await other.pool.query<{ summary: { pages: number; blocked: number; reasons: Record<string, number> } }>(
        'SELECT summary FROM site_work WHERE run_id = $1',
        [runId],
      )
    ).rows[0];
    return { state, share: share?.summary ?? null };
  }

  it('commits the finished row with the counters its handler added after the commit', async () => {
    const { f, r, runId, row } = await frontierWithShare();
    r.summary.pages++;
    await f.commit({ runId, site: site.name, row, finish: { state: 'blocked', errorCode: 'NB_FETCH_ROBOTS', error: 'robots.txt disallows' } });
    // Not committed yet: nobody sees the row done, nor a share without the counters still to come.
    expect(await seen(runId)).toEqual({ state: 'queued', share: null });
    // What the handler counts after its commit (outcomes.ts fetchFailed for a robots.txt refusal).
    r.summary.blocked++;
    r.reason('robots.txt disallows');
    await f.rowDone(row);
    const after = await seen(runId);
    expect(after.state).toBe('blocked');
    expect(after.share).toMatchObject({ pages: 1, blocked: 1, reasons: { 'robots.txt disallows': 1 } });
  });
});
