/**
 * A crawl shared by many workers through PostgreSQL (docs/distributed.md):
 * `nianbao crawl --coordinator URL` seeds the shared frontier (and by default works and stores in
 * this process too), `nianbao worker --coordinator URL` claims hosts and crawls them, `nianbao
 * store --coordinator URL --db FILE` is the one writer of the dataset. Progress and summaries read
 * as a single-machine crawl's. Exit codes as `nianbao crawl`'s.
 */
import { Option, type Command } from 'commander';
import { PARSER_VERSION } from '../../../parsers/version.js';
import { CrawlOptionsSchema, type CrawlOptionsInput } from '../../crawl/options.js';
import { CrawlError } from '../../crawl/errors.js';
import { formatCrawlSummary } from '../../crawl/summary.js';
import type { CrawlSummary } from '../../crawl/types.js';
import { connectCoordinator, type Coordinator } from '../../coordinator/connect.js';
import { leaseHostOf, loadRun, openRun } from '../../coordinator/run.js';
import { storeRun, type StoreSummary } from '../../coordinator/storer.js';
import { noLocalFigures, sharedRunSummary } from '../../coordinator/summary.js';
import { runWorker, type WorkerSummary } from '../../coordinator/worker.js';
import { siteSettings, type Registry, type Site } from '../../sites/registry.js';
import { defaultSnapshotsDir, openDatabase, type Db } from '../../store/db.js';
import { markRunInterrupted } from '../../store/runs.js';
import { dbOption, dbPathFrom, parsePositiveInt, parseWorkerCount, reportCommandError } from '../command-support.js';
import { EXIT, abortOnSignals, crawlReporter, exitCodeFor } from '../crawl-support.js';
import { ocrCacheDirFrom } from '../ocr-option.js';
import type { ProgressMode } from '../progress.js';

/** The shared snapshots folder: `--shared`, else `$NIANBAO_SHARED`, else `./nianbao.shared`. */
export function sharedDirFrom(opts: { shared?: string }, env: NodeJS.ProcessEnv = process.env): string {
  return opts.shared ?? (env['NIANBAO_SHARED']?.trim() || './nianbao.shared');
}

export function coordinatorOption(): Option {
  return new Option('--coordinator <url>', 'PostgreSQL of a shared crawl: postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: $NIANBAO_COORDINATOR)');
}

export function sharedOption(): Option {
  return new Option(
    '--shared <dir>',
    'shared snapshots folder every worker and the storer see (a network file system across machines; default: $NIANBAO_SHARED, else ./nianbao.shared)',
  );
}

function coordinatorFrom(opts: { coordinator?: string }, command: string): string | undefined {
  const url = opts.coordinator ?? process.env['NIANBAO_COORDINATOR']?.trim();
  if (!url) process.stderr.write(`nianbao ${command}: --coordinator postgres://… is required (or $NIANBAO_COORDINATOR) [NB_COORDINATOR_URL]\n`);
  return url || undefined;
}

export interface SharedCrawlInput {
  registry: Registry;
  /** CrawlOptionsInput without the snapshots folder. */
  options: Omit<CrawlOptionsInput, 'snapshotsDir'>;
  /** The OCR cache of the worker in this process (`--ocr-cache`, false: `--no-ocr-cache`). @default `<shared>.ocr-cache` */
  ocrCacheDir?: string | false;
  runArgs: unknown;
  coordinator: string;
  shared: string;
  /** Work and store in this process (else only seed). */
  work: boolean;
  dbFile: string;
  snapshots: string | undefined;
  progress: ProgressMode;
  json: boolean;
}

