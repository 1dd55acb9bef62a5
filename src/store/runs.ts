/**
 * The `runs` table: one row per command run, with counts kept up to date inside the same
 * transactions that store reports (so a killed run still shows what it did).
 */
import { hostname } from 'node:os';
import { PARSER_VERSION } from '../../parsers/version.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';

/** Counters of a run (columns of `runs`). */
export interface RunCounts {
  files_seen: number;
  reports_new: number;
  reports_unchanged: number;
  reports_updated: number;
  reports_failed: number;
  cells_written: number;
  findings_written: number;
  errors: number;
}

export type RunStatus = 'running' | 'ok' | 'failed' | 'interrupted';

const nowIso = (): string => new Date().toISOString();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How often a running writer (crawl, ingest, reparse) refreshes `runs.heartbeat_at`. */
export const HEARTBEAT_MS = 30_000;
/** A running run whose heartbeat is older than this is taken for dead, whatever its pid. */
export const HEARTBEAT_STALE_MS = 5 * 60_000;

export interface RunningRow {
  id: number;
  command: string;
  pid: number | null;
  host: string | null;
  started_at: string;
  heartbeat_at: string | null;
}

/** A run row of this host (or one written before hosts were recorded). */
const onThisHost = (r: RunningRow): boolean => r.host === null || r.host === hostname();

/** Marks runs left `running` by a process that no longer exists (same host) as `interrupted`. */
export function markInterruptedRuns(db: Db): number {
  const stale = db.prepare("SELECT id, command, pid, host, started_at, heartbeat_at FROM runs WHERE status = 'running'").all() as RunningRow[];
  const mark = db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'");
  let n = 0;
  for (const r of stale) {
    if (!onThisHost(r)) continue;
    if (r.pid === process.pid) continue;
    if (r.pid !== null && pidAlive(r.pid)) continue;
    n += mark.run(r.id).changes;
  }
  return n;
}

/**
 * A live run of `command` by another process: status running, its pid alive when it ran on this
 * host, and a heartbeat (if it keeps one) younger than HEARTBEAT_STALE_MS.
 */
export function liveRunOf(db: Db, command: string, now: number = Date.now()): RunningRow | null {
  const rows = db
    .prepare("SELECT id, command, pid, host, started_at, heartbeat_at FROM runs WHERE status = 'running' AND command = ? ORDER BY id")
    .all(command) as RunningRow[];
  for (const r of rows) {
    if (r.pid === process.pid && onThisHost(r)) continue;
    const beat = r.heartbeat_at ?? r.started_at;
    const fresh = now - Date.parse(beat) < HEARTBEAT_STALE_MS;
    if (onThisHost(r) ? r.pid !== null && pidAlive(r.pid) && (fresh || r.heartbeat_at === null) : fresh) return r;
  }
  return null;
}

/**
 * Live runs of any of `commands` by other processes: status running, and on this host a pid that
 * is alive (however old its heartbeat: a pid is surer), on another host a heartbeat younger than
 * HEARTBEAT_STALE_MS — crawls, ingests and reparses keep one (startHeartbeat, runHeartbeat), a
 * store run (`nianbao store`) does not, so one on another host counts as live for its first
 * HEARTBEAT_STALE_MS only. Used by maintenance that must not overlap a writer (prune.ts).
 */
export function liveRunsOf(db: Db, commands: readonly string[], now: number = Date.now()): RunningRow[] {
  const rows = db
    .prepare(
      "SELECT id, command, pid, host, started_at, heartbeat_at FROM runs WHERE status = 'running' AND command IN (SELECT value FROM json_each(?)) ORDER BY id",
    )
    .all(JSON.stringify(commands)) as RunningRow[];
  return rows.filter((r) => {
    if (r.pid === process.pid && onThisHost(r)) return false;
    if (onThisHost(r)) return r.pid !== null && pidAlive(r.pid);
    return now - Date.parse(r.heartbeat_at ?? r.started_at) < HEARTBEAT_STALE_MS;
  });
}

function busyMessage(command: string, r: RunningRow, now: number): string {
  const beat = r.heartbeat_at ? `, last heartbeat ${Math.round((now - Date.parse(r.heartbeat_at)) / 1000)} s ago` : '';
  const where = r.host ? ` on ${r.host}` : '';
  return (
    `another ${command} is running on this database: run ${r.id} (pid ${r.pid ?? '?'}${where}, started ${r.started_at}${beat}). ` +
    `Two at once would fetch the same pages and double the load on every portal. Wait for it to finish or stop it` +
    `${r.pid ? ` (kill ${r.pid})` : ''}; a ${command} that died is recognised by its pid, or after ${HEARTBEAT_STALE_MS / 60_000} min without a heartbeat.`
  );
}

export interface StartRunOptions {
  /**
   * Refuse to start while another process runs the same command on this database (throws
   * StoreError `NB_RUN_BUSY`). The check and the new row are one IMMEDIATE transaction, so of two
   * processes starting together exactly one wins. @default false
   */
  exclusive?: boolean;
}

