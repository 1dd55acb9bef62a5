/**
 * Runs a fuzz campaign on worker threads: cases are handed out in small batches, each worker
 * announces the case it starts, and a watchdog terminates a worker whose case runs past
 * `hangMs` (a parse is synchronous: only another thread can stop it). The hung case is recorded
 * as a `hang` failure and a fresh worker takes over the rest of the batch. Results do not depend
 * on the number of workers: case `i` is built from (seed, i) alone.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { CaseResult, Property, RunOptions } from './engine.js';
import type { FromWorker, ToWorker } from './worker.js';

export const fuzzOptionsSchema = z
  .object({
    /** Run seed: the same seed gives the same cases. @default 1 */
    seed: z.number().int().nonnegative().default(1),
    /** Number of cases. @default 400 */
    cases: z.number().int().positive().default(400),
    /** First case index (to resume or to split a campaign). @default 0 */
    start: z.number().int().nonnegative().default(0),
    /** Run only these case indices (reproducing failures); overrides start/cases. @default undefined */
    only: z.array(z.number().int().nonnegative()).optional(),
    /** Worker threads. @default min(2, available parallelism) */
    workers: z.number().int().positive().max(64).optional(),
    /** Longest acceptable parse, the `slow` property. @default 2000 */
    maxParseMs: z.number().positive().default(2000),
    /** A case running this long is killed and recorded as a hang. @default 30000 */
    hangMs: z.number().positive().default(30_000),
    /** Re-parse every n-th case to check determinism (0: never). @default 10 */
    determinismEvery: z.number().int().nonnegative().default(10),
    /** Cases per message to a worker. @default 8 */
    batch: z.number().int().positive().default(8),
  })
  .strict();

export type FuzzOptions = z.input<typeof fuzzOptionsSchema>;

export interface FuzzSummary {
  seed: number;
  cases: number;
  workers: number;
  wallMs: number;
  casesPerSecond: number;
  outcomes: Record<CaseResult['outcome'], number>;
  rejectedByCode: Record<string, number>;
  /** Cases that broke a property, in case order. */
  failures: CaseResult[];
  failuresByProperty: Partial<Record<Property, number>>;
  parseMs: { mean: number; p50: number; p99: number; max: number };
  slowest: Pick<CaseResult, 'index' | 'doc' | 'ms' | 'bytes' | 'mutations'>[];
  oracle: {
    wrongCells: number;
    wrongFlagged: number;
    zeroBlank: number;
    ambiguous: number;
    injected: number;
    lostCells: number;
    lostFlagged: number;
    formatChanged: number;
    /** Cases decoded with another charset though no operator touched the encoding (random bytes, a cut). */
    charsetFlipped: number;
    edits: { detectable: number; undetectable: number; untracked: number };
  };
  /** Per operator: cases it took part in, and how many of them failed. */
  operators: Record<string, { cases: number; failures: number }>;
  results: CaseResult[];
}

const WORKER_FILE = new URL('./worker.ts', import.meta.url).href;

/** The ESM entry of `tsx/esm/api`, from tsx's own exports map. */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

