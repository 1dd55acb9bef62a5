/**
 * The crawl's schedule, when it has one (`--schedule "30 2 * * *"` or `$NIANBAO_SCHEDULE`, the
 * same cron expression the cron line or systemd timer uses): the previous crawl of the database
 * and the next run the schedule gives, printed by `nianbao crawl` so a person reading a log knows
 * whether the job runs as planned. Cron expressions are read by croner, in the machine's time zone.
 */
import { Cron } from 'croner';
import type { Db } from '../store/db.js';

export interface PreviousCrawl {
  runId: number;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  reportsNew: number;
  errors: number;
}

/** The last crawl run of this database before `beforeRunId` (any status), or null. */
export function previousCrawl(db: Db, beforeRunId?: number): PreviousCrawl | null {
  const row = db
    .prepare(
      `SELECT id, started_at, finished_at, status, reports_new, errors FROM runs
       WHERE command = 'crawl' AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT 1`,
    )
    .get({ before: beforeRunId ?? null }) as
    { id: number; started_at: string; finished_at: string | null; status: string; reports_new: number; errors: number } | undefined;
  if (!row) return null;
  return { runId: row.id, startedAt: row.started_at, finishedAt: row.finished_at, status: row.status, reportsNew: row.reports_new, errors: row.errors };
}

/** Throws a `TypeError` naming the problem when `expr` is not a cron expression croner reads. */
export function validateSchedule(expr: string): string {
  const trimmed = expr.trim();
  try {
    new Cron(trimmed, { paused: true }).stop();
  } catch (err) {
    throw new TypeError(`"${expr}" is not a cron expression (${err instanceof Error ? err.message : String(err)}); e.g. "30 2 * * *" for 02:30 every night`, {
      cause: err,
    });
  }
  return trimmed;
}

/** The next time `expr` fires after `from`, or null when it never does. */
export function nextScheduledRun(expr: string, from: Date = new Date()): Date | null {
  const job = new Cron(expr, { paused: true });
  try {
    return job.nextRun(from);
  } finally {
    job.stop();
  }
}

/** `2026-12-07 02:30` in the machine's time zone (as cron reads its lines). */
export function localMinute(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The lines `nianbao crawl` prints about its schedule. */
export function describeSchedule(previous: PreviousCrawl | null, schedule: string | undefined, now: Date = new Date()): string {
  const lines: string[] = [];
  lines.push(
    previous
      ? `previous crawl: run ${previous.runId}, started ${previous.startedAt}${previous.finishedAt ? `, finished ${previous.finishedAt}` : ''} (${previous.status}; ${previous.reportsNew} new report(s), ${previous.errors} error(s))`
      : 'previous crawl: none (this is the first crawl of this database)',
  );
  if (schedule) {
    const next = nextScheduledRun(schedule, now);
    lines.push(`next scheduled crawl: ${next ? localMinute(next) : 'never'} (schedule "${schedule}")`);
  }
  return `${lines.join('\n')}\n`;
}
