/**
 * `nianbao serve [--db FILE] [--port N] [--host H]`: the explorer, a local web page to find,
 * read, compare and download the reports (see docs/explorer.md).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { dbOption, dbPathFrom, parsePositiveInt, reportCommandError } from '../command-support.js';
import { isLoopback } from '../../explorer/context.js';
import { startExplorer } from '../../explorer/server.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the explorer: a local web page over the database (read-only)')
    .addOption(dbOption())
    .addOption(new Option('--port <n>', 'TCP port (0: any free port)').argParser(parsePort).default(8080))
    .option('--host <host>', 'interface to listen on; anything but 127.0.0.1/localhost exposes the database to the network', '127.0.0.1')
    .option('--snapshots <dir>', 'folder of snapshot files of databases before schema 14 (default: <db>.snapshots)')
    .option('--query-timeout <ms>', 'time limit of each SQL-page query, in milliseconds', parsePositiveInt('--query-timeout'), 5000)
    .option('--max-rows <n>', 'most rows an SQL-page query shows', parsePositiveInt('--max-rows'), 1000)
    .action(async (opts: { db?: string; port: number; host: string; snapshots?: string; queryTimeout: number; maxRows: number }) => {
      const host = opts.host;
      if (!isLoopback(host)) {
        process.stderr.write(
          `nianbao serve: warning: listening on ${host}, not on 127.0.0.1 — anyone who can reach this machine on the network can read the database through the explorer.\n`,
        );
      }
      let running;
      try {
        running = await startExplorer({
          dbFile: dbPathFrom(opts),
          ...(opts.snapshots ? { snapshotsDir: opts.snapshots } : {}),
          host,
          port: opts.port,
          queryTimeoutMs: opts.queryTimeout,
          maxRows: opts.maxRows,
        });
      } catch (err) {
        reportCommandError('serve', err);
        return;
      }
      process.stdout.write(`nianbao explorer: ${running.url} (database ${dbPathFrom(opts)}, read-only; Ctrl+C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void running.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
