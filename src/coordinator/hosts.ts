/**
 * Host leases: a run's sites are grouped by the host of their first entry, and a host is worked
 * by one worker at a time. A worker claims a pending host whose lease is free or expired
 * (`FOR UPDATE SKIP LOCKED`: workers never wait on each other's claims), renews the lease while
 * it works, and marks the host done (or releases it with work left). A worker that dies stops
 * renewing: once the lease expires, another worker takes the host over and goes on from the
 * frontier rows the dead one left queued.
 */
import type pg from 'pg';
import type { Coordinator } from './connect.js';

export interface HostClaim {
  host: string;
  sites: string[];
  /** Times the host was claimed in this run, this claim included (> 1: taken over). */
  leases: number;
  /** The previous holder, when this claim took an expired lease over. */
  takenFrom: string | null;
}

/** Claims one pending host of the run for `worker` for `ttlMs`; null when none is free now. */
export async function claimHost(c: Coordinator, runId: number, worker: string, ttlMs: number): Promise<HostClaim | null> {
  return c.tx(async (t) => {
    const row = (
      await t.query<{ host: string; lease_owner: string | null; leases: number }>(
        `SELECT host, lease_owner, leases FROM hosts
         WHERE run_id = $1 AND state = 'pending' AND (lease_owner IS NULL OR lease_expires_at < now())
         ORDER BY leases, host LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [runId],
      )
    ).rows[0];
    if (!row) return null;
    await t.query(`UPDATE hosts SET lease_owner = $2, lease_expires_at = now() + $3 * interval '1 millisecond', leases = leases + 1 WHERE host = $1`, [
      row.host,
      worker,
      ttlMs,
    ]);
    const sites = (
      await t.query<{ site: string }>("SELECT site FROM sites WHERE run_id = $1 AND host = $2 AND state = 'pending' ORDER BY site", [runId, row.host])
    ).rows;
    return { host: row.host, sites: sites.map((s) => s.site), leases: row.leases + 1, takenFrom: row.lease_owner };
  });
}

/** Extends the lease; false when it was lost (expired and taken over by another worker). */
export async function renewHost(c: Coordinator | pg.Pool, host: string, worker: string, ttlMs: number): Promise<boolean> {
  const pool = 'pool' in c ? c.pool : c;
  const r = await pool.query(`UPDATE hosts SET lease_expires_at = now() + $3 * interval '1 millisecond' WHERE host = $1 AND lease_owner = $2`, [
    host,
    worker,
    ttlMs,
  ]);
  return r.rowCount === 1;
}

/** Ends a lease: `done` marks the host finished for the run, else it goes back to the pool. */
export async function releaseHost(c: Coordinator, host: string, worker: string, done: boolean): Promise<void> {
  await c.pool.query(
    `UPDATE hosts SET lease_owner = NULL, lease_expires_at = NULL,
       state = CASE WHEN $3 THEN 'done' ELSE state END, finished_at = CASE WHEN $3 THEN now() ELSE finished_at END
     WHERE host = $1 AND lease_owner = $2`,
    [host, worker, done],
  );
}

/** Marks a site of a run done with its summary. */
export async function finishSite(c: Coordinator, runId: number, site: string, summary: unknown): Promise<void> {
  await c.pool.query("UPDATE sites SET state = 'done', summary = $3 WHERE run_id = $1 AND site = $2", [runId, site, JSON.stringify(summary)]);
}

/** Hosts of a run not done yet, and how many of them are leased now. */
export async function hostsLeft(c: Coordinator, runId: number): Promise<{ pending: number; leased: number }> {
  const r = await c.pool.query<{ pending: number; leased: number }>(
    `SELECT count(*)::int AS pending, count(*) FILTER (WHERE lease_owner IS NOT NULL AND lease_expires_at >= now())::int AS leased
     FROM hosts WHERE run_id = $1 AND state = 'pending'`,
    [runId],
  );
  return r.rows[0] ?? { pending: 0, leased: 0 };
}
