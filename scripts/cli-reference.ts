/**
 * The README's CLI reference, made from the commands' own `--help` (80 columns, as on a pipe):
 * `npm run docs:cli` rewrites it; tests/cli/readme.test.ts fails when the README differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/main.js';

export const README = join(import.meta.dirname, '..', 'README.md');
const START = 'The `--help` of every command, as printed by this version:\n\n';
const END = '\n## Library API';

/** `nianbao X [options] …` and the rest of its help, wrapped at 80 columns. */
function helpOf(cmd: Command): string {
  cmd.configureHelp({ helpWidth: 80 });
  return cmd
    .helpInformation()
    .replace(/^Usage: /, '')
    .trimEnd();
}

/** The reference: a heading and a text block per command (and per subcommand, as `nianbao sites list`). */
export async function cliReference(): Promise<string> {
  const program = await buildProgram();
  const parts: string[] = [];
  const add = (cmd: Command, name: string): void => {
    parts.push(`#### nianbao ${name}\n\n\`\`\`text\n${helpOf(cmd)}\n\`\`\`\n`);
    for (const sub of cmd.commands) if (sub.name() !== 'help') add(sub, `${name} ${sub.name()}`);
  };
  for (const cmd of program.commands) add(cmd, cmd.name());
  return parts.join('\n');
}

/** The README's current reference section (between its lead-in and the next section). */
export function readmeReference(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END, from);
  if (from < 0 || to < 0) throw new Error('README.md: the CLI reference section was not found');
  return readme.slice(from + START.length, to);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const readme = readFileSync(README, 'utf8');
  const current = readmeReference(readme);
  const fresh = await cliReference();
  if (process.argv.includes('--write')) {
    writeFileSync(README, readme.replace(START + current + END, START + fresh + END));
    process.stdout.write(current === fresh ? 'README.md: CLI reference already current\n' : 'README.md: CLI reference rewritten\n');
  } else {
    process.stdout.write(fresh);
  }
}
