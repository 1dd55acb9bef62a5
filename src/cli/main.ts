/**
 * The `nianbao` command line. Each command lives in `commands/<name>.ts` and registers itself
 * on the program; this file only wires them together.
 */
import { Command, CommanderError } from 'commander';
import { registerParse } from './commands/parse.js';
import { registerIngest } from './commands/ingest.js';
import { registerQuery } from './commands/query.js';
import { registerExport } from './commands/export.js';
import { registerCheck } from './commands/check.js';
import { registerSearch } from './commands/search.js';
import { registerServe } from './commands/serve.js';
import { registerCrawl } from './commands/crawl.js';
import { registerDemo } from './commands/demo.js';
import { registerSites } from './commands/sites.js';
import { PARSER_VERSION } from '../../parsers/version.js';

export function buildProgram(): Command {
  const program = new Command('nianbao')
    .description('Collect 政府信息公开工作年度报告, rebuild their tables, keep them in SQLite.')
    .version(PARSER_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerParse(program);
  registerIngest(program);
  registerQuery(program);
  registerExport(program);
  registerCheck(program);
  registerSearch(program);
  registerServe(program);
  registerCrawl(program);
  registerDemo(program);
  registerSites(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`nianbao: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
