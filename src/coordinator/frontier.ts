/**
 * The shared frontier: the {@link Frontier} contract on the coordinator's PostgreSQL tables, with
 * the same statements as the SQLite frontier (src/crawl/stages/sqlite-frontier.ts) plus each row's lease host;
 * the writes it shares with the seeder are in frontier-statements.ts.
 * One worker at a time works a host (its lease, src/coordinator/hosts.ts), so `claim` needs no row
 * locks: the lease is the claim. Run bookkeeping that belongs to the dataset (run errors, counters,
 * agencies) travels to the storer through the results queue (src/coordinator/results.ts).
 */
import type pg from 'pg';
import type { SiteSummary } from '../crawl/types.js';
import type { Site } from '../sites/registry.js';
import type { Frontier, FrontierRow, Lease, PageCommit, PageCommitResult, PrepareSiteOptions, RunEnd, SiteStateRow } from '../crawl/stages/contracts.js';
import type { Coordinator } from './connect.js';
import { finishRow, nowIso, prepareSiteRows, recordResponse, upsertItem } from './frontier-statements.js';
import { enqueueResult } from './results.js';
import { RowTransactions } from './row-transactions.js';
import { recordSiteWork } from './site-work.js';

const ROW_COLUMNS = `id::int AS id, key, url, method, body, request, site, kind, prio, state, attempts, next_attempt_at, depth, parent, title, year,
  role, meta, etag, last_modified, sha256, last_status, error_code, error, fetch_mode, document_id::int AS document_id, discovered_at, fetched_at,
  run_id::int AS run_id`;

export interface PgFrontierOptions {
  runId: number;
  /** The worker (lease owner) this frontier works for. */
  workerId: string;
  /** Lease host of each site (the host of its first entry). */
  siteHosts: ReadonlyMap<string, string>;
  /**
   * The worker's summary of a site it works now, and the name of this share (the worker and its
   * lease): recorded as its share of the site's work (site_work) in the transaction of each page
   * that finishes a row — a transaction held open until the row is done ({@link PgFrontier.rowDone}),
   * so the counters the handler adds after its commit are in it. @default none
   */
  siteWork?: (site: string) => { share: string; summary: SiteSummary } | undefined;
  /** The seeder prepared the sites for the run: a worker's `prepareSite` does nothing. @default true */
  prepared?: boolean;
}

export class PgFrontier implements Frontier {
  readonly #c: Coordinator;
  readonly #o: PgFrontierOptions;
  readonly #rows: RowTransactions;

  constructor(c: Coordinator, o: PgFrontierOptions) {
    this.#c = c;
    this.#o = o;
    this.#rows = new RowTransactions(c);
  }

  // -- the run: started by the seeding command; a worker joins it

  async startRun(): Promise<number> {
    return this.#o.runId;
  }

  heartbeat(): () => void {
    const beat = (): void => {
      this.#c.pool.query('UPDATE workers SET heartbeat_at = now() WHERE id = $1', [this.#o.workerId]).catch(() => undefined);
    };
    const t = setInterval(beat, 10_000);
    t.unref();
    return () => clearInterval(t);
  }

