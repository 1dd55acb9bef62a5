/**
 * The Frontier contract (src/crawl/stages/contracts.ts), the same cases on every implementation:
 * the embedded one on a SQLite file, the shared one on a real PostgreSQL (a throwaway cluster, tests/helpers/postgres.ts; skipped
 * with the reason when PostgreSQL is not installed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishInfo, Frontier, FrontierRow, NewItem, PageCommit } from '../../src/crawl/stages/contracts.js';
import { connectCoordinator, type Coordinator } from '../../src/coordinator/connect.js';
import { PgFrontier } from '../../src/coordinator/frontier.js';
import { SqliteFrontier } from '../../src/crawl/stages/sqlite-frontier.js';
import { openDatabase } from '../../src/store/db.js';
import type { Site } from '../../src/sites/registry.js';
import { tempDir, testSiteRegistry } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const ORIGIN = 'http://127.0.0.1:9';
const site: Site = testSiteRegistry(ORIGIN).sites[0]!;
const ENTRY = site.entries[0]!;

interface Subject {
  frontier: Frontier;
  runId: number;
  /** A new run on the same frontier (rows carry the run that fetched them). */
  nextRun(): Promise<{ frontier: Frontier; runId: number }>;
  close(): Promise<void>;
}

type Factory = () => Promise<Subject>;

const prep = (o: Partial<Parameters<Frontier['prepareSite']>[1]> = {}) => ({
  now: new Date().toISOString(),
  ignoreRobots: false,
  since: null,
  maxAttempts: 5,
  refresh: false,
  ...o,
});

function item(path: string, kind: NewItem['kind'], extra: Partial<NewItem> = {}): NewItem {
  return { key: `${ORIGIN}${path}`, url: `${ORIGIN}${path}`, site: site.name, kind, depth: 1, parent: ENTRY, ...extra };
}

function done(row: FrontierRow, runId: number, info: Partial<FinishInfo> = {}, discovered: NewItem[] = []): PageCommit {
  return {
    runId,
    site: site.name,
    row,
    discovered,
    finish: { state: 'done', status: 200, fetchedAt: new Date().toISOString(), sha256: 'ab'.repeat(32), ...info },
  };
}

async function claimAll(f: Frontier): Promise<FrontierRow[]> {
  return f.claim(site.name, 100, new Set());
}

