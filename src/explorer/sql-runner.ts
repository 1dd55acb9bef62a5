/**
 * Runs user SQL for the explorer's SQL page with a time limit and a row cap.
 *
 * better-sqlite3 has no statement timeout, no `sqlite3_interrupt` and no progress handler, and a
 * statement that loops inside SQLite (a recursive CTE, a huge cross join) never returns to
 * JavaScript: neither a `setTimeout` nor `Worker.terminate()` can stop it (a terminated worker
 * stays stuck in native code). So each query runs in a short-lived child process (`node -e`,
 * plain JavaScript, nothing to compile) on its own read-only connection, and the child is killed
 * with SIGKILL when the limit passes. The limit counts from the moment the child is ready, so
 * process start-up does not eat into it.
 *
 * The child refuses any statement that returns no rows or that SQLite does not call read-only
 * (`stmt.reader && stmt.readonly`), on a connection opened read-only with `query_only`: writes,
 * ATTACH, VACUUM INTO, PRAGMA changes and the like never run.
 *
 * A query whose client went away is cancelled (`signal`): a running one has its process killed at
 * once, a waiting one leaves the queue. Eight abandoned slow queries used to keep both slots busy
 * for their whole time limit each (~20 s of CPU); now they stop within milliseconds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { ExplorerError } from './errors.js';

export interface SqlResult {
  columns: string[];
  rows: unknown[][];
  /** More rows existed than `maxRows` (or than the byte budget): the rest were not read. */
  truncated: boolean;
  /** Time the statement took, in milliseconds (excluding process start-up). */
  elapsedMs: number;
}

export interface SqlRunOptions {
  /** Time limit per statement, in milliseconds. @default 5000 */
  timeoutMs?: number;
  /** Most rows returned. @default 1000 */
  maxRows?: number;
  /** Approximate most bytes of row data returned. @default 32 MiB */
  maxBytes?: number;
  /** Aborted when the client goes away: the query stops (NB_SQL_CANCELLED). @default none */
  signal?: AbortSignal;
}

/** What the runner is doing now (for the tests and the bench). */
export interface SqlRunnerStats {
  /** Queries holding a slot (their process runs or starts). */
  running: number;
  /** Queries waiting for a slot. */
  waiting: number;
  /** Query processes alive, the spare included. */
  processes: number;
  /** Queries cancelled because their client went away, since start. */
  cancelled: number;
}

const require = createRequire(import.meta.url);

// Plain CommonJS run by `node -e`: opens the database read-only, runs one statement, sends the rows.
const CHILD = String.raw`
'use strict';
const Database = require(process.env.NB_SQLITE_MODULE);
function fail(code, message) { process.send({ ok: false, code, message }, () => process.exit(0)); }
process.once('message', (job) => {
  let db;
  try {
    db = new Database(job.file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
  } catch (e) { return fail('NB_SQL_ERROR', String(e && e.message || e)); }
  let stmt;
  try { stmt = db.prepare(job.sql); } catch (e) { return fail('NB_SQL_ERROR', String(e && e.message || e)); }
  if (!stmt.reader || !stmt.readonly) {
    return fail('NB_SQL_READONLY', 'only statements that read and return rows (SELECT, WITH, read-only PRAGMA functions) can run here; this one would change the database or the connection');
  }
  const t0 = process.hrtime.bigint();
  try {
    stmt.raw(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows = [];
    let bytes = 0;
    let truncated = false;
    for (const row of stmt.iterate()) {
      if (rows.length >= job.maxRows) { truncated = true; break; }
      const out = row.map((v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
        if (Buffer.isBuffer(v)) return '<' + v.length + ' bytes>';
        return v;
      });
      for (const v of out) bytes += typeof v === 'string' ? v.length * 2 : 8;
      if (bytes > job.maxBytes) { truncated = true; break; }
      rows.push(out);
    }
    const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    process.send({ ok: true, columns, rows, truncated, elapsedMs }, () => process.exit(0));
  } catch (e) {
    const code = String(e && e.code || '');
    return fail(code.startsWith('SQLITE_READONLY') ? 'NB_SQL_READONLY' : 'NB_SQL_ERROR', String(e && e.message || e));
  }
});
process.send({ ready: true });
`;

type ChildMessage =
  { ready: true } | { ok: true; columns: string[]; rows: unknown[][]; truncated: boolean; elapsedMs: number } | { ok: false; code: string; message: string };

const KNOWN = new Set(['NB_SQL_READONLY', 'NB_SQL_ERROR']);

interface Spawned {
  child: ChildProcess;
  /** Resolves when the child has loaded better-sqlite3 and waits for its job. */
  ready: Promise<void>;
  stderr: () => string;
}

/** Runs a query pool: at most `concurrency` child processes at once, the others wait their turn. */
export class SqlRunner {
  #active = 0;
  #cancelled = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #children = new Set<ChildProcess>();
  readonly #file: string;
  #spare: Spawned | null = null;
  #closed = false;

  /**
   * @param dbFile the database file (opened read-only by each child)
   * @param concurrency most queries running at once
   */
  constructor(
    dbFile: string,
    readonly concurrency = 2,
  ) {
    this.#file = resolve(dbFile);
  }

