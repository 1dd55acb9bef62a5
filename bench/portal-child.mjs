// The demo portal of the crawl benchmarks (`bench/crawl-portal.ts` starts it), in a process of its
// own so that the CPU it spends serving is not counted as the crawl's. Runs the compiled engine
// (dist/). Args: site names, comma-separated.
// Prints one JSON line, { registry }, once listening. Then answers lines on stdin:
//   "log"  → one JSON line { hosts: { "<Host header>": requests } } since the last "log", log cleared;
// and closes when stdin ends.
import { createInterface } from 'node:readline';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { startDemoPortal } = await import(dist('src/demo/portal.js'));

const sites = (process.argv[2] ?? '').split(',').filter(Boolean);
const portal = await startDemoPortal({ ...(sites.length > 0 ? { sites } : {}), faults: { flaky: false } });
process.stdout.write(`${JSON.stringify({ registry: portal.registry() })}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'log') {
    const hosts = {};
    for (const e of portal.requestLog) hosts[e.host] = (hosts[e.host] ?? 0) + 1;
    portal.resetLog();
    process.stdout.write(`${JSON.stringify({ hosts })}\n`);
  }
});
lines.on('close', () => {
  void portal.close().then(() => process.exit(0));
});