/** Starts a run and returns its id. */
export function startRun(db: Db, command: string, args: unknown, toolVersion: string = PARSER_VERSION, options: StartRunOptions = {}): number {
  const start = db.transaction((): number => {
    markInterruptedRuns(db);
    const now = Date.now();
    if (options.exclusive) {
      const other = liveRunOf(db, command, now);
      if (other) throw new StoreError('NB_RUN_BUSY', busyMessage(command, other, now));
    }
    const at = new Date(now).toISOString();
    const info = db
      .prepare('INSERT INTO runs (command, args, started_at, status, pid, tool_version, parser_version, host, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(command, JSON.stringify(args ?? null), at, 'running', process.pid, toolVersion, PARSER_VERSION, hostname(), at);
    return Number(info.lastInsertRowid);
  });
  return db.inTransaction ? start() : start.immediate();
}

export interface RunHeartbeat {
  /**
   * Refreshes the heartbeat if `everyMs` has passed since the last refresh: for long synchronous
   * work that keeps the timer from firing (call it between its transactions, or inside one).
   */
  beatIfDue(): void;
  /** Stops the timer. */
  stop(): void;
}

/**
 * Refreshes the run's heartbeat every `everyMs` by a timer (which does not keep the process alive),
 * and on {@link RunHeartbeat.beatIfDue} when as much time has passed. A refresh is one small UPDATE:
 * when the run has a transaction open (a group of reports, group-commit.ts) it is part of it and
 * costs no transaction of its own; otherwise it is its own, once per `everyMs`, never per report.
 * A refresh that cannot get the write lock is skipped.
 */
export function runHeartbeat(db: Db, runId: number, everyMs: number = HEARTBEAT_MS): RunHeartbeat {
  const beat = db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?');
  let last = Date.now();
  const write = (): void => {
    const now = Date.now();
    try {
      if (db.open) beat.run(new Date(now).toISOString(), runId);
      last = now;
    } catch {
      // Busy or closing: the next beat tries again; five minutes of misses are needed to look dead.
    }
  };
  const timer = setInterval(write, everyMs);
  timer.unref();
  return {
    beatIfDue: () => {
      if (Date.now() - last >= everyMs) write();
    },
    stop: () => clearInterval(timer),
  };
}

/** {@link runHeartbeat}'s timer alone; returns the function that stops it. */
export function startHeartbeat(db: Db, runId: number, everyMs: number = HEARTBEAT_MS): () => void {
  return runHeartbeat(db, runId, everyMs).stop;
}

/** Adds to a run's counters (call inside the transaction that did the work). */
export function bumpRun(db: Db, runId: number, delta: Partial<RunCounts>): void {
  const cols = Object.entries(delta).filter(([, v]) => typeof v === 'number' && v !== 0) as [keyof RunCounts, number][];
  if (cols.length === 0) return;
  const allowed = new Set<string>([
    'files_seen',
    'reports_new',
    'reports_unchanged',
    'reports_updated',
    'reports_failed',
    'cells_written',
    'findings_written',
    'errors',
  ]);
  const set = cols.filter(([k]) => allowed.has(k)).map(([k]) => `${k} = ${k} + @${k}`);
  if (set.length === 0) return;
  db.prepare(`UPDATE runs SET ${set.join(', ')} WHERE id = @id`).run({ ...Object.fromEntries(cols), id: runId });
}

/** Records one problem of a run (a file that could not be read, a report that failed …). */
export function recordRunError(db: Db, runId: number, e: { path?: string | null; code?: string | null; message: string }): void {
  db.prepare('INSERT INTO run_errors (run_id, path, code, message, at) VALUES (?, ?, ?, ?, ?)').run(runId, e.path ?? null, e.code ?? null, e.message, nowIso());
}

/**
 * Closes a still-running run as `interrupted` at once, for a process about to exit on a signal:
 * a group of pages not yet committed is rolled back first (those pages stay queued and are
 * fetched again next run). Returns whether the row was still running.
 */
export function markRunInterrupted(db: Db, runId: number): boolean {
  if (!db.open) return false;
  if (db.inTransaction) db.exec('ROLLBACK');
  return db.prepare("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'").run(nowIso(), runId).changes > 0;
}

/** Closes a run with its status, timings and any extra counts. */
export function finishRun(
  db: Db,
  runId: number,
  status: Exclude<RunStatus, 'running'>,
  extra: { durationMs?: number; parseMs?: number; storeMs?: number; counts?: Record<string, unknown> } = {},
): void {
  db.prepare('UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, parse_ms = ?, store_ms = ?, counts = ? WHERE id = ?').run(
    status,
    nowIso(),
    extra.durationMs ?? null,
    extra.parseMs ?? null,
    extra.storeMs ?? null,
    extra.counts ? JSON.stringify(extra.counts) : null,
    runId,
  );
}
