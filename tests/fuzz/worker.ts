/**
 * Worker thread of the fuzz pool: loads the corpus once, then runs the cases it is sent and
 * reports each one (a `start` message first, so the pool can tell which case hangs).
 */
import { parentPort } from 'node:worker_threads';
import { generateCase, loadFuzzCorpus, runCase, type CaseResult, type RunOptions } from './engine.js';

export type ToWorker = { type: 'run'; seed: number; indices: number[]; options: RunOptions };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'start'; index: number; phase: 'generate' | 'parse' }
  | { type: 'result'; result: CaseResult }
  | { type: 'done' }
  | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('tests/fuzz/worker.ts runs in a worker thread (see pool.ts)');

const docs = await loadFuzzCorpus();
port.on('message', async (msg: ToWorker) => {
  try {
    for (const index of msg.indices) {
      port.postMessage({ type: 'start', index, phase: 'generate' } satisfies FromWorker);
      const c = generateCase(docs, msg.seed, index);
      port.postMessage({ type: 'start', index, phase: 'parse' } satisfies FromWorker);
      const result = await runCase(c, msg.options);
      port.postMessage({ type: 'result', result } satisfies FromWorker);
    }
    port.postMessage({ type: 'done' } satisfies FromWorker);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
