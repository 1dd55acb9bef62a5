/**
 * `nianbao ingest PATH...`: parse every report file (folders recursively; *.json and *.md skipped)
 * and store it with a compressed raw snapshot. Idempotent by content hash; failed parses are
 * stored as failed reports. `nianbao reparse`: re-parse stored snapshots when the parser changed.
 */
import { type Command, Option } from 'commander';
import { defaultSnapshotsDir, openDatabase } from '../../store/db.js';
import { dbOption, dbPathFrom, parsePositiveInt, parseWorkerCount, reportCommandError, terminalSafe } from '../command-support.js';
import { DEFAULT_BATCH, type IngestProgress, type IngestSummary, ingestPaths, reparseStored } from '../../ingest/index.js';
import { addBudgetOptions, type BudgetCliOptions, budgetFromOptions } from '../budget-options.js';
import { ocrCacheDirFrom, ocrOption, storeOcrCacheOptions, type OcrMode } from '../ocr-option.js';
import { createProgress, type ProgressMode } from '../progress.js';

interface IngestCliOptions extends BudgetCliOptions {
  db?: string;
  batch: number;
  /** False with `--no-index-thread`. */
  indexThread: boolean;
  snapshots?: string;
  json?: boolean;
  progress?: ProgressMode;
  ocr: OcrMode;
  /** `--ocr-cache <dir>`, or false for `--no-ocr-cache`. */
  ocrCache?: string | boolean;
}

function summaryLine(verb: string, s: IngestSummary, db: string): string {
  const secs = (s.durationMs / 1000).toFixed(1);
  const stored = s.new + s.updated;
  return (
    `${verb} ${s.files} file(s): ${s.new > 0 || s.updated === 0 ? `${s.new} new` : `${s.updated} re-parsed`}` +
    ` (${s.ok} ok, ${s.partial} partial, ${s.failed} failed), ${s.unchanged} unchanged` +
    `${s.revised > 0 ? `, ${s.revised} revising a version ingested before from the same file${s.revisedTemplateOnly > 0 ? ` (${s.revisedTemplateOnly} of them only a page template's change)` : ''} (nianbao changes)` : ''}` +
    `${s.errors.length > 0 ? `, ${s.errors.length} unreadable` : ''}; ${s.cells} cells, ${s.findings} findings` +
    ` in ${secs} s (${stored > 0 ? s.reportsPerSecond.toFixed(1) : '0'} reports/s) → ${terminalSafe(db)}\n` +
    ocrLine(s) +
    indexLine(s) +
    (s.indexPending > 0 ? `search index: ${s.indexPending} report(s) pending (searched by a scan until the next writing command indexes them)\n` : '')
  );
}

/** What the run added to the search index, and how. */
function indexLine(s: IngestSummary): string {
  if (s.indexed === 0) return '';
  const end = `${(s.indexMs / 1000).toFixed(1)} s at the end (part of the time above)`;
  const how =
    s.indexedByThread > 0 ? `${s.indexedByThread} of them on the index thread while storing, ${s.indexed - s.indexedByThread} in ${end}` : `in ${end}`;
  return `search index: ${s.indexed} report(s) added${s.indexedByThread > 0 ? ', ' : ' '}${how}\n`;
}

/** What OCR cost, when the run read anything by OCR. */
function ocrLine(s: IngestSummary): string {
  const { crops, cropsCached, tesseractRuns, cacheWriteErrors } = s.ocr;
  if (crops === 0 && tesseractRuns === 0) return '';
  return (
    `OCR: ${crops} image crop(s) read, ${cropsCached} from the OCR cache; ${tesseractRuns} Tesseract run(s)` +
    `${cacheWriteErrors > 0 ? `; ${cacheWriteErrors} cache entr${cacheWriteErrors === 1 ? 'y' : 'ies'} could not be written (read again next time)` : ''}\n`
  );
}

function progressHandler(label: string, mode: ProgressMode | undefined) {
  const bar = createProgress({ label, mode: mode ?? 'auto' });
  const counts = { new: 0, unchanged: 0, updated: 0, failed: 0, errors: 0 };
  const onProgress = (p: IngestProgress): void => {
    bar.setTotal(p.total);
    if (p.outcome === 'error') counts.errors++;
    else counts[p.outcome]++;
    if (p.status === 'failed') counts.failed++;
    bar.tick(1, { ...counts });
  };
  return { onProgress, stop: () => bar.stop() };
}

/** An AbortSignal raised by the first Ctrl-C (SIGINT/SIGTERM): the command stops after the current file. */
function stopSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

function progressOption(): Option {
  return new Option('--progress <mode>', 'progress on stderr: auto (a bar on a terminal, JSON lines otherwise), bar, json, none')
    .choices(['auto', 'bar', 'json', 'none'])
    .default('auto');
}

