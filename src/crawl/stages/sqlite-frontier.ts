/**
 * The embedded {@link Frontier}: the frontier, responses and run rows in the crawl's SQLite file.
 * Every method does its work synchronously when called (the promise is already settled), so the
 * order of writes is the order of calls. A page's writes are one unit (a savepoint) grouped with
 * other pages' into transactions of up to `commitEveryPages` pages or `commitEveryMs` ms: a kill
 * loses at most that much work, which the next run fetches again; a timer commits an idle group.
 *
 * Leases are kept in memory: one process works an SQLite frontier (the run is exclusive).
 */
import type { Site } from '../../sites/registry.js';
import type { Db } from '../../store/db.js';
import { finishRun, recordRunError, startHeartbeat, startRun } from '../../store/runs.js';
import { GroupCommit } from '../../store/writer.js';
import type { Frontier, FrontierRow, Lease, PageCommit, PageCommitResult, PrepareSiteOptions, RunEnd, SiteStateRow } from './contracts.js';
import { FrontierTables } from './frontier-tables.js';

/** Runs `fn` now; its result or error as a settled promise. */
function settled<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

export interface SqliteFrontierOptions {
  /** Pages per transaction. @default 1 */
  commitEveryPages?: number;
  /** Longest a transaction stays open, ms. @default 1000 */
  commitEveryMs?: number;
}

export class SqliteFrontier implements Frontier {
  readonly tables: FrontierTables;
  readonly group: GroupCommit;
  readonly #commitEveryMs: number;
  #commitTimer: NodeJS.Timeout | undefined;
  /** Why the timer's commit of an idle group failed (the disk full …): thrown by the next unit, commit or flush. */
  #timerFailure: unknown = undefined;
  readonly #leases = new Map<string, Lease>();
  readonly #bumpErrors;
  readonly #bumpSeen;

  constructor(
    readonly db: Db,
    o: SqliteFrontierOptions = {},
  ) {
    this.tables = new FrontierTables(db);
    this.#commitEveryMs = o.commitEveryMs ?? 1000;
    this.group = new GroupCommit(db, o.commitEveryPages ?? 1, this.#commitEveryMs);
    this.#bumpErrors = db.prepare('UPDATE runs SET errors = errors + 1 WHERE id = ?');
    this.#bumpSeen = db.prepare('UPDATE runs SET files_seen = files_seen + 1 WHERE id = ?');
  }

  // -------------------------------------------------------------------------------------------
  // Units (shared with the SQLite report sink, whose writes join the page's unit)

  /** Runs one page's writes as one atomic unit of the current group (synchronous). */
  unit<T>(fn: () => T): T {
    this.#throwTimerFailure();
    const out = this.group.run(fn);
    if (!this.#commitTimer) {
      this.#commitTimer = setTimeout(() => {
        this.#commitTimer = undefined;
        try {
          this.group.commit();
        } catch (err) {
          // Rolled back (GroupCommit.commit): those pages are fetched again next run. A timer has
          // no caller to throw to: the crawl learns it at its next write.
          this.#timerFailure ??= err;
        }
      }, this.#commitEveryMs);
    }
    return out;
  }

  /** Commits the open group now (synchronous). */
  commitNow(): void {
    this.#throwTimerFailure();
    if (this.#commitTimer) clearTimeout(this.#commitTimer);
    this.#commitTimer = undefined;
    this.group.commit();
  }

  #throwTimerFailure(): void {
    if (this.#timerFailure === undefined) return;
    const err = this.#timerFailure;
    this.#timerFailure = undefined;
    throw err;
  }

  /**
   * A page's frontier writes, in order: its response, the links it found, the row finished, its
   * run errors, the files-seen count. Call inside a unit.
   */
  applyPage(page: PageCommit): PageCommitResult {
    const t = this.tables;
    let queued = 0;
    if (page.response) t.recordResponse(page.response, page.runId);
    for (const it of page.discovered ?? []) if (t.upsert(it, page.runId) !== 'known') queued++;
    if (page.finish) t.finish(page.row, page.finish, page.runId);
    for (const e of page.errors ?? []) {
      recordRunError(this.db, page.runId, { path: page.row.url, code: e.code, message: `[${page.site}] ${e.message}`.slice(0, 2000) });
      if (e.counted) this.#bumpErrors.run(page.runId);
    }
    if (page.seen) this.#bumpSeen.run(page.runId);
    return { queued };
  }

  commit(page: PageCommit): Promise<PageCommitResult> {
    return settled(() => this.unit(() => this.applyPage(page)));
  }

  flush(): Promise<void> {
    return settled(() => this.commitNow());
  }

  // -------------------------------------------------------------------------------------------
  // Runs and sites

  startRun(args: unknown, toolVersion: string): Promise<number> {
    // Exclusive: a second crawl of the same database would take the same frontier rows.
    return settled(() => startRun(this.db, 'crawl', args, toolVersion, { exclusive: true }));
  }

  heartbeat(runId: number): () => void {
    return startHeartbeat(this.db, runId);
  }

  finishRun(runId: number, end: RunEnd): Promise<void> {
    return settled(() => finishRun(this.db, runId, end.status, { durationMs: end.durationMs, counts: end.counts }));
  }

  ensureAgency(site: Site): Promise<number> {
    return settled(() => this.tables.ensureAgency(site));
  }

  prepareSite(site: Site, o: PrepareSiteOptions): Promise<void> {
    return settled(() => this.tables.prepareSite(site, o));
  }

  siteState(site: string): Promise<SiteStateRow | undefined> {
    return settled(() => this.tables.siteState(site));
  }

  updateSite(u: Partial<SiteStateRow> & { site: string }): Promise<void> {
    return settled(() => this.tables.updateSite(u));
  }

  claim(site: string, limit: number, exclude: ReadonlySet<number>): Promise<FrontierRow[]> {
    // Ids first: the rows in flight come back too (they are still queued) and are skipped; only
    // the rows claimed are read whole.
    return settled(() => {
      const rows: FrontierRow[] = [];
      for (const id of this.tables.nextIds(site, limit + exclude.size)) {
        if (rows.length === limit) break;
        if (exclude.has(id)) continue;
        const row = this.tables.getById(id);
        if (row) rows.push(row);
      }
      return rows;
    });
  }

  queued(site: string): Promise<number> {
    return settled(() => this.tables.queued(site));
  }

  // -------------------------------------------------------------------------------------------
  // Leases (in memory: one process per SQLite frontier)

  lease(key: string, owner: string, ttlMs: number, now: number = Date.now()): Promise<Lease | null> {
    const held = this.#leases.get(key);
    if (held && held.owner !== owner && held.expiresAt > now) return Promise.resolve(null);
    const lease = { key, owner, expiresAt: now + ttlMs };
    this.#leases.set(key, lease);
    return Promise.resolve(lease);
  }

  renew(lease: Lease, ttlMs: number, now: number = Date.now()): Promise<Lease | null> {
    const held = this.#leases.get(lease.key);
    if (!held || held.owner !== lease.owner) return Promise.resolve(null);
    const next = { ...held, expiresAt: now + ttlMs };
    this.#leases.set(lease.key, next);
    return Promise.resolve(next);
  }

  release(lease: Lease): Promise<void> {
    if (this.#leases.get(lease.key)?.owner === lease.owner) this.#leases.delete(lease.key);
    return Promise.resolve();
  }
}
