/**
 * `nianbao crawl`: crawl the portals of the site registry → snapshot → parse → store, politely,
 * resumably and incrementally. Exit codes: 0 the crawl ran (per-site problems are in the summary
 * and in `run_errors`), 1 fatal (bad registry or options, database not writable), 75 another crawl
 * is running on the database (nothing done), 130 / 143 interrupted by SIGINT / SIGTERM within
 * 10 s (requests in flight aborted, the run closed as `interrupted`; the next run resumes).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { addBudgetOptions, type BudgetCliOptions, budgetFromOptions } from '../budget-options.js';
import { ocrCacheDirFrom, ocrOption, storeOcrCacheOptions, type OcrMode } from '../ocr-option.js';
import type { ProgressMode } from '../progress.js';
import { crawl, type CrawlSummary } from '../../crawl/crawler.js';
import type { CrawlOptionsInput } from '../../crawl/options.js';
import { EXIT, abortOnSignals, collectSites, crawlReporter, exitCodeFor, loadRegistryFrom, registrySource } from '../crawl-support.js';
import { describeSchedule, nextScheduledRun, previousCrawl, validateSchedule } from '../../crawl/schedule.js';
import { formatCrawlSummary } from '../../crawl/summary.js';
import { dbOption, dbPathFrom, parsePositiveInt, parseWorkerCount, parseYear, reportCommandError } from '../command-support.js';
import { defaultSnapshotsDir, openDatabase, type Db } from '../../store/db.js';
import { markRunInterrupted } from '../../store/runs.js';
import { coordinatorOption, runSharedCrawl, sharedDirFrom, sharedOption } from './shared-crawl.js';

export interface CrawlCliOptions extends BudgetCliOptions {
  ocr: OcrMode;
  /** `--ocr-cache <dir>`, or false for `--no-ocr-cache`. */
  ocrCache?: string | boolean;
  sites?: string;
  site?: string[];
  since?: number;
  maxPages?: number;
  refresh?: boolean;
  revisit?: number;
  revisitAfter?: number;
  ignoreRobots?: boolean;
  contact?: string;
  db?: string;
  snapshots?: string;
  json?: boolean;
  progress?: ProgressMode;
  intervalMs?: number;
  parseWorkers?: number;
  browser?: boolean;
  schedule?: string;
  coordinator?: string;
  shared?: string;
  work?: boolean;
}

