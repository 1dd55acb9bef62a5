// Runs the real `nianbao` CLI (src/cli/main.ts) under tsx, without a build:
//   node --import tsx tests/explorer/run-cli.ts serve --db x.db --port 0
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
