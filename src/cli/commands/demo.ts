/**
 * `nianbao demo`: the README's main command. Starts the offline demo portal on 127.0.0.1 (ten
 * portal look-alikes of different CMS families, a GBK site, a script-built list, a DOCX report, a
 * flaky server, a robots.txt Disallow, a JS challenge, plus six fictional agencies with generated
 * reports and planted findings), crawls it into ./nianbao.db (or --db), crawls the fictional
 * agencies again after the portal's round-2 changes, runs check, prints the summary, every finding
 * and the example queries, and stops the portal. `--serve` only starts the portal and keeps it
 * running (Ctrl-C stops it).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ProgressMode } from '../progress.js';
import { EXIT, abortOnSignals, crawlReporter, exitCodeFor } from '../crawl-support.js';
import { DEFAULT_DEMO_PORT, formatDemoFindings, formatDemoQueries, runDemo, startDemoOn } from '../../crawl/demo.js';
import { formatCrawlSummary } from '../../crawl/summary.js';
import { describePortal } from '../../demo/serve.js';
import { dbOption, dbPathFrom, reportCommandError } from '../command-support.js';
import { defaultSnapshotsDir, openDatabase, type Db } from '../../store/db.js';
import { markRunInterrupted } from '../../store/runs.js';

interface DemoCliOptions {
  db?: string;
  serve?: boolean;
  port?: number;
  json?: boolean;
  progress?: ProgressMode;
  browser?: boolean;
  round?: 1 | 2;
}

function parseRound(v: string): 1 | 2 {
  if (v.trim() === '1') return 1;
  if (v.trim() === '2') return 2;
  throw new InvalidArgumentError('expected 1 or 2.');
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535).');
  return n;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start the offline demo portal on 127.0.0.1, crawl it into the database (a second round finds two reports revised — one cell, one text only — and one gone), run check, print the summary, every finding and example queries',
    )
    .addOption(dbOption())
    .option('--serve', 'only start the demo portal and keep it running (prints its URLs; Ctrl-C stops it)')
    .option(
      '--port <n>',
      `port of the portal hub; the sites use the next sixteen ports (default: ${DEFAULT_DEMO_PORT}, else free ports; 0 = free ports)`,
      parsePort,
    )
    .option(
      '--round <n>',
      'with --serve: the round the portal serves, 1 or 2 (2: two fictional reports revised — one cell, one text only — and one answering 404; default: 1)',
      parseRound,
    )
    .option('--json', 'print the summary and the query results as JSON on stdout')
    .option('--progress <mode>', 'progress on stderr: auto, bar, json, none', 'auto')
    .option('--no-browser', 'never start a browser (the two sites that need one are left out)')
    .action(async (opts: DemoCliOptions) => {
      if (opts.round !== undefined && !opts.serve) {
        process.stderr.write('nianbao demo: [NB_DEMO_OPTIONS] --round only applies with --serve; without it, nianbao demo runs both rounds itself.\n');
        process.exitCode = EXIT.FATAL;
        return;
      }
      process.exitCode = opts.serve ? await serve(opts) : await demo(opts);
    });
}

async function serve(opts: DemoCliOptions): Promise<number> {
  let portal;
  try {
    const started = await startDemoOn(opts.port, { fictional: true, round: opts.round ?? 1 });
    for (const line of describePortal(started)) process.stdout.write(`${line}\n`);
    portal = started;
  } catch (err) {
    reportCommandError('demo', err);
    return EXIT.FATAL;
  }
  process.stdout.write(
    `Round ${portal.round} of 2${portal.round === 1 ? ' (restart with --round 2 to see two fictional reports revised and one gone)' : ' (two fictional reports revised, one gone: crawl again with --refresh)'}.\n` +
      `Crawl it with:  nianbao crawl --sites ${portal.origin}/sites.json --interval-ms 100\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await portal.close();
  return EXIT.OK;
}

async function demo(opts: DemoCliOptions): Promise<number> {
  const dbFile = dbPathFrom(opts);
  let db: Db;
  try {
    db = openDatabase(dbFile);
  } catch (err) {
    reportCommandError('demo', err);
    return EXIT.FATAL;
  }
  process.stderr.write(`nianbao demo: starting the demo portal on 127.0.0.1 and crawling it into ${dbFile} …\n`);
  const queued = db.prepare("SELECT count(*) AS n FROM frontier WHERE state = 'queued'");
  const reporter = crawlReporter(opts.progress ?? 'auto', () => (queued.get() as { n: number }).n);
  const signals = abortOnSignals();
  let runId = 0;
  signals.beforeForcedExit(() => {
    if (runId) markRunInterrupted(db, runId);
  });
  try {
    const result = await runDemo({
      db,
      snapshotsDir: defaultSnapshotsDir(dbFile),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      onEvent: (e) => {
        if (e.type === 'run-start') runId = e.runId;
        reporter.onEvent(e);
      },
      signal: signals.signal,
      browser: { enabled: opts.browser !== false },
    });
    reporter.stop();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ db: dbFile, ...result })}\n`);
    } else {
      const s = result.summary;
      let out = `\n${formatCrawlSummary(s)}`;
      const missed = s.sites.filter((x) => x.browserUnavailable).map((x) => x.site);
      if (missed.length) {
        out += `\nThe demo ran without a browser: ${missed.join(', ')} (${result.browserSites.join(', ')} need one) were left out. ${s.browser.unavailable ?? ''}\n`;
      }
      const r2 = result.round2;
      out += `\nRound 2 (the portal changed: ${result.changed.revised.length} report(s) revised, ${result.changed.vanished.length} gone): the fictional agencies crawled again with --refresh — ${r2.totals.reportsNew} new, ${r2.totals.reportsUpdated} updated, ${r2.totals.reportsKnown} unchanged report(s), ${r2.totals.reportsFailed} failed, ${r2.totals.errors} error(s).\n`;
      for (const u of result.changed.revised) out += `  revised: ${u}\n`;
      for (const u of result.changed.vanished) out += `  vanished (404): ${u}\n`;
      out += `\nFindings (${result.findings.length}; parser and \`nianbao check\`, one per line: rule, agency, year, message):\n`;
      out += formatDemoFindings(result.findings);
      out += `\nDatabase: ${dbFile} (raw snapshots included). ${result.queries.length} example queries:\n\n`;
      out += formatDemoQueries(result.queries);
      out += `\nMore: \`nianbao query "SQL" --db ${dbFile}\` (docs/queries.md has twelve questions), \`nianbao check --db ${dbFile}\`.\n`;
      process.stdout.write(out);
    }
    return result.summary.status === 'interrupted' ? signals.exitCode : EXIT.OK;
  } catch (err) {
    reporter.stop();
    reportCommandError('demo', err);
    return exitCodeFor(err);
  } finally {
    signals.dispose();
    db.close();
  }
}