/** `--schedule`: a cron expression, checked at once. */
function parseSchedule(v: string): string {
  try {
    return validateSchedule(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function parseNonNegativeInt(name: string): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name} must be a whole number of milliseconds.`);
    return Number(v);
  };
}

/** `--revisit-after`: hours, a non-negative number. */
function parseHours(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n <= 24 * 366)) throw new InvalidArgumentError('--revisit-after must be a number of hours from 0 to 8784.');
  return n;
}

function contactFrom(opts: { contact?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const c = opts.contact ?? env['NIANBAO_CONTACT'];
  return c && c.trim() ? c.trim() : undefined;
}

/** Queued pages of the given sites (for the progress total). */
function queuedCounter(db: Db, sites: () => string[]): () => number {
  const stmt = db.prepare("SELECT count(*) AS n FROM frontier WHERE state = 'queued' AND site IN (SELECT value FROM json_each(?))");
  return () => (stmt.get(JSON.stringify(sites())) as { n: number }).n;
}

/** What the `runs` row records of the command line. */
function runArgsOf(opts: CrawlCliOptions, source: string, contact: string | undefined): Record<string, unknown> {
  return {
    sites: source,
    site: opts.site ?? null,
    since: opts.since ?? null,
    maxPages: opts.maxPages ?? null,
    refresh: opts.refresh === true,
    ignoreRobots: opts.ignoreRobots === true,
    contact: contact ?? null,
  };
}

/** The crawl options of the command line (without the snapshots folder). */
function crawlOptionsOf(opts: CrawlCliOptions, contact: string | undefined): Omit<CrawlOptionsInput, 'snapshotsDir'> {
  const budget = budgetFromOptions(opts);
  return {
    ...(opts.site?.length ? { sites: opts.site } : {}),
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.maxPages !== undefined ? { maxPages: opts.maxPages } : {}),
    refresh: opts.refresh === true,
    ...(opts.revisit !== undefined ? { revisitReports: opts.revisit } : {}),
    ...(opts.revisitAfter !== undefined ? { revisitAfterHours: opts.revisitAfter } : {}),
    ignoreRobots: opts.ignoreRobots === true,
    ...(contact ? { contactUrl: contact } : {}),
    ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.parseWorkers !== undefined ? { parseWorkers: opts.parseWorkers } : {}),
    ...(budget ? { budget } : {}),
    ocr: opts.ocr,
    browser: { enabled: opts.browser !== false },
  };
}

export function registerCrawl(program: Command): void {
  const cmd = program
    .command('crawl')
    .description("crawl the registry's portals: fetch politely, snapshot every response, parse and store the reports (incremental, resumable)")
    .option('--sites <file|url>', 'site registry (default: $NIANBAO_SITES, else ./sites/registry.json, else the one shipped with nianbao)')
    .option('--site <name>', 'only this site (repeat, or comma-separated)', collectSites)
    .option('--since <year>', 'skip reports on years before this one', parseYear)
    .option('--max-pages <n>', 'list pages per site in this run (the rest waits for the next run)', parsePositiveInt('--max-pages'))
    .option('--refresh', 'fetch known reports again and list pages without conditional requests')
    .addOption(
      new Option(
        '--revisit <n>',
        'known report URLs fetched again per site (oldest fetch first, conditional requests) to notice revised and vanished reports; 0: none',
      )
        .default(50)
        .argParser((v) => {
          if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('--revisit must be a whole number (0: no revisits).');
          return Number(v);
        }),
    )
    .addOption(
      new Option('--revisit-after <hours>', 'a known report URL is due for a revisit once its last fetch is this old').default(20).argParser(parseHours),
    )
    .option('--ignore-robots', "do not fetch or obey robots.txt (prints a warning; use only with the site owner's permission)")
    .option('--contact <url>', 'URL or mailto: put in the User-Agent so site operators can reach you (default: $NIANBAO_CONTACT)')
    .addOption(dbOption())
    .option('--snapshots <dir>', 'folder of snapshot files of databases before schema 14, moved into the database by this run (default: <db>.snapshots)')
    .option('--json', 'print the summary as JSON on stdout')
    .addOption(ocrOption())
    .option('--progress <mode>', 'progress on stderr: auto (bar on a terminal, JSON lines otherwise), bar, json, none', 'auto')
    .addOption(
      new Option('--interval-ms <ms>', "minimum time between two requests to one host, for every site (default: the registry's rateMs, else 1000)").argParser(
        parseNonNegativeInt('--interval-ms'),
      ),
    )
    .addOption(
      new Option(
        '--parse-workers <n>',
        'worker threads that parse reports while the main thread fetches and stores (each ends a document over its heap or deadline); 0 parses on the main thread (the budget still holds, checked while reading) (default: 0)',
      ).argParser(parseWorkerCount),
    )
    .option('--no-browser', 'never start a browser (sites that need one are recorded and left out)')
    .addOption(
      new Option(
        '--schedule <cron>',
        'the cron expression this crawl runs on (e.g. "30 2 * * *"): the summary then says when the next run is due (default: $NIANBAO_SCHEDULE)',
      ).argParser(parseSchedule),
    )
    .addOption(coordinatorOption())
    .addOption(sharedOption())
    .option('--no-work', 'with --coordinator: only seed the shared run (workers and the storer run elsewhere)');
  for (const o of storeOcrCacheOptions('<db>.ocr-cache; with --coordinator, <shared>.ocr-cache beside the shared folder')) cmd.addOption(o);
  addBudgetOptions(cmd).action(async (opts: CrawlCliOptions) => {
    process.exitCode = await runCrawlCommand(opts);
  });
}

/** The `crawl` command; resolves to its exit code. */
export async function runCrawlCommand(opts: CrawlCliOptions): Promise<number> {
  const source = registrySource(opts.sites);
  let registry;
  try {
    registry = await loadRegistryFrom(source);
  } catch (err) {
    reportCommandError('crawl', err);
    return EXIT.FATAL;
  }
  if (opts.ignoreRobots) {
    process.stderr.write(
      'nianbao crawl: warning: --ignore-robots: robots.txt is neither fetched nor obeyed in this run. Crawl only where the site owner agreed.\n',
    );
  }
  let schedule: string | undefined;
  try {
    schedule = opts.schedule ?? (process.env['NIANBAO_SCHEDULE']?.trim() ? validateSchedule(process.env['NIANBAO_SCHEDULE']) : undefined);
  } catch (err) {
    process.stderr.write(`nianbao crawl: $NIANBAO_SCHEDULE: ${(err as Error).message} [NB_CRAWL_OPTIONS]\n`);
    return EXIT.FATAL;
  }
  const contact = contactFrom(opts);
  if (!contact) {
    process.stderr.write('nianbao crawl: note: no --contact (or NIANBAO_CONTACT) given; the User-Agent names nianbao without a way to reach you.\n');
  }
  const dbFile = dbPathFrom(opts);
  const coordinator = opts.coordinator ?? (process.env['NIANBAO_COORDINATOR']?.trim() || undefined);
  if (coordinator) {
    return runSharedCrawl({
      registry,
      coordinator,
      shared: sharedDirFrom(opts),
      work: opts.work !== false,
      dbFile,
      snapshots: opts.snapshots,
      progress: opts.progress ?? 'auto',
      json: opts.json === true,
      runArgs: runArgsOf(opts, source, contact),
      options: crawlOptionsOf(opts, contact),
      ...(ocrCacheDirFrom(opts) !== undefined && { ocrCacheDir: ocrCacheDirFrom(opts) }),
    });
  }
  let db: Db;
  try {
    db = openDatabase(dbFile);
  } catch (err) {
    reportCommandError('crawl', err);
    return EXIT.FATAL;
  }
  let siteNames: string[] = [];
  const reporter = crawlReporter(
    opts.progress ?? 'auto',
    queuedCounter(db, () => siteNames),
  );
  const signals = abortOnSignals((sig) =>
    process.stderr.write(`\nnianbao crawl: ${sig}: stopping — requests in flight aborted, the next run resumes (press Ctrl-C again to quit at once)…\n`),
  );
  let runId = 0;
  signals.beforeForcedExit(() => {
    if (runId) markRunInterrupted(db, runId);
  });
  let summary: CrawlSummary;
  try {
    summary = await crawl(
      {
        db,
        registry,
        signal: signals.signal,
        onEvent: (e) => {
          if (e.type === 'run-start') {
            siteNames = e.sites;
            runId = e.runId;
          }
          reporter.onEvent(e);
        },
        runArgs: runArgsOf(opts, source, contact),
      },
      {
        snapshotsDir: opts.snapshots ?? defaultSnapshotsDir(dbFile),
        ...crawlOptionsOf(opts, contact),
        ...(ocrCacheDirFrom(opts) !== undefined && { ocrCacheDir: ocrCacheDirFrom(opts) }),
      },
    );
  } catch (err) {
    reporter.stop();
    reportCommandError('crawl', err);
    db.close();
    signals.dispose();
    return exitCodeFor(err);
  }
  reporter.stop();
  signals.dispose();
  const previous = previousCrawl(db, summary.runId);
  db.close();
  if (opts.json) {
    const next = schedule ? nextScheduledRun(schedule) : null;
    process.stdout.write(
      `${JSON.stringify({ db: dbFile, ...summary, previousCrawl: previous, schedule: schedule ?? null, nextScheduledRun: next?.toISOString() ?? null })}\n`,
    );
  } else process.stdout.write(formatCrawlSummary(summary) + describeSchedule(previous, schedule));
  return summary.status === 'interrupted' ? signals.exitCode : EXIT.OK;
}
