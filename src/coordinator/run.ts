/**
 * A shared crawl's run on the coordinator: the seeding command (`nianbao crawl --coordinator`)
 * opens it — the crawl options and the registry entries of its sites go into `runs` and `sites`
 * (workers need no registry file), each site's lease host into `hosts`, and the frontier is
 * prepared as a single-machine run prepares it. Workers and the storer join the running run; it
 * ends when every host is done.
 */
import { hostname } from 'node:os';
import { siteSettings, type Site } from '../sites/registry.js';
import type { PrepareSiteOptions } from '../crawl/stages/contracts.js';
import type { Coordinator } from './connect.js';
import { CoordinatorError } from './errors.js';
import { prepareSiteRows } from './frontier-statements.js';

/** A worker whose heartbeat is older than this is taken for dead (its run may be replaced). */
export const WORKER_STALE_MS = 60_000;

export interface SharedRun {
  id: number;
  status: string;
  /** Crawl options (CrawlOptionsInput without the paths). */
  options: Record<string, unknown>;
  runArgs: unknown;
  parserVersion: string;
  sites: Site[];
  /** Lease host of each site. */
  siteHosts: Map<string, string>;
}

/** The lease host of a site: the host of its first entry. */
export function leaseHostOf(site: Site): string {
  return new URL(site.entries[0]!).host;
}

export interface OpenRunInput {
  sites: Site[];
  options: Record<string, unknown>;
  runArgs: unknown;
  parserVersion: string;
  prepare: (site: Site) => PrepareSiteOptions;
  /** Per-host interval when neither the options nor the registry set one, ms. */
  intervalMs: (site: Site) => number;
}

/**
 * Opens a run. A run still `running` whose workers all went quiet is marked `interrupted` first;
 * one with live workers is joined instead (its id is returned, nothing is seeded again).
 */
export async function openRun(c: Coordinator, input: OpenRunInput): Promise<{ runId: number; joined: boolean }> {
  return c.tx(async (t) => {
    await t.query('LOCK TABLE runs IN EXCLUSIVE MODE');
    const live = (
      await t.query<{ id: string }>(
        `SELECT r.id FROM runs r WHERE r.status = 'running' AND (r.started_at > now() - $1 * interval '1 millisecond'
           OR EXISTS (SELECT 1 FROM workers w WHERE w.run_id = r.id AND w.heartbeat_at > now() - $1 * interval '1 millisecond'))
         ORDER BY r.id DESC LIMIT 1`,
        [WORKER_STALE_MS],
      )
    ).rows[0];
    if (live) return { runId: Number(live.id), joined: true };
    await t.query("UPDATE runs SET status = 'interrupted', finished_at = now() WHERE status = 'running'");
    const runId = Number(
      (
        await t.query<{ id: string }>('INSERT INTO runs (options, run_args, parser_version) VALUES ($1, $2, $3) RETURNING id', [
          JSON.stringify(input.options),
          JSON.stringify(input.runArgs ?? null),
          input.parserVersion,
        ])
      ).rows[0]!.id,
    );
    for (const site of input.sites) {
      const host = leaseHostOf(site);
      const st = siteSettings(site);
      await t.query('INSERT INTO sites (run_id, site, host, def) VALUES ($1, $2, $3, $4)', [runId, site.name, host, JSON.stringify(site)]);
      const interval = input.intervalMs(site);
      await t.query(
        `INSERT INTO hosts (host, run_id, state, interval_ms, concurrency, delay_ms, leases, lease_owner, lease_expires_at, finished_at)
         VALUES ($1, $2, 'pending', $3, $4, $3, 0, NULL, NULL, NULL)
         ON CONFLICT (host) DO UPDATE SET run_id = $2, state = 'pending', interval_ms = $3, concurrency = $4,
           delay_ms = GREATEST($3, COALESCE(hosts.crawl_delay_ms, 0)), leases = 0, lease_owner = NULL, lease_expires_at = NULL, finished_at = NULL`,
        [host, runId, interval, st.concurrency],
      );
      await prepareSiteRows(t, site, host, input.prepare(site));
    }
    return { runId, joined: false };
  });
}

/**
 * The run `id`; else the newest running one — for the storer (`unstored`), the newest one running
 * or not stored yet (the workers may all have finished before it starts). Throws
 * NB_COORDINATOR_NO_RUN when there is none.
 */
export async function loadRun(c: Coordinator, id?: number, o: { unstored?: boolean } = {}): Promise<SharedRun> {
  const cols = 'id, status, options, run_args, parser_version FROM runs';
  const r = (
    await c.pool.query<{ id: string; status: string; options: Record<string, unknown>; run_args: unknown; parser_version: string }>(
      id !== undefined
        ? `SELECT ${cols} WHERE id = $1`
        : `SELECT ${cols} WHERE status = 'running'${o.unstored ? ' OR stored_at IS NULL' : ''} ORDER BY id DESC LIMIT 1`,
      id === undefined ? [] : [id],
    )
  ).rows[0];
  if (!r) {
    const what = o.unstored ? 'no shared crawl to store' : 'no shared crawl is running';
    throw new CoordinatorError(
      'NB_COORDINATOR_NO_RUN',
      id !== undefined ? `no run ${id} on ${c.label}` : `${what} on ${c.label}; start one with \`nianbao crawl --coordinator URL\``,
    );
  }
  const runId = Number(r.id);
  const sites = (await c.pool.query<{ site: string; host: string; def: Site }>('SELECT site, host, def FROM sites WHERE run_id = $1 ORDER BY site', [runId]))
    .rows;
  return {
    id: runId,
    status: r.status,
    options: r.options,
    runArgs: r.run_args,
    parserVersion: r.parser_version,
    sites: sites.map((s) => s.def),
    siteHosts: new Map(sites.map((s) => [s.site, s.host])),
  };
}

/** Registers a worker of a run (its heartbeat says it is alive). */
export async function registerWorker(c: Coordinator, id: string, runId: number): Promise<void> {
  await c.pool.query(
    `INSERT INTO workers (id, run_id, machine, pid) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET run_id = $2, machine = $3, pid = $4, started_at = now(), heartbeat_at = now()`,
    [id, runId, hostname(), process.pid],
  );
}

/** Ends the run `ok` when every host is done; returns whether it is over (by now or before). */
export async function finishRunIfDone(c: Coordinator, runId: number): Promise<boolean> {
  const r = await c.pool.query<{ status: string }>(
    `UPDATE runs SET status = CASE WHEN status = 'running' THEN 'ok' ELSE status END, finished_at = COALESCE(finished_at, now())
     WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM hosts WHERE run_id = $1 AND state = 'pending') RETURNING status`,
    [runId],
  );
  return r.rowCount === 1;
}

/** Records that the storer wrote every result of the run. */
export async function markRunStored(c: Coordinator, runId: number): Promise<void> {
  await c.pool.query('UPDATE runs SET stored_at = now() WHERE id = $1', [runId]);
}

/** Status of a run (null: no such run). */
export async function runStatus(c: Coordinator, runId: number): Promise<string | null> {
  return (await c.pool.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId])).rows[0]?.status ?? null;
}

/** The site summaries workers recorded for a run (done sites). */
export async function siteSummaries<T>(c: Coordinator, runId: number): Promise<Map<string, T>> {
  const rows = (await c.pool.query<{ site: string; summary: T | null }>('SELECT site, summary FROM sites WHERE run_id = $1 ORDER BY site', [runId])).rows;
  return new Map(rows.filter((r) => r.summary !== null).map((r) => [r.site, r.summary as T]));
}
