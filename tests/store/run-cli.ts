// Runs the real `nianbao` CLI (src/cli/main.ts) under tsx, without a build:
//   node --import tsx tests/store/run-cli.ts ingest … --db x.db
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
