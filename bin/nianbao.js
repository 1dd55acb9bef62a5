#!/usr/bin/env node
// Entry point of the `nianbao` command. Runs the compiled CLI (built by `npm install`/`npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(compiled)) {
  console.error(`nianbao: ${compiled} is missing. Run \`npm install\` (or \`npm run build\`) in ${root} first.`);
  process.exit(2);
}
const { main } = await import(compiled);
process.exitCode = await main(process.argv);