export function registerIngest(program: Command): void {
  const ingest = program
    .command('ingest')
    .description('parse report files and folders (recursively) and store them in the database')
    .argument('<paths...>', 'files or folders (inside folders, *.json, *.md and hidden files are skipped)')
    .addOption(dbOption())
    .option('--snapshots <dir>', 'folder of snapshot files of databases before schema 14, moved into the database by this run (default: <db>.snapshots)')
    .option(
      '--batch <n>',
      'reports per transaction (each report stays atomic; a group is committed within 1 s; 1: a commit per report)',
      parsePositiveInt('--batch'),
      DEFAULT_BATCH,
    )
    .option('--no-index-thread', 'build the search index in a pass at the end of the run instead of on a second thread while it writes')
    .option(
      '--parse-workers <n>',
      'worker threads that parse while the main thread stores (each ends a document over its heap or deadline); 0 parses on the main thread (the budget still holds, checked while reading)',
      parseWorkerCount,
      0,
    )
    .option('--json', 'print the summary as JSON on stdout')
    .addOption(progressOption())
    .addOption(ocrOption());
  for (const o of storeOcrCacheOptions()) ingest.addOption(o);
  addBudgetOptions(ingest).action(async (paths: string[], opts: IngestCliOptions & { parseWorkers: number }) => {
    const dbFile = dbPathFrom(opts);
    let db;
    try {
      db = openDatabase(dbFile);
    } catch (err) {
      reportCommandError('ingest', err);
      return;
    }
    const progress = progressHandler('ingest', opts.progress);
    const stop = stopSignal();
    try {
      const summary = await ingestPaths(db, paths, {
        snapshotsDir: opts.snapshots ?? defaultSnapshotsDir(dbFile),
        batch: opts.batch,
        indexThread: opts.indexThread,
        parseWorkers: opts.parseWorkers,
        ocr: opts.ocr,
        ...(ocrCacheDirFrom(opts) !== undefined && { ocrCacheDir: ocrCacheDirFrom(opts) }),
        ...(budgetFromOptions(opts) ? { budget: budgetFromOptions(opts) } : {}),
        signal: stop.signal,
        onProgress: progress.onProgress,
      });
      progress.stop();
      if (opts.json) process.stdout.write(`${JSON.stringify({ db: dbFile, ...summary })}\n`);
      else process.stdout.write(summaryLine('ingested', summary, dbFile));
      for (const e of summary.errors) process.stderr.write(`nianbao ingest: cannot read ${terminalSafe(e.path)}: ${terminalSafe(e.message)} [${e.code}]\n`);
      if (summary.interrupted) process.stderr.write('nianbao: interrupted; run the same command again to continue\n');
      process.exitCode = summary.interrupted ? 130 : summary.errors.length > 0 ? 1 : 0;
    } catch (err) {
      progress.stop();
      reportCommandError('ingest', err);
    } finally {
      stop.dispose();
      db.close();
    }
  });

  const reparse = program
    .command('reparse')
    .description('re-parse stored snapshots whose parser version differs from this one (report ids stay)')
    .addOption(dbOption())
    .option('--snapshots <dir>', 'folder of snapshot files of databases before schema 14, moved into the database by this run (default: <db>.snapshots)')
    .option('--all', 're-parse every stored report')
    .option('--failed', 'also re-parse failed reports of the current parser version (reports refused by a different budget are re-parsed anyway)')
    .option('--batch <n>', 'reports per transaction', parsePositiveInt('--batch'), DEFAULT_BATCH)
    .option('--no-index-thread', 'build the search index in a pass at the end of the run instead of on a second thread while it writes')
    .option('--json', 'print the summary as JSON on stdout')
    .addOption(progressOption())
    .addOption(ocrOption());
  for (const o of storeOcrCacheOptions()) reparse.addOption(o);
  addBudgetOptions(reparse).action(async (opts: IngestCliOptions & { all?: boolean; failed?: boolean }) => {
    const dbFile = dbPathFrom(opts);
    let db;
    try {
      db = openDatabase(dbFile, { create: false });
    } catch (err) {
      reportCommandError('reparse', err);
      return;
    }
    const progress = progressHandler('reparse', opts.progress);
    const stop = stopSignal();
    try {
      const summary = await reparseStored(db, {
        snapshotsDir: opts.snapshots ?? defaultSnapshotsDir(dbFile),
        all: opts.all === true,
        failed: opts.failed === true,
        batch: opts.batch,
        indexThread: opts.indexThread,
        ocr: opts.ocr,
        ...(ocrCacheDirFrom(opts) !== undefined && { ocrCacheDir: ocrCacheDirFrom(opts) }),
        ...(budgetFromOptions(opts) ? { budget: budgetFromOptions(opts) } : {}),
        signal: stop.signal,
        onProgress: progress.onProgress,
      });
      progress.stop();
      if (opts.json) process.stdout.write(`${JSON.stringify({ db: dbFile, ...summary })}\n`);
      else process.stdout.write(summaryLine('re-parsed', summary, dbFile));
      for (const e of summary.errors) process.stderr.write(`nianbao reparse: ${terminalSafe(e.path)}: ${terminalSafe(e.message)} [${e.code}]\n`);
      if (summary.interrupted) process.stderr.write('nianbao: interrupted; run the same command again to continue\n');
      process.exitCode = summary.interrupted ? 130 : summary.errors.length > 0 ? 1 : 0;
    } catch (err) {
      progress.stop();
      reportCommandError('reparse', err);
    } finally {
      stop.dispose();
      db.close();
    }
  });
}