  /** A worker's end is not the run's: the run ends when every host is done (src/coordinator/run.ts). */
  async finishRun(_runId: number, end: RunEnd): Promise<void> {
    await this.#c.pool.query('UPDATE workers SET heartbeat_at = now(), pages = pages + $2 WHERE id = $1', [
      this.#o.workerId,
      Number((end.counts['totals'] as { pages?: number } | undefined)?.pages ?? 0),
    ]);
  }

  /** Agencies live in the dataset: the storer resolves the site's agency (0 here). */
  async ensureAgency(): Promise<number> {
    return 0;
  }

  async prepareSite(site: Site, o: PrepareSiteOptions): Promise<void> {
    if (this.#o.prepared !== false) return;
    await this.#c.tx((c) => prepareSiteRows(c, site, this.hostOfSite(site.name), o));
  }

  async siteState(site: string): Promise<SiteStateRow | undefined> {
    const r = (await this.#c.pool.query<SiteStateRow>('SELECT * FROM crawl_sites WHERE site = $1', [site])).rows[0];
    return r ? { ...r, agency_id: null, fingerprint: null, last_run_id: r.last_run_id === null ? null : Number(r.last_run_id) } : undefined;
  }

  async updateSite(u: Partial<SiteStateRow> & { site: string }): Promise<void> {
    await this.#c.pool.query(
      `INSERT INTO crawl_sites (site, adapter, challenge, browser_reason, last_run_id, last_crawl_at, last_ok_at, consecutive_failures)
       VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, 0))
       ON CONFLICT (site) DO UPDATE SET adapter = COALESCE(excluded.adapter, crawl_sites.adapter),
         challenge = COALESCE(excluded.challenge, crawl_sites.challenge), browser_reason = COALESCE(excluded.browser_reason, crawl_sites.browser_reason),
         last_run_id = COALESCE(excluded.last_run_id, crawl_sites.last_run_id), last_crawl_at = COALESCE(excluded.last_crawl_at, crawl_sites.last_crawl_at),
         last_ok_at = COALESCE(excluded.last_ok_at, crawl_sites.last_ok_at), consecutive_failures = COALESCE($8, crawl_sites.consecutive_failures)`,
      [
        u.site,
        u.adapter ?? null,
        u.challenge ?? null,
        u.browser_reason ?? null,
        u.last_run_id ?? null,
        u.last_crawl_at ?? null,
        u.last_ok_at ?? null,
        u.consecutive_failures ?? null,
      ],
    );
  }

  // -- rows

  async claim(site: string, limit: number, exclude: ReadonlySet<number>): Promise<FrontierRow[]> {
    const rows = await this.#c.pool.query<FrontierRow>(
      `SELECT ${ROW_COLUMNS} FROM frontier
       WHERE site = $1 AND state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= $2) AND NOT (id = ANY($3::bigint[]))
       ORDER BY prio, id LIMIT $4`,
      [site, nowIso(), [...exclude], limit],
    );
    return rows.rows;
  }

  async queued(site: string): Promise<number> {
    const r = await this.#c.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM frontier WHERE site = $1 AND state = 'queued'", [site]);
    return r.rows[0]?.n ?? 0;
  }

  async commit(page: PageCommit): Promise<PageCommitResult> {
    return this.pageTx(page, (c) => this.commitIn(c, page));
  }

  /**
   * Runs a page's writes in one transaction. In a worker (`siteWork`), the page that finishes a
   * row stays open until {@link rowDone} (row-transactions.ts).
   */
  pageTx<T>(page: PageCommit, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#rows.run(page, !!page.finish && this.#o.siteWork?.(page.site) !== undefined, fn);
  }

  /** The row is done: its held transaction commits, with the worker's share of the site's summary as it now stands. */
  rowDone(row: FrontierRow): Promise<void> {
    return this.#rows.done(row.id, async (c, held) => {
      const work = this.#o.siteWork?.(held.site);
      if (work) await recordSiteWork(c, held.runId, held.site, work.share, work.summary);
    });
  }

  /**
   * Applies a page's frontier writes inside the caller's transaction. Its run errors and counters
   * are queued for the storer as a note, unless `notes` is false (the sink queues the whole page
   * with its result).
   */
  async commitIn(c: pg.PoolClient, page: PageCommit, notes = true): Promise<PageCommitResult> {
    const host = this.hostOfSite(page.site);
    if (page.response) await recordResponse(c, page.response, host, page.runId);
    let queued = 0;
    for (const it of page.discovered ?? []) {
      const r = await upsertItem(c, it, this.hostOfSite(it.site), page.runId);
      if (r !== 'known') queued++;
    }
    if (page.finish) await finishRow(c, page.row, page.finish, page.runId);
    if (notes && ((page.errors?.length ?? 0) > 0 || page.seen)) {
      await enqueueResult(c, {
        runId: page.runId,
        site: page.site,
        key: page.row.key,
        worker: this.#o.workerId,
        result: { kind: 'note', url: page.row.url, errors: page.errors ?? [], seen: page.seen === true },
      });
    }
    return { queued };
  }

  async flush(): Promise<void> {
    // every commit is its own transaction
  }

  // -- leases (generic keys; hosts are claimed through src/coordinator/hosts.ts)

  async lease(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    const r = await this.#c.pool.query<{ ms: string }>(
      `INSERT INTO leases (key, owner, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at < now()
       RETURNING (extract(epoch FROM expires_at) * 1000)::bigint AS ms`,
      [key, owner, ttlMs],
    );
    return r.rows[0] ? { key, owner, expiresAt: Number(r.rows[0].ms) } : null;
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
    const r = await this.#c.pool.query<{ ms: string }>(
      `UPDATE leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE key = $1 AND owner = $2
       RETURNING (extract(epoch FROM expires_at) * 1000)::bigint AS ms`,
      [lease.key, lease.owner, ttlMs],
    );
    return r.rows[0] ? { ...lease, expiresAt: Number(r.rows[0].ms) } : null;
  }

  async release(lease: Lease): Promise<void> {
    await this.#c.pool.query('DELETE FROM leases WHERE key = $1 AND owner = $2', [lease.key, lease.owner]);
  }

  hostOfSite(site: string): string {
    const h = this.#o.siteHosts.get(site);
    if (!h) throw new Error(`site ${site} is not part of coordinated run ${this.#o.runId}`);
    return h;
  }
}