/** The sites a crawl runs: `sites` by name, else the enabled ones (as src/crawl/crawler.ts). */
function sitesOf(registry: Registry, names: string[] | undefined): Site[] {
  if (names) {
    const unknown = names.filter((n) => !registry.sites.some((s) => s.name === n));
    if (unknown.length) throw new CrawlError('NB_CRAWL_NO_SITES', `no site named ${unknown.join(', ')} in the registry`);
  }
  const sites = registry.sites.filter((s) => (names ? names.includes(s.name) : s.enabled));
  if (sites.length === 0) throw new CrawlError('NB_CRAWL_NO_SITES', 'no enabled site to crawl in the registry');
  return sites;
}

/** `nianbao crawl --coordinator`: seeds the run, then (by default) works and stores it here. */
export async function runSharedCrawl(input: SharedCrawlInput): Promise<number> {
  let c: Coordinator;
  let runId: number;
  let joined: boolean;
  try {
    const o = CrawlOptionsSchema.parse({ ...input.options, snapshotsDir: input.shared });
    const sites = sitesOf(input.registry, o.sites);
    c = await connectCoordinator(input.coordinator);
    const revisitBefore = new Date(Date.now() - o.revisitAfterHours * 3600_000).toISOString();
    ({ runId, joined } = await openRun(c, {
      sites,
      options: input.options as Record<string, unknown>,
      runArgs: input.runArgs,
      parserVersion: PARSER_VERSION,
      prepare: (site) => ({
        now: new Date().toISOString(),
        ignoreRobots: o.ignoreRobots || siteSettings(site).ignoreRobots,
        since: o.since ?? null,
        maxAttempts: o.maxAttempts,
        refresh: o.refresh,
        revisit: { limit: o.revisitReports, before: revisitBefore },
      }),
      intervalMs: (site) => o.intervalMs ?? siteSettings(site).rateMs,
    }));
    const hosts = new Set(sites.map(leaseHostOf)).size;
    process.stderr.write(
      `nianbao crawl: ${joined ? 'joined the running' : 'seeded'} shared run ${runId} on ${c.label}: ${sites.length} site(s) on ${hosts} host(s)\n`,
    );
  } catch (err) {
    reportCommandError('crawl', err);
    return exitCodeFor(err);
  }
  if (!input.work) {
    await c.close();
    process.stdout.write(
      `shared run ${runId}: start workers with \`nianbao worker --coordinator URL --shared ${input.shared}\` and the storer with \`nianbao store --coordinator URL --shared ${input.shared} --db FILE\`\n`,
    );
    return EXIT.OK;
  }
  return workAndStore(c, runId, input);
}

async function workAndStore(c: Coordinator, runId: number, input: SharedCrawlInput): Promise<number> {
  let db: Db;
  try {
    db = openDatabase(input.dbFile);
  } catch (err) {
    await c.close();
    reportCommandError('crawl', err);
    return EXIT.FATAL;
  }
  const reporter = crawlReporter(input.progress, () => 0);
  const signals = abortOnSignals((sig) =>
    process.stderr.write(`\nnianbao crawl: ${sig}: stopping — requests in flight aborted; the shared run goes on with the other workers…\n`),
  );
  let datasetRunId = 0;
  signals.beforeForcedExit(() => {
    if (datasetRunId) markRunInterrupted(db, datasetRunId);
  });
  let worker: WorkerSummary;
  let stored: StoreSummary;
  let summary: CrawlSummary | undefined;
  try {
    const working = runWorker(c, {
      sharedDir: input.shared,
      runId,
      ...(input.ocrCacheDir !== undefined && { ocrCacheDir: input.ocrCacheDir }),
      signal: signals.signal,
      onEvent: reporter.onEvent,
    });
    // The storer's dataset run carries the crawl summary (read once the run is over).
    [worker, stored] = await Promise.all([
      working,
      storeRun(c, {
        db,
        snapshotsDir: input.snapshots ?? defaultSnapshotsDir(input.dbFile),
        sharedDir: input.shared,
        runId,
        signal: signals.signal,
        counts: async () => {
          const w = await working;
          summary = await sharedRunSummary(c, runId, w);
          return {
            sites: Object.fromEntries(summary.sites.map((s) => [s.site, s])),
            totals: summary.totals,
            fetch: summary.fetch,
            user_agent: summary.userAgent,
          };
        },
      }),
    ]);
    datasetRunId = stored.datasetRunId;
  } catch (err) {
    reporter.stop();
    signals.dispose();
    db.close();
    await c.close();
    reportCommandError('crawl', err);
    return exitCodeFor(err);
  }
  reporter.stop();
  signals.dispose();
  db.close();
  summary ??= await sharedRunSummary(c, runId, worker);
  await c.close();
  const out: CrawlSummary = { ...summary, runId: stored.datasetRunId, status: stored.status };
  if (input.json) {
    process.stdout.write(`${JSON.stringify({ db: input.dbFile, coordinatorRun: runId, ...out, stored: stored.stored })}\n`);
  } else process.stdout.write(formatCrawlSummary(out));
  return out.status === 'interrupted' ? signals.exitCode : EXIT.OK;
}

