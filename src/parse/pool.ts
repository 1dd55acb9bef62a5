/**
 * `parseReport` on worker threads (piscina), so a crawl's main thread keeps fetching and storing
 * while reports are parsed. Same result and same errors as `parseReport`: a failure is rebuilt on
 * this side as an instance of its class with its fields (`code`, `file` …). `workers: 0` parses
 * inline, on the calling thread.
 *
 * A thread is also the hard guard of the document's budget (parsers/budget.ts): it runs with a
 * heap of `maxHeapMb` and one document at a time, under a deadline of `timeoutMs`. A document that
 * runs out of heap or time ends its thread (piscina starts a fresh one), never the process, and is
 * refused with `NB_PARSE_TOO_LARGE` or `NB_PARSE_TIMEOUT` naming the limit; it is never read again
 * on the calling thread.
 *
 * The worker is `worker.js` next to this file; run from TypeScript sources (tsx, vitest) it is
 * `worker.ts`, loaded through tsx's loader (`--import tsx`, a devDependency).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import { z } from 'zod';
import { makeBudget, overBudget, overTime, type Budget, type BudgetInput } from '../../parsers/budget.js';
import { NianbaoError, ParseError } from '../../parsers/errors.js';
import type { ParsedReport } from '../../parsers/types.js';
import { ValidateError } from '../../parsers/validate.js';
import { DecodeError } from '../decode/errors.js';
import { addOcrWork, noOcrWork, ocrWorkSoFar, type OcrWork } from '../decode/ocr-work.js';
import { parseReport, type ParseReportOptions } from './report.js';
import type { ParseTask, ParseTaskResult, SerializedError } from './worker.js';

export const ParsePoolOptionsSchema = z.strictObject({
  /** Worker threads; 0 parses inline, on the calling thread. @default 1 */
  workers: z.number().int().min(0).max(64).default(1),
  /**
   * The threads start once documents parsed on the calling thread have taken this long in total
   * (0: with the first document). A thread costs about half a second of CPU to start (it loads
   * the parser anew), so a pool that parses a few dozen documents is faster without one; a long
   * run pays the start once. `ready()` starts them at once.
   * @default 500
   */
  startAfterMs: z.number().int().min(0).default(500),
  /**
   * Documents handed to each thread (being parsed or waiting) before the calling thread parses
   * the next one itself; 0: never, everything waits for a thread once they are up.
   * @default 0
   */
  backlog: z.number().int().min(0).default(0),
  /**
   * Old-generation heap of each thread, MB. A document that needs more ends its thread and is
   * refused with `NB_PARSE_TOO_LARGE` (budget maxHeapMb).
   * @default the budget's maxHeapMb (512)
   */
  threadHeapMb: z.number().int().min(64).optional(),
  /**
   * The budget of each document (parsers/budget.ts), unless a `parse` call gives its own: its
   * limits are checked while reading, its `timeoutMs` ends a thread that overruns it.
   * @default DEFAULT_BUDGET
   */
  budget: z.record(z.string(), z.unknown()).optional(),
});

export type ParsePoolOptionsInput = z.input<typeof ParsePoolOptionsSchema>;

export type ParsePoolErrorCode =
  | 'NB_PARSE_POOL_OPTIONS' // invalid options
  | 'NB_PARSE_POOL_CLOSED' // parse() after close()
  | 'NB_PARSE_POOL_WORKER'; // the worker thread failed (crashed, could not start): not a verdict on the document