/** A worker that can import TypeScript: it registers tsx first (workers do not inherit loaders). */
function spawnWorker(): Worker {
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_FILE)}); });`;
  return new Worker(bootstrap, { eval: true });
}

export async function runFuzz(input: FuzzOptions = {}): Promise<FuzzSummary> {
  const opts = fuzzOptionsSchema.parse(input);
  const indices = opts.only ?? Array.from({ length: opts.cases }, (_, i) => opts.start + i);
  const workerCount = Math.max(1, Math.min(opts.workers ?? Math.min(2, availableParallelism()), indices.length));
  const runOptions: RunOptions = { maxParseMs: opts.maxParseMs, determinismEvery: opts.determinismEvery };
  const queue = [...indices];
  const results: CaseResult[] = [];
  const t0 = performance.now();

  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const lanes = new Set<{ stop(): void }>();
    const finish = () => {
      if (active === 0 && queue.length === 0) resolve();
    };
    const startLane = (pending: number[] = []) => {
      active++;
      const worker = spawnWorker();
      let batch = pending;
      let current: { index: number; since: number; phase: string } | null = null;
      let settled = false;
      const end = (restart: number[] | null) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        lanes.delete(lane);
        void worker.terminate();
        active--;
        if (restart) startLane(restart);
        else finish();
      };
      const lane = { stop: () => end(null) };
      lanes.add(lane);
      const next = () => {
        if (batch.length === 0) batch = queue.splice(0, opts.batch);
        if (batch.length === 0) return end(null);
        worker.postMessage({ type: 'run', seed: opts.seed, indices: batch, options: runOptions } satisfies ToWorker);
      };
      const watchdog = setInterval(() => {
        if (!current || performance.now() - current.since < opts.hangMs) return;
        const hung = current.index;
        results.push({
          index: hung,
          seed: 0,
          doc: '?',
          mutations: [],
          bytes: 0,
          outcome: 'crashed',
          ms: performance.now() - current.since,
          failures: [{ property: 'hang', message: `no result after ${opts.hangMs} ms (${current.phase} phase): the worker was terminated` }],
          metrics: {
            wrong: 0,
            wrongFlagged: 0,
            lost: 0,
            lostFlagged: 0,
            injected: 0,
            zeroBlank: 0,
            ambiguous: 0,
            edit: 'none',
            formatChanged: false,
            charsetFlipped: false,
          },
        });
        end(batch.filter((i) => i !== hung));
      }, 250);
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') next();
        else if (msg.type === 'start')
          current = { index: msg.index, since: current?.index === msg.index ? current.since : performance.now(), phase: msg.phase };
        else if (msg.type === 'result') {
          current = null;
          results.push(msg.result);
          batch = batch.filter((i) => i !== msg.result.index);
        } else if (msg.type === 'done') {
          batch = [];
          next();
        } else if (msg.type === 'error') {
          for (const l of [...lanes]) l.stop();
          reject(new Error(`fuzz worker failed: ${msg.message}`));
        }
      });
      worker.on('error', (e) => {
        for (const l of [...lanes]) l.stop();
        reject(e);
      });
    };
    for (let i = 0; i < workerCount; i++) startLane();
  });

  results.sort((a, b) => a.index - b.index);
  return summarize(opts.seed, workerCount, performance.now() - t0, results);
}

export function summarize(seed: number, workers: number, wallMs: number, results: CaseResult[]): FuzzSummary {
  const outcomes: FuzzSummary['outcomes'] = { report: 0, rejected: 0, crashed: 0 };
  const rejectedByCode: Record<string, number> = {};
  const failuresByProperty: FuzzSummary['failuresByProperty'] = {};
  const operators: FuzzSummary['operators'] = {};
  const oracle: FuzzSummary['oracle'] = {
    wrongCells: 0,
    wrongFlagged: 0,
    zeroBlank: 0,
    ambiguous: 0,
    injected: 0,
    lostCells: 0,
    lostFlagged: 0,
    formatChanged: 0,
    charsetFlipped: 0,
    edits: { detectable: 0, undetectable: 0, untracked: 0 },
  };
  for (const r of results) {
    outcomes[r.outcome]++;
    if (r.code) rejectedByCode[r.code] = (rejectedByCode[r.code] ?? 0) + 1;
    for (const p of new Set(r.failures.map((f) => f.property))) failuresByProperty[p] = (failuresByProperty[p] ?? 0) + 1;
    for (const op of new Set(r.mutations.map((m) => m.op))) {
      const o = (operators[op] ??= { cases: 0, failures: 0 });
      o.cases++;
      if (r.failures.length) o.failures++;
    }
    const m = r.metrics;
    oracle.wrongCells += m.wrong;
    oracle.wrongFlagged += m.wrongFlagged;
    oracle.zeroBlank += m.zeroBlank;
    oracle.ambiguous += m.ambiguous;
    oracle.injected += m.injected;
    oracle.lostCells += m.lost;
    oracle.lostFlagged += m.lostFlagged;
    if (m.formatChanged) oracle.formatChanged++;
    if (m.charsetFlipped) oracle.charsetFlipped++;
    if (m.edit !== 'none') oracle.edits[m.edit]++;
  }
  const times = results
    .filter((r) => r.failures.every((f) => f.property !== 'hang'))
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return {
    seed,
    cases: results.length,
    workers,
    wallMs,
    casesPerSecond: results.length / (wallMs / 1000),
    outcomes,
    rejectedByCode,
    failures: results.filter((r) => r.failures.length > 0),
    failuresByProperty,
    parseMs: { mean: times.reduce((s, t) => s + t, 0) / Math.max(1, times.length), p50: at(0.5), p99: at(0.99), max: times[times.length - 1] ?? 0 },
    slowest: [...results]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map(({ index, doc, ms, bytes, mutations }) => ({ index, doc, ms, bytes, mutations })),
    oracle,
    operators,
    results,
  };
}

/** One line per failing case: what to rerun and what broke. */
export function formatFailure(r: CaseResult): string {
  const ops = r.mutations.map((m) => `${m.op}(${m.detail})`).join(' + ');
  return `case ${r.index} [${r.doc}] ${ops}\n  ${r.failures.map((f) => `${f.property}: ${f.message}`).join('\n  ')}`;
}

/** A short human summary of a campaign. */
export function formatSummary(s: FuzzSummary): string {
  const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);
  const lines = [
    `fuzz: seed ${s.seed}, ${s.cases} cases on ${s.workers} worker(s) in ${(s.wallMs / 1000).toFixed(1)} s (${s.casesPerSecond.toFixed(1)} cases/s)`,
    `outcomes: ${s.outcomes.report} reports, ${s.outcomes.rejected} rejected (${
      Object.entries(s.rejectedByCode)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'none'
    }), ${s.outcomes.crashed} crashed`,
    `parse ms: mean ${s.parseMs.mean.toFixed(1)}, p50 ${s.parseMs.p50.toFixed(1)}, p99 ${s.parseMs.p99.toFixed(0)}, max ${s.parseMs.max.toFixed(0)}` +
      (s.slowest[0]
        ? ` (case ${s.slowest[0].index}: ${s.slowest[0].mutations.map((m) => m.op).join('+')}, ${(s.slowest[0].bytes / 1024).toFixed(0)} KiB)`
        : ''),
    `oracle: ${s.oracle.wrongCells} differing cells, ${s.oracle.wrongFlagged} flagged (${pct(s.oracle.wrongFlagged, s.oracle.wrongCells)}); ` +
      `${s.oracle.zeroBlank} blank-for-zero, ${s.oracle.ambiguous} lone-pipe, ${s.oracle.injected} injected digits (by design, not failed); ` +
      `lost cells ${s.oracle.lostCells} (${pct(s.oracle.lostFlagged, s.oracle.lostCells)} flagged)`,
    `edits: ${s.oracle.edits.detectable} break an identity, ${s.oracle.edits.undetectable} undetectable by design, ${s.oracle.edits.untracked} outside the keyed tables; format changed in ${s.oracle.formatChanged} cases; ` +
      `decoded with another charset in ${s.oracle.charsetFlipped} cases without an encoding operator`,
    `failures: ${s.failures.length} case(s)${
      Object.keys(s.failuresByProperty).length
        ? ` — ${Object.entries(s.failuresByProperty)
            .map(([p, n]) => `${p} ${n}`)
            .join(', ')}`
        : ''
    }`,
  ];
  return lines.join('\n');
}
