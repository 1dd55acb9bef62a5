/**
 * `nianbao prune [--keep-days N] [--dry-run] [--vacuum] [--ocr-cache DIR | --no-ocr-cache] [--json]`:
 * removes the page history a nightly crawl piles up — old versions of list, entry and API pages,
 * old challenge and error pages, and the snapshot bytes nothing names any more — and the OCR
 * cache's entries unused for as long. Reports and their bytes are never touched. A thin wrapper
 * over src/store/prune.ts (`pruneHistory`).
 *
 * Exit codes: 0 done (or nothing to do); 75 a crawl, ingest, reparse or store is running on the
 * database (nothing done, or stopped between two transactions: run it again later); 1 an error.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { NianbaoError } from '../../../parsers/errors.js';
import { openDatabase, type Db } from '../../store/db.js';
import { pruneHistory, type PruneResult } from '../../store/prune.js';
import { terminalSafe } from '../../store/terminal-safe.js';
import { dbOption, dbPathFrom, parsePositiveInt, reportCommandError } from '../command-support.js';
import { ocrCacheDirFrom } from '../ocr-option.js';
import { createProgress, type ProgressMode } from '../progress.js';

/** Exit code when a writer holds the database (EX_TEMPFAIL, as `nianbao crawl`). */
const EXIT_BUSY = 75;

interface PruneCliOptions {
  db?: string;
  keepDays: number;
  dryRun?: boolean;
  vacuum?: boolean;
  /** `--ocr-cache <dir>`, or false for `--no-ocr-cache`. */
  ocrCache?: string | boolean;
  json?: boolean;
  progress?: ProgressMode;
}

const mb = (bytes: number): string => (bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1_048_576).toFixed(1)} MB`);

/** Size of the database file and its WAL, bytes. */
function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL file
    }
  }
  return n;
}

/** The summary printed after a prune. */
export function describePrune(file: string, r: PruneResult, keepDays: number, vacuum: { before: number; after: number } | null): string {
  const would = r.dryRun ? 'would remove' : 'removed';
  const kinds = Object.entries(r.responses.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `${r.dryRun ? 'dry run (nothing changed): ' : ''}${file}, history older than ${keepDays} day(s) (received before ${r.cutoff.slice(0, 10)})`,
    `  ${would} ${r.responses.removed} old page response(s)${kinds ? ` (${kinds})` : ''}; each page's latest response is kept, reports' are never touched`,
    `  ${would} ${r.snapshots.removed} snapshot blob(s) nothing names any more: ${mb(r.snapshots.gzBytes)} stored (${mb(r.snapshots.rawBytes)} as received)`,
  ];
  const c = r.ocrCache;
  if (c?.missing) lines.push(`  OCR cache ${c.dir}: none (nothing to do)`);
  else if (c) {
    lines.push(
      `  ${would} ${c.removed} OCR cache entr${c.removed === 1 ? 'y' : 'ies'} unused since ${r.cutoff.slice(0, 10)} from ${c.dir}: ${mb(c.bytes)}; ${c.kept} kept` +
        (c.skipped > 0 ? `; ${c.skipped} skipped (could not be read or removed)` : ''),
    );
  }
  if (vacuum) lines.push(`  VACUUM: the file went from ${mb(vacuum.before)} to ${mb(vacuum.after)}`);
  else lines.push(`  free space in the file${r.dryRun ? ' after it' : ''}: ${mb(r.freeBytes)} (later writes reuse it; --vacuum gives it back to the disk)`);
  if (r.stopped) lines.push(`  stopped before the end: ${r.stopped}`);
  return `${lines.join('\n')}\n`;
}

function vacuumFile(db: Db, file: string): { before: number; after: number } {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const before = fileBytes(file);
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { before, after: fileBytes(file) };
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description(
      'remove old page history a nightly crawl piles up (old versions of list, entry and API pages, old challenge and error pages, and snapshot bytes nothing names any more) and the OCR cache entries not used as long; reports and their bytes are never touched',
    )
    .option('--keep-days <n>', 'keep everything received in the last N days (and each page’s latest response)', parsePositiveInt('--keep-days'), 90)
    .option('--dry-run', 'count what would be removed; change nothing')
    .option(
      '--vacuum',
      'then VACUUM the file, giving the freed space back to the disk (rewrites the file: needs free disk space of its size and no other process on it)',
    )
    .option(
      '--ocr-cache <dir>',
      'the OCR cache folder of the runs (their --ocr-cache): its entries not used (read or written) in the last N days are removed too (default: <db>.ocr-cache; none there: nothing to do)',
    )
    .option('--no-ocr-cache', 'leave the OCR cache alone')
    .option('--json', 'print the result as one JSON object')
    .addOption(
      new Option('--progress <mode>', 'progress display: a bar on a terminal, JSON lines on stderr otherwise')
        .choices(['auto', 'bar', 'json', 'none'])
        .default('auto'),
    )
    .addOption(dbOption())
    .action((opts: PruneCliOptions) => {
      const file = dbPathFrom(opts);
      let db: Db;
      try {
        db = openDatabase(file, { create: false });
      } catch (err) {
        reportCommandError('prune', err);
        return;
      }
      const bar = createProgress({ label: 'prune', mode: opts.progress ?? 'auto' });
      try {
        const ocrCacheDir = ocrCacheDirFrom(opts);
        const result = pruneHistory(db, { keepDays: opts.keepDays, dryRun: opts.dryRun ?? false, ...(ocrCacheDir !== undefined && { ocrCacheDir }) }, (p) =>
          bar.tick(0, { phase: p.phase, examined: p.examined, removed: p.removed }),
        );
        bar.stop();
        for (const w of result.ocrCache?.warnings ?? []) process.stderr.write(`nianbao prune: warning: OCR cache: ${terminalSafe(w, { oneLine: true })}\n`);
        if (result.ocrCache && result.ocrCache.skipped > result.ocrCache.warnings.length) {
          process.stderr.write(`nianbao prune: warning: OCR cache: ${result.ocrCache.skipped - result.ocrCache.warnings.length} more file(s) skipped\n`);
        }
        const vacuum = opts.vacuum && !opts.dryRun && !result.stopped ? vacuumFile(db, file) : null;
        process.stdout.write(
          opts.json ? `${JSON.stringify({ file, keepDays: opts.keepDays, ...result, vacuum })}\n` : describePrune(file, result, opts.keepDays, vacuum),
        );
        if (result.stopped) process.exitCode = EXIT_BUSY;
      } catch (err) {
        bar.stop();
        reportCommandError('prune', err);
        if (err instanceof NianbaoError && err.code === 'NB_RUN_BUSY') process.exitCode = EXIT_BUSY;
      } finally {
        db.close();
      }
    });
}