interface WorkerCliOptions {
  coordinator?: string;
  shared?: string;
  id?: string;
  run?: number;
  hosts?: number;
  leaseMs?: number;
  parseWorkers?: number;
  progress?: ProgressMode;
  json?: boolean;
  /** `--ocr-cache <dir>`, or false for `--no-ocr-cache`. */
  ocrCache?: string | boolean;
}

interface StoreCliOptions {
  coordinator?: string;
  shared?: string;
  db?: string;
  snapshots?: string;
  run?: number;
  json?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('work a shared crawl: claim hosts on the coordinator (PostgreSQL) and crawl them until every host is done (docs/distributed.md)')
    .addOption(coordinatorOption())
    .addOption(sharedOption())
    .option('--id <id>', 'worker id, the owner of its leases (default: <machine>-<pid>-<random>)')
    .option('--run <id>', 'the shared run to work (default: the running one)', parsePositiveInt('--run'))
    .option('--hosts <n>', 'hosts worked at once (default: 16)', parsePositiveInt('--hosts'))
    .option('--lease-ms <ms>', 'a host whose worker stops renewing is taken over after this long (default: 30000)', parsePositiveInt('--lease-ms'))
    .addOption(new Option('--parse-workers <n>', "parse threads (default: the run's)").argParser(parseWorkerCount))
    .option('--json', 'print the summary as JSON on stdout')
    .option('--progress <mode>', 'progress on stderr: auto (bar on a terminal, JSON lines otherwise), bar, json, none', 'auto')
    .addOption(
      new Option(
        '--ocr-cache <dir>',
        "when the run reads scans by OCR (crawl --ocr auto): folder where what OCR read is kept by image crop, so a scan read again is not OCR'd again (default: <shared>.ocr-cache, beside the shared folder)",
      ),
    )
    .addOption(new Option('--no-ocr-cache', 'keep no OCR cache'))
    .action(async (opts: WorkerCliOptions) => {
      process.exitCode = await runWorkerCommand(opts);
    });
}

async function runWorkerCommand(opts: WorkerCliOptions): Promise<number> {
  const url = coordinatorFrom(opts, 'worker');
  if (!url) return EXIT.FATAL;
  let c: Coordinator;
  try {
    c = await connectCoordinator(url);
  } catch (err) {
    reportCommandError('worker', err);
    return exitCodeFor(err);
  }
  const reporter = crawlReporter(opts.progress ?? 'auto', () => 0);
  const signals = abortOnSignals((sig) => process.stderr.write(`\nnianbao worker: ${sig}: stopping — its hosts go back to the other workers…\n`));
  let summary: WorkerSummary;
  try {
    summary = await runWorker(c, {
      sharedDir: sharedDirFrom(opts),
      ...(opts.id ? { id: opts.id } : {}),
      ...(opts.run ? { runId: opts.run } : {}),
      ...(opts.hosts ? { hosts: opts.hosts } : {}),
      ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
      ...(opts.parseWorkers !== undefined ? { parseWorkers: opts.parseWorkers } : {}),
      ...(ocrCacheDirFrom(opts) !== undefined && { ocrCacheDir: ocrCacheDirFrom(opts) }),
      signal: signals.signal,
      onEvent: reporter.onEvent,
    });
  } catch (err) {
    reporter.stop();
    signals.dispose();
    await c.close();
    reportCommandError('worker', err);
    return exitCodeFor(err);
  }
  reporter.stop();
  signals.dispose();
  await c.close();
  if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(formatCrawlSummary(summary));
    process.stdout.write(`worker ${summary.workerId}: ${summary.hosts} host(s) worked, ${summary.takenOver} taken over from a worker whose lease expired\n`);
  }
  return summary.status === 'interrupted' ? signals.exitCode : EXIT.OK;
}