function contract(name: string, make: Factory, skip: string | null): void {
  describe.skipIf(skip !== null)(`Frontier contract: ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let s: Subject;
    beforeAll(async () => {
      s = await make();
      await s.frontier.prepareSite(site, prep());
    }, 60_000);
    afterAll(async () => s?.close());

    it('queues the entry, hands rows out by priority, honours the in-flight set', async () => {
      const f = s.frontier;
      const [entry] = await claimAll(f);
      expect(entry).toMatchObject({ key: ENTRY, kind: 'entry', state: 'queued', depth: 0 });
      expect(await f.queued(site.name)).toBe(1);
      const r = await f.commit(
        done(entry!, s.runId, { etag: '"e1"' }, [
          item('/nb/a.html', 'report', { title: '2024年报告', year: 2024 }),
          item('/nb/list2.html', 'list', { depth: 1 }),
          item('/nb/other.html', 'report', { skip: { code: 'NB_CRAWL_NOT_REPORT', reason: 'not an annual report' } }),
        ]),
      );
      expect(r.queued).toBe(3);
      const rows = await claimAll(f);
      expect(rows.map((x) => [x.url.replace(ORIGIN, ''), x.kind])).toEqual([
        ['/nb/list2.html', 'list'],
        ['/nb/a.html', 'report'],
      ]);
      expect(rows[1]).toMatchObject({ title: '2024年报告', year: 2024, parent: ENTRY });
      const excl = await f.claim(site.name, 1, new Set([rows[0]!.id]));
      expect(excl.map((x) => x.id)).toEqual([rows[1]!.id]);
      expect(await f.queued(site.name)).toBe(2);
    });

    it('finishes rows: validators kept or replaced, failures counted and retried when due', async () => {
      const f = s.frontier;
      const [list, report] = await claimAll(f);
      await f.commit({
        runId: s.runId,
        site: site.name,
        row: list!,
        finish: {
          state: 'failed',
          status: 503,
          errorCode: 'NB_CRAWL_HTTP',
          error: 'HTTP 503',
          failedAttempt: true,
          nextAttemptAt: new Date(Date.now() - 1000).toISOString(),
        },
      });
      await f.commit(done(report!, s.runId));
      expect(await claimAll(f)).toEqual([]);
      expect(await f.queued(site.name)).toBe(0);
      // Due failures are queued again by the next run, their attempts counted.
      const next = await s.nextRun();
      await next.frontier.prepareSite(site, prep({ maxAttempts: 1 }));
      expect((await claimAll(next.frontier)).map((x) => x.kind)).toEqual(['entry']); // attempts used up
      await next.frontier.prepareSite(site, prep());
      const rows = await claimAll(next.frontier);
      const again = rows.find((x) => x.url.endsWith('/nb/list2.html'));
      expect(again).toMatchObject({ state: 'queued', attempts: 1, last_status: 503, error_code: 'NB_CRAWL_HTTP' });
      // The entry is queued again every run and keeps its validators.
      expect(rows.find((x) => x.kind === 'entry')).toMatchObject({ etag: '"e1"' });
      s.frontier = next.frontier;
      s.runId = next.runId;
    });

    it('rediscovery: a list page fetched in an earlier run is queued again, a known report stays, a skipped one comes back', async () => {
      const f = s.frontier;
      const rows = await claimAll(f);
      const entry = rows.find((x) => x.kind === 'entry')!;
      const list = rows.find((x) => x.kind === 'list')!;
      await f.commit(done(list, s.runId));
      const r = await f.commit(
        done(entry, s.runId, {}, [
          item('/nb/list2.html', 'list'), // fetched in this run: known
          item('/nb/a.html', 'report'), // done report: known
          item('/nb/other.html', 'report'), // skipped before, linked now as a report: queued
        ]),
      );
      expect(r.queued).toBe(1);
      const left = await claimAll(f);
      expect(left.map((x) => x.url.replace(ORIGIN, ''))).toEqual(['/nb/other.html']);
      expect(left[0]).toMatchObject({ error_code: null, state: 'queued' });
      await f.commit(done(left[0]!, s.runId));
      const next = await s.nextRun();
      await next.frontier.prepareSite(site, prep());
      const e2 = (await claimAll(next.frontier)).find((x) => x.kind === 'entry')!;
      const r2 = await next.frontier.commit(done(e2, next.runId, {}, [item('/nb/list2.html', 'list')]));
      expect(r2.queued).toBe(1); // a list page done in an earlier run: queued again (fetched with its validators)
      s.frontier = next.frontier;
      s.runId = next.runId;
    });

    it('refresh queues every known page again; a success resets the attempts', async () => {
      const next = await s.nextRun();
      await next.frontier.prepareSite(site, prep({ refresh: true }));
      const rows = await claimAll(next.frontier);
      expect(rows.map((x) => x.url.replace(ORIGIN, '')).sort()).toEqual(['/nb/a.html', '/nb/index.html', '/nb/list2.html', '/nb/other.html']);
      const list = rows.find((x) => x.kind === 'list')!;
      await next.frontier.commit(done(list, next.runId));
      const after = await next.frontier.claim(site.name, 100, new Set());
      expect(after.find((x) => x.kind === 'list')).toBeUndefined();
      s.frontier = next.frontier;
      s.runId = next.runId;
    });

    it('site state round-trips', async () => {
      await s.frontier.updateSite({ site: site.name, adapter: 'trs-classic', challenge: 'jsl', consecutive_failures: 2 });
      await s.frontier.updateSite({ site: site.name, last_crawl_at: '2026-01-01T00:00:00.000Z' });
      expect(await s.frontier.siteState(site.name)).toMatchObject({
        site: site.name,
        adapter: 'trs-classic',
        challenge: 'jsl',
        consecutive_failures: 2,
        last_crawl_at: '2026-01-01T00:00:00.000Z',
      });
      expect(await s.frontier.siteState('nope')).toBeUndefined();
    });

    it('leases: one owner at a time, renewed by it, taken over once expired, free after release', async () => {
      const f = s.frontier;
      const a = await f.lease('host:x', 'w1', 60_000);
      expect(a).toMatchObject({ key: 'host:x', owner: 'w1' });
      expect(await f.lease('host:x', 'w2', 60_000)).toBeNull();
      expect(await f.renew(a!, 60_000)).not.toBeNull();
      const short = await f.lease('host:y', 'w1', 1);
      await new Promise((r) => setTimeout(r, 20));
      const taken = await f.lease('host:y', 'w2', 60_000);
      expect(taken).toMatchObject({ owner: 'w2' });
      expect(await f.renew(short!, 60_000)).toBeNull();
      await f.release(a!);
      expect(await f.lease('host:x', 'w2', 60_000)).toMatchObject({ owner: 'w2' });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// SQLite

async function sqliteFactory(): Promise<Subject> {
  const tmp = tempDir('nianbao-contract-');
  const db = openDatabase(`${tmp.dir}/frontier.db`);
  const frontier = new SqliteFrontier(db);
  let runId = await frontier.startRun({}, 'test');
  await frontier.ensureAgency(site);
  return {
    frontier,
    runId,
    async nextRun() {
      await frontier.flush();
      await frontier.finishRun(runId, { status: 'ok', durationMs: 1, counts: {} });
      runId = await frontier.startRun({}, 'test');
      return { frontier, runId };
    },
    async close() {
      await frontier.flush();
      db.close();
      tmp.cleanup();
    },
  };
}

contract('SQLite (SqliteFrontier)', sqliteFactory, null);

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const pgSkip = postgresSkipReason();
let cluster: TestPostgres | undefined;
let dbCount = 0;

async function pgFactory(): Promise<Subject> {
  cluster ??= await startTestPostgres();
  const url = cluster.createDatabase(`contract_${++dbCount}`);
  const c: Coordinator = await connectCoordinator(url);
  const newRun = async (): Promise<{ frontier: Frontier; runId: number }> => {
    const runId = Number((await c.pool.query<{ id: string }>("INSERT INTO runs (options, parser_version) VALUES ('{}', 'test') RETURNING id")).rows[0]!.id);
    const frontier = new PgFrontier(c, { runId, workerId: 'test', siteHosts: new Map([[site.name, new URL(ENTRY).host]]), prepared: false });
    return { frontier, runId };
  };
  const first = await newRun();
  return { ...first, nextRun: newRun, close: () => c.close() };
}

afterAll(() => cluster?.stop());

contract('PostgreSQL (PgFrontier)', pgFactory, pgSkip);