  /**
   * Starts a spare query process in the background (Node takes a few hundred milliseconds to
   * start), so the next query does not wait for it. Each process answers one query only.
   */
  warm(): void {
    if (this.#closed || this.#spare) return;
    this.#spare = this.#spawn();
  }

  /** What the runner is doing now. */
  stats(): SqlRunnerStats {
    return { running: this.#active, waiting: this.#waiting.length, processes: this.#children.size, cancelled: this.#cancelled };
  }

  /** Runs one statement. Rejects with {@link ExplorerError} (NB_SQL_*) when it cannot. */
  async run(sql: string, options: SqlRunOptions = {}): Promise<SqlResult> {
    if (sql.trim().length === 0) throw new ExplorerError('NB_SQL_EMPTY', 'no SQL given');
    if (this.#closed) throw new ExplorerError('NB_SQL_CRASHED', 'the explorer is shutting down');
    const { signal } = options;
    if (signal?.aborted) throw this.#cancel();
    await this.#acquire(signal);
    try {
      const spawned = this.#spare ?? this.#spawn();
      this.#spare = null;
      const result = this.#runChild(spawned, sql, {
        timeoutMs: options.timeoutMs ?? 5000,
        maxRows: options.maxRows ?? 1000,
        maxBytes: options.maxBytes ?? 32 * 1024 * 1024,
        signal,
      });
      this.warm();
      return await result;
    } finally {
      this.#release();
    }
  }

  /** Kills every query process (running or spare). */
  close(): void {
    this.#closed = true;
    for (const c of this.#children) c.kill('SIGKILL');
    this.#children.clear();
    this.#spare = null;
  }

  #cancel(): ExplorerError {
    this.#cancelled++;
    return new ExplorerError('NB_SQL_CANCELLED', 'the client went away; the query was stopped');
  }

  async #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.#active < this.concurrency) {
      this.#active++;
      return;
    }
    await new Promise<void>((res, rej) => {
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(take);
        if (at >= 0) this.#waiting.splice(at, 1);
        rej(this.#cancel());
      };
      // The slot passes to this query (#release keeps #active as it is).
      const take = (): void => {
        signal?.removeEventListener('abort', onAbort);
        res();
      };
      this.#waiting.push(take);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }

  #spawn(): Spawned {
    const child = spawn(process.execPath, ['--max-old-space-size=512', '-e', CHILD], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, NB_SQLITE_MODULE: require.resolve('better-sqlite3') },
      serialization: 'advanced',
    });
    this.#children.add(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString('utf8');
    });
    const ready = new Promise<void>((res, rej) => {
      const onMessage = (m: ChildMessage): void => {
        if ('ready' in m) {
          child.off('message', onMessage);
          res();
        }
      };
      child.on('message', onMessage);
      child.once('error', rej);
      child.once('exit', (code, signal) => rej(new Error(`exited (${signal ?? `exit code ${code}`}) before it was ready`)));
    });
    ready.catch(() => {}); // observed by #runChild
    child.once('exit', () => {
      this.#children.delete(child);
      if (this.#spare?.child === child) this.#spare = null;
    });
    return { child, ready, stderr: () => stderr };
  }

  #runChild(s: Spawned, sql: string, o: Required<Omit<SqlRunOptions, 'signal'>> & { signal: AbortSignal | undefined }): Promise<SqlResult> {
    const { child } = s;
    return new Promise<SqlResult>((resolvePromise, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        if (settled) return;
        child.kill('SIGKILL');
        finish(() => reject(this.#cancel()));
      };
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        clearTimeout(startGuard);
        o.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      // Guard against a child that never starts (10 s plus the limit).
      const startGuard = setTimeout(() => {
        child.kill('SIGKILL');
        finish(() => reject(new ExplorerError('NB_SQL_CRASHED', 'the query process did not start')));
      }, 10_000 + o.timeoutMs);
      child.on('message', (raw) => {
        const m = raw as ChildMessage;
        if ('ready' in m) return;
        if (m.ok) {
          finish(() => resolvePromise({ columns: m.columns, rows: m.rows, truncated: m.truncated, elapsedMs: m.elapsedMs }));
        } else {
          const code = KNOWN.has(m.code) ? (m.code as 'NB_SQL_READONLY' | 'NB_SQL_ERROR') : 'NB_SQL_ERROR';
          finish(() => reject(new ExplorerError(code, m.message)));
        }
      });
      // 'close', not 'exit': 'exit' can come before the last IPC message (a large result) is read,
      // which made a finished query look like a crash.
      child.on('close', (code, signal) => {
        const err = s.stderr().trim();
        finish(() =>
          reject(
            new ExplorerError(
              'NB_SQL_CRASHED',
              `the query process ended without an answer (${signal ?? `exit code ${code}`})${err ? `: ${err.slice(0, 500)}` : ''}`,
            ),
          ),
        );
      });
      s.ready.then(
        () => {
          if (settled) return;
          clearTimeout(startGuard);
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            finish(() => reject(new ExplorerError('NB_SQL_TIMEOUT', `the query ran longer than the time limit of ${o.timeoutMs} ms and was stopped`)));
          }, o.timeoutMs);
          child.send({ file: this.#file, sql, maxRows: o.maxRows, maxBytes: o.maxBytes });
        },
        (err: unknown) =>
          finish(() =>
            reject(
              new ExplorerError('NB_SQL_CRASHED', `the query process failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
            ),
          ),
      );
    });
  }
}
