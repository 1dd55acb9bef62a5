/**
 * Pages per second of a shared crawl with 1, 2 and 3 worker processes on 40 hosts of the demo
 * portal, politeness on (docs/distributed.md). Needs PostgreSQL (a throwaway cluster, as the
 * tests start one) and the built CLI:
 *
 *   npm run build && node --import tsx bench/distributed.ts [--hosts-per-worker 4] [--interval-ms 250] [--rounds 1]
 *
 * Each measurement seeds a fresh coordinator database, starts N `nianbao worker` processes at
 * once and times them until the last exits; pages are the workers' summed `totals.pages`. The
 * storer runs afterwards (not timed: it is one writer whatever the number of workers). The load
 * average is printed with each figure: on a shared machine the numbers are only comparable
 * within one run of this script.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startManyHosts } from '../tests/coordinator/helpers.js';
import { startTestPostgres } from '../tests/helpers/postgres.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'nianbao.js');
const { values } = parseArgs({
  options: {
    'hosts-per-worker': { type: 'string', default: '4' },
    'interval-ms': { type: 'string', default: '250' },
    rounds: { type: 'string', default: '1' },
    hosts: { type: 'string', default: '40' },
  },
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NIANBAO_DB: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-dist-'));
const cluster = await startTestPostgres();
const demo = await startManyHosts(Number(values.hosts));
const registry = join(dir, 'sites.json');
writeFileSync(registry, JSON.stringify(demo.registry));
const interval = values['interval-ms'];
const perWorker = values['hosts-per-worker'];
const rows: { workers: number; pages: number; seconds: number; pagesPerSecond: number; load: string }[] = [];
let n = 0;
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const workers of [1, 2, 3]) {
      const url = cluster.createDatabase(`bench_${++n}`);
      const shared = join(dir, `shared-${n}`);
      const seed = await run(['crawl', '--sites', registry, '--no-browser', '--interval-ms', interval, '--coordinator', url, '--shared', shared, '--no-work']);
      if (seed.code !== 0) throw new Error(seed.stderr);
      const load0 = loadavg()[0]!;
      const t0 = performance.now();
      const outs = await Promise.all(
        Array.from({ length: workers }, (_, i) =>
          run(['worker', '--coordinator', url, '--shared', shared, '--id', `w${i + 1}`, '--hosts', perWorker, '--progress', 'none', '--json']),
        ),
      );
      const seconds = (performance.now() - t0) / 1000;
      const load1 = loadavg()[0]!;
      let pages = 0;
      for (const o of outs) {
        if (o.code !== 0) throw new Error(o.stderr);
        pages += (JSON.parse(o.stdout) as { totals: { pages: number } }).totals.pages;
      }
      const store = await run(['store', '--coordinator', url, '--shared', shared, '--db', join(dir, `bench-${n}.db`), '--json']);
      if (store.code !== 0) throw new Error(store.stderr);
      rows.push({ workers, pages, seconds, pagesPerSecond: pages / seconds, load: `${load0.toFixed(1)} → ${load1.toFixed(1)}` });
      rmSync(shared, { recursive: true, force: true });
    }
  }
} finally {
  await demo.close();
  cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
const base = rows.find((r) => r.workers === 1)?.pagesPerSecond ?? 1;
process.stdout.write(`${values.hosts} hosts, interval ${interval} ms, ${perWorker} hosts at once per worker\n`);
process.stdout.write('workers  pages  seconds  pages/s  speed-up  load (1 min, before → after)\n');
for (const r of rows) {
  process.stdout.write(
    `${String(r.workers).padStart(7)}  ${String(r.pages).padStart(5)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.pagesPerSecond.toFixed(1).padStart(7)}  ${(r.pagesPerSecond / base).toFixed(2).padStart(7)}×  ${r.load}\n`,
  );
}