/** A problem of the pool itself, never of the document parsed. */
export class ParsePoolError extends NianbaoError {
  declare readonly code: ParsePoolErrorCode;
  constructor(code: ParsePoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Classes the worker's errors are rebuilt as (by class name); others become an `Error` with the same fields. */
const ERROR_CLASSES: Record<string, { prototype: Error }> = {
  DecodeError,
  ParseError,
  ValidateError,
  NianbaoError,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

/** An instance of the original class with the original message, stack and fields. */
export function rebuildError(s: SerializedError): Error {
  const cls = ERROR_CLASSES[s.className] ?? Error;
  const err = Object.create(cls.prototype) as Error;
  Object.defineProperty(err, 'message', { value: s.message, writable: true, configurable: true, enumerable: false });
  if (s.stack !== undefined) Object.defineProperty(err, 'stack', { value: s.stack, writable: true, configurable: true, enumerable: false });
  if (s.cause) Object.defineProperty(err, 'cause', { value: rebuildError(s.cause), writable: true, configurable: true, enumerable: false });
  Object.assign(err, s.fields);
  if (err.name !== s.name) Object.defineProperty(err, 'name', { value: s.name, writable: true, configurable: true, enumerable: false });
  return err;
}

/** The worker module and the Node options a worker thread needs to load it. */
function workerEntry(): { filename: string; execArgv: string[] } {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // TypeScript sources: the worker thread needs tsx's loader (resolved from here, not the cwd).
    const tsx = pathToFileURL(createRequire(self).resolve('tsx')).href;
    return { filename: fileURLToPath(new URL('./worker.ts', self)), execArgv: ['--import', tsx] };
  }
  return { filename: fileURLToPath(new URL('./worker.js', self)), execArgv: [] };
}

/** Counters of a pool: where its documents were parsed. */
export interface ParsePoolStats {
  /** Worker threads asked for (0: inline pool). */
  workers: number;
  /** Documents parsed on a worker thread. */
  threaded: number;
  /** Documents parsed on the calling thread (inline pool, threads not started yet, or all of them busy). */
  inline: number;
  /** Time those took, ms. */
  inlineMs: number;
  /** Why the threads could not be used, when they failed to start (the pool then parses inline). */
  failure: string | null;
  /**
   * What OCR cost since the pool was made (src/decode/ocr-work.ts): crops read, crops whose words
   * came from the OCR cache, Tesseract runs — on its threads, plus on the calling thread (its inline
   * parses, and any other OCR that thread did meanwhile). A document whose thread was ended (heap,
   * deadline) is not counted.
   */
  ocr: OcrWork;
}

/**
 * Extra time a thread gets past the budget's deadline before it is ended (at most a quarter of the
 * deadline): the reader checks the deadline itself between pages and parts; the thread is ended
 * only when it is stuck inside one step.
 */
const DEADLINE_GRACE_MS = 2000;

/** Young-generation size of each thread, MB (V8's default is larger; parsing garbage is short-lived). */
const THREAD_YOUNG_MB = 8;

export class ParsePool {
  readonly workers: number;
  readonly startAfterMs: number;
  readonly backlog: number;
  readonly threadHeapMb: number;
  readonly budget: Budget;
  /** Time spent parsing on the calling thread, ms. */
  #inlineMs = 0;
  #piscina: Piscina<ParseTask, ParseTaskResult> | undefined;
  #started: Promise<void> | undefined;
  #ready = false;
  #closed = false;
  /** Documents at the threads (running or queued). */
  #atThreads = 0;
  #threaded = 0;
  #inline = 0;
  #failure: string | null = null;
  #threadedOcr: OcrWork = noOcrWork();
  /** The calling thread's OCR counters when the pool was made. */
  readonly #ocrAtStart = ocrWorkSoFar();
  /** Callers waiting for a thread (one document per thread, so that its deadline runs from its start). */
  #waiting: (() => void)[] = [];
  /** close() waiting for the documents handed over to be done. */
  #drained: (() => void)[] = [];

  /**
   * The threads start lazily (see `startAfterMs`), so a pool that parses little costs nothing
   * extra. Until a thread has loaded the parser (and, with `backlog`, while the threads hold that
   * many documents each) `parse` runs on the calling thread instead, with the same result.
   */
  constructor(options: ParsePoolOptionsInput = {}) {
    const parsed = ParsePoolOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ParsePoolError('NB_PARSE_POOL_OPTIONS', `invalid parse pool options:\n${z.prettifyError(parsed.error)}`);
    this.workers = parsed.data.workers;
    this.startAfterMs = parsed.data.startAfterMs;
    this.backlog = parsed.data.backlog;
    this.budget = makeBudget(parsed.data.budget as BudgetInput | undefined);
    this.threadHeapMb = parsed.data.threadHeapMb ?? this.budget.maxHeapMb;
  }

  #start(): Promise<void> {
    this.#started ??= this.workers === 0 || this.#closed ? Promise.resolve() : this.#launch();
    return this.#started;
  }

  async #launch(): Promise<void> {
    // piscina is loaded with the first thread (it costs ~10 MB even unused).
    let PiscinaClass: typeof Piscina;
    try {
      PiscinaClass = (await import('piscina')).Piscina;
    } catch (err) {
      this.#failure = `parse worker could not start: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    if (this.#closed) return;
    const entry = workerEntry();
    const piscina = new PiscinaClass<ParseTask, ParseTaskResult>({
      filename: entry.filename,
      execArgv: entry.execArgv,
      minThreads: this.workers,
      maxThreads: this.workers,
      // One document per thread: a thread ended for one document's heap or deadline takes no
      // other document with it, and the deadline runs from the document's start.
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: this.threadHeapMb, maxYoungGenerationSizeMb: THREAD_YOUNG_MB },
    });
    // A thread's failure is reported through the task it fails.
    piscina.on('error', () => undefined);
    this.#piscina = piscina;
    try {
      await piscina.run({ ping: true });
      if (!this.#closed) this.#ready = true;
    } catch (err) {
      if (this.#closed) return; // ended while starting
      // The threads cannot load the parser (worker file or loader missing): parse inline.
      this.#failure = `parse worker could not start: ${err instanceof Error ? err.message : String(err)}`;
      this.#piscina = undefined;
      await piscina.destroy().catch(() => undefined);
    }
  }

  /**
   * Starts the threads if needed and resolves once one can take documents (at once for an inline
   * pool). Rejects with `ParsePoolError` `NB_PARSE_POOL_WORKER` when they could not start
   * (`parse` still works, inline), `NB_PARSE_POOL_CLOSED` after `close()`.
   */
  async ready(): Promise<void> {
    if (this.#closed) throw new ParsePoolError('NB_PARSE_POOL_CLOSED', 'the parse pool is closed');
    await this.#start();
    if (this.#failure) throw new ParsePoolError('NB_PARSE_POOL_WORKER', this.#failure);
  }

  /** Worker threads running now (0 when inline, not started, failed or closed). */
  get threads(): number {
    return this.#piscina?.threads.length ?? 0;
  }

  stats(): ParsePoolStats {
    return {
      workers: this.workers,
      threaded: this.#threaded,
      inline: this.#inline,
      inlineMs: Math.round(this.#inlineMs),
      failure: this.#failure,
      ocr: addOcrWork(this.#threadedOcr, addOcrWork(ocrWorkSoFar(), this.#ocrAtStart, -1)),
    };
  }

  /**
   * Parses one document, like `parseReport(input, options)`: same report, same errors (the
   * error's class and fields). Rejects with `ParsePoolError` when the pool, not the document, is
   * the problem: `NB_PARSE_POOL_CLOSED` after `close()`, `NB_PARSE_POOL_WORKER` when the thread
   * parsing it died. A document that overruns its thread's heap or its deadline ends the thread
   * and is refused: `ParseError` `NB_PARSE_TOO_LARGE` (budget maxHeapMb) or `NB_PARSE_TIMEOUT`.
   */
  async parse(input: Uint8Array | string, options: ParseReportOptions = {}): Promise<ParsedReport> {
    if (this.#closed) throw new ParsePoolError('NB_PARSE_POOL_CLOSED', 'the parse pool is closed');
    if (this.workers > 0 && !this.#started && this.#inlineMs >= this.startAfterMs) void this.#start();
    const piscina = this.#piscina;
    // Documents handed to the threads: being parsed, or waiting here for a free thread.
    const handed = this.#atThreads + this.#waiting.length;
    if (!piscina || !this.#ready || (this.backlog > 0 && handed >= this.workers * this.backlog)) return this.#parseInline(input, options);
    const budget = options.budget ? makeBudget(options.budget) : this.budget;
    // A prior decode stays here: cloning its text to the thread would cost what it saves.
    const { decoded: _decoded, ...threadOptions } = options;
    const taskOptions: ParseReportOptions = { ...threadOptions, budget };
    let task: ParseTask;
    let transferList: ArrayBuffer[] | undefined;
    if (typeof input === 'string') task = { input, options: taskOptions };
    else {
      // A copy of just these bytes, moved (not cloned) to the thread: the caller's buffer may be
      // a view into a larger one, and stays untouched.
      const bytes = new Uint8Array(input);
      task = { input: bytes, options: taskOptions };
      transferList = [bytes.buffer];
    }
    // Wait for a free thread here, not in piscina's queue: the deadline must run from the start.
    while (this.#atThreads >= this.workers) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (!this.#piscina) {
      this.#wakeOne();
      throw new ParsePoolError('NB_PARSE_POOL_CLOSED', 'the parse pool is closed');
    }
    this.#atThreads++;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), budget.timeoutMs + Math.min(DEADLINE_GRACE_MS, Math.ceil(budget.timeoutMs / 4)));
    let result: ParseTaskResult;
    try {
      result = await this.#piscina.run(task, { signal: deadline.signal, ...(transferList ? { transferList } : {}) });
    } catch (err) {
      const file = options.fileName;
      // The thread ran out of heap or time on this document: it ended, the document is refused.
      if (deadline.signal.aborted) throw overTime(budget, 'reading it (the parse thread was ended)', file);
      if ((err as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw overBudget(budget, 'maxHeapMb', 'needs more memory (its parse thread was ended) than', file, err);
      }
      throw new ParsePoolError('NB_PARSE_POOL_WORKER', `parse worker failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
      this.#atThreads--;
      this.#wakeOne();
    }
    this.#threaded++;
    if ('pong' in result) throw new ParsePoolError('NB_PARSE_POOL_WORKER', 'parse worker answered a document with a ping reply');
    this.#threadedOcr = addOcrWork(this.#threadedOcr, result.ocr);
    if (!result.ok) throw rebuildError(result.error);
    return result.report;
  }

  /** Lets the next waiting document take the free thread; with none left, tells close() all is done. */
  #wakeOne(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else if (this.#atThreads === 0) for (const done of this.#drained.splice(0)) done();
  }

  async #parseInline(input: Uint8Array | string, options: ParseReportOptions): Promise<ParsedReport> {
    this.#inline++;
    const t0 = performance.now();
    try {
      return await parseReport(input, options.budget ? options : { ...options, budget: this.budget });
    } finally {
      this.#inlineMs += performance.now() - t0;
    }
  }

  /**
   * Ends the threads: documents already at them are parsed first; threads still starting are
   * stopped at once. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const piscina = this.#piscina;
    if (piscina && this.#ready) {
      // Documents handed over before close() (parsed or waiting for a thread) are parsed first.
      while (this.#atThreads > 0 || this.#waiting.length > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    }
    this.#piscina = undefined;
    for (const wake of this.#waiting.splice(0)) wake();
    if (!piscina) return;
    if (this.#ready) await piscina.close();
    else await piscina.destroy().catch(() => undefined);
    this.#ready = false;
  }
}