export function registerStore(program: Command): void {
  program
    .command('store')
    .description('the one writer of a shared crawl: store the results the workers queue on the coordinator into the SQLite dataset (docs/distributed.md)')
    .addOption(coordinatorOption())
    .addOption(sharedOption())
    .addOption(dbOption())
    .option('--snapshots <dir>', 'folder of snapshot files of databases before schema 14 (default: <db>.snapshots)')
    .option('--run <id>', 'the shared run to store (default: the newest one not stored yet)', parsePositiveInt('--run'))
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (opts: StoreCliOptions) => {
      process.exitCode = await runStoreCommand(opts);
    });
}

async function runStoreCommand(opts: StoreCliOptions): Promise<number> {
  const url = coordinatorFrom(opts, 'store');
  if (!url) return EXIT.FATAL;
  const dbFile = dbPathFrom(opts);
  let c: Coordinator;
  let db: Db;
  try {
    c = await connectCoordinator(url);
  } catch (err) {
    reportCommandError('store', err);
    return exitCodeFor(err);
  }
  try {
    db = openDatabase(dbFile);
  } catch (err) {
    await c.close();
    reportCommandError('store', err);
    return EXIT.FATAL;
  }
  const signals = abortOnSignals((sig) => process.stderr.write(`\nnianbao store: ${sig}: stopping after this batch; run \`nianbao store\` again to go on…\n`));
  let stored: StoreSummary;
  let summary: CrawlSummary | undefined;
  try {
    const run = await loadRun(c, opts.run, { unstored: true });
    const local = noLocalFigures();
    stored = await storeRun(c, {
      db,
      snapshotsDir: opts.snapshots ?? defaultSnapshotsDir(dbFile),
      sharedDir: sharedDirFrom(opts),
      runId: run.id,
      signal: signals.signal,
      onBatch: (e) => {
        if (!process.stderr.isTTY) process.stderr.write(`${JSON.stringify({ event: 'stored', run: run.id, ...e, time: new Date().toISOString() })}\n`);
      },
      counts: async () => {
        summary = await sharedRunSummary(c, run.id, local);
        return { sites: Object.fromEntries(summary.sites.map((s) => [s.site, s])), totals: summary.totals };
      },
    });
  } catch (err) {
    signals.dispose();
    db.close();
    await c.close();
    reportCommandError('store', err);
    return exitCodeFor(err);
  }
  signals.dispose();
  db.close();
  await c.close();
  if (opts.json) process.stdout.write(`${JSON.stringify({ db: dbFile, ...stored, totals: summary?.totals ?? null })}\n`);
  else {
    if (summary) process.stdout.write(formatCrawlSummary({ ...summary, runId: stored.datasetRunId, status: stored.status }));
    process.stdout.write(
      `stored ${stored.stored} result(s) of shared run ${stored.runId} (${stored.reports} report(s) written) into ${dbFile}, run ${stored.datasetRunId}\n`,
    );
  }
  return stored.status === 'interrupted' ? signals.exitCode : EXIT.OK;
}
