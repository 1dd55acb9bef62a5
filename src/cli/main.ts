/**
 * The `nianbao` command line. Each command lives in `commands/<name>.ts` and registers itself
 * on the program; this file only wires them together.
 */
import { Command, CommanderError } from 'commander';
import { terminalSafe } from '../store/terminal-safe.js';
import { VERSION_LINE } from '../version.js';

type Register = (program: Command) => void;

/**
 * The command modules, loaded on demand: `nianbao query …` loads only the query command (and
 * what it imports), not the crawler, the browser and the explorer. Keys are the command names
 * each module registers.
 */
const COMMAND_MODULES: readonly (readonly [names: readonly string[], load: () => Promise<Register>])[] = [
  [['parse'], async () => (await import('./commands/parse.js')).registerParse],
  [['ingest', 'reparse'], async () => (await import('./commands/ingest.js')).registerIngest],
  [['query'], async () => (await import('./commands/query.js')).registerQuery],
  [['export'], async () => (await import('./commands/export.js')).registerExport],
  [['publish'], async () => (await import('./commands/publish.js')).registerPublish],
  [['check'], async () => (await import('./commands/check.js')).registerCheck],
  [['changes'], async () => (await import('./commands/changes.js')).registerChanges],
  [['search'], async () => (await import('./commands/search.js')).registerSearch],
  [['serve'], async () => (await import('./commands/serve.js')).registerServe],
  [['crawl'], async () => (await import('./commands/crawl.js')).registerCrawl],
  [['demo'], async () => (await import('./commands/demo.js')).registerDemo],
  [['sites'], async () => (await import('./commands/sites.js')).registerSites],
  [['agencies'], async () => (await import('./commands/agencies.js')).registerAgencies],
  [['worker'], async () => (await import('./commands/shared-crawl.js')).registerWorker],
  [['store'], async () => (await import('./commands/shared-crawl.js')).registerStore],
  [['prune'], async () => (await import('./commands/prune.js')).registerPrune],
];

/**
 * The program with every command, or — given the name of a command — with only the module that
 * registers it (`--help`, `--version` and unknown names get them all).
 */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command('nianbao')
    .description('Collect 政府信息公开工作年度报告, rebuild their tables, keep them in SQLite.')
    .version(VERSION_LINE, '-V, --version', 'print the version of nianbao and of its parser')
    .showHelpAfterError()
    .exitOverride();
  const one = command === undefined ? undefined : COMMAND_MODULES.find(([names]) => names.includes(command));
  const modules = one ? [one] : COMMAND_MODULES;
  const registers = await Promise.all(modules.map(([, load]) => load()));
  for (const register of registers) register(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`nianbao: ${terminalSafe(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}
