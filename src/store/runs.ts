/**
 * The `runs` table: one row per command run, with counts kept up to date inside the same
 * transactions that store reports (so a killed run still shows what it did).
 */
import { PARSER_VERSION } from '../../parsers/version.js';
import type { Db } from './db.js';

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

/** Marks runs left `running` by a process that no longer exists (same host) as `interrupted`. */
export function markInterruptedRuns(db: Db): number {
  const stale = db.prepare("SELECT id, pid FROM runs WHERE status = 'running'").all() as { id: number; pid: number | null }[];
  const mark = db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'");
  let n = 0;
  for (const r of stale) {
    if (r.pid === process.pid) continue;
    if (r.pid !== null && pidAlive(r.pid)) continue;
    n += mark.run(r.id).changes;
  }
  return n;
}

/** Starts a run and returns its id. */
export function startRun(db: Db, command: string, args: unknown, toolVersion: string = PARSER_VERSION): number {
  markInterruptedRuns(db);
  const info = db
    .prepare(
      'INSERT INTO runs (command, args, started_at, status, pid, tool_version, parser_version) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .run(command, JSON.stringify(args ?? null), nowIso(), 'running', process.pid, toolVersion, PARSER_VERSION);
  return Number(info.lastInsertRowid);
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
  db.prepare('INSERT INTO run_errors (run_id, path, code, message, at) VALUES (?, ?, ?, ?, ?)').run(
    runId,
    e.path ?? null,
    e.code ?? null,
    e.message,
    nowIso(),
  );
}

/** Closes a run with its status, timings and any extra counts. */
export function finishRun(
  db: Db,
  runId: number,
  status: Exclude<RunStatus, 'running'>,
  extra: { durationMs?: number; parseMs?: number; storeMs?: number; counts?: Record<string, unknown> } = {},
): void {
  db.prepare(
    'UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, parse_ms = ?, store_ms = ?, counts = ? WHERE id = ?',
  ).run(
    status,
    nowIso(),
    extra.durationMs ?? null,
    extra.parseMs ?? null,
    extra.storeMs ?? null,
    extra.counts ? JSON.stringify(extra.counts) : null,
    runId,
  );
}
