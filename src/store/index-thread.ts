/**
 * A second thread for a bulk writer (ingest, reparse), so that the thread writing SQLite spends
 * its time writing. After each group commit (group-commit.ts) the thread is told which reports'
 * texts the group wrote; it reads them through its own connection, makes their search pieces and
 * sends them back (index-thread-run.ts), and checkpoints the WAL. The writer puts the pieces it
 * has received into `reports_bigram` in its next group, just before COMMIT, and takes those
 * reports off `text_index_pending` in the same transaction: the search index is built beside the
 * run instead of in a pass after it, and copying the WAL into the database file (the writer's
 * autocheckpoint, off while the thread runs) happens on the other core.
 *
 * Nothing here can index a text other than the one stored:
 * - pieces are used only for a report whose text the writer has not written again since the group
 *   the thread read (a report written twice in one run waits for its later read);
 * - only while no other connection has committed since that group (`PRAGMA data_version`, read
 *   inside the writer's transaction): another process's write makes the thread's reads stale, and
 *   they are dropped;
 * - only for a report still pending, whose mark the same statement removes.
 *
 * Whatever the thread does not deliver (it failed, it was late, its reads were dropped) stays
 * pending, and the run's index pass (text-index.ts) indexes it as before; a crash leaves each
 * report pending or indexed, as that pass does.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Db } from './db.js';
import type { DoneMessage, FromIndexThread, IndexThreadData, PiecesMessage, ToIndexThread } from './index-thread-protocol.js';

/**
 * WAL size (bytes) past which the writer checkpoints itself after a commit. The thread's
 * checkpoints copy what the writer committed, but only a checkpoint that has copied everything
 * when the writer begins its next group lets the WAL start over, and the writer begins its next
 * group at once; so every few groups the writer copies the last group's pages itself (the rest are
 * already copied), and the WAL file stays near this size.
 * @default 64 MiB
 */
export const WAL_RESTART_BYTES = 64 * 1024 * 1024;

/** What an {@link IndexThread} did in a run. */
export interface IndexThreadStats {
  /** Reports whose pieces the thread made and the writer stored. */
  indexed: number;
  /** Reports whose pieces were dropped (text written again, or another connection wrote). */
  dropped: number;
  /** Checkpoints the writer ran itself to let the WAL start over. */
  writerCheckpoints: number;
  /** Why the thread stopped early, if it did. */
  failed: string | null;
}

/**
 * The thread's heap: a small young generation (its strings live for one report) and an old one
 * that bounds its memory; a thread over it ends, and the run's pass indexes what it left.
 */
const resourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/** The thread's module: compiled next to this one, or (run from the TypeScript sources) through tsx. */
function startWorker(data: IndexThreadData & { port: MessagePort }, transfer: MessagePort[]): Worker {
  const compiled = new URL('./index-thread-run.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData: data, transferList: transfer, resourceLimits });
  const source = fileURLToPath(new URL('./index-thread-run.ts', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData: data,
    transferList: transfer,
    resourceLimits,
  });
}

/** The thread of each connection that has one (the text writer tells it what it wrote). */
const threads = new WeakMap<Db, IndexThread>();

/** The index thread of one writing connection; {@link IndexThread.start} it, {@link IndexThread.finish} it. */
export class IndexThread {
  readonly #db: Db;
  readonly #worker: Worker;
  /** Replies arrive here; read without the event loop ({@link receiveMessageOnPort}) inside transactions. */
  readonly #port: MessagePort;
  readonly #autocheckpoint: number;
  readonly #pageSize: number;
  readonly #walRestartBytes: number;
  readonly #s;
  #alive = true;
  #closed = false;
  /** The group being written (incremented at each commit or rollback). */
  #group = 0;
  /** Reports whose text the open group wrote. */
  #written = new Set<number>();
  /** The group in which each report's text was last written, while its pieces may still come. */
  readonly #lastWritten = new Map<number, number>();
  /** Ids sent per group, until its reply is stored. */
  readonly #asked = new Map<number, number[]>();
  /** Groups sent whose reply has not come. */
  readonly #awaiting = new Set<number>();
  /** Replies received, not yet stored. */
  #ready: (PiecesMessage | DoneMessage)[] = [];
  #walFrames = 0;
  readonly stats: IndexThreadStats = { indexed: 0, dropped: 0, writerCheckpoints: 0, failed: null };

  private constructor(db: Db, walRestartBytes: number) {
    this.#db = db;
    this.#walRestartBytes = walRestartBytes;
    this.#s = {
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      unmark: db.prepare<[number]>('DELETE FROM text_index_pending WHERE report_id = ?'),
      bigram: db.prepare<[number, string]>('INSERT INTO reports_bigram (rowid, pieces) VALUES (?, ?)'),
    };
    this.#pageSize = db.pragma('page_size', { simple: true }) as number;
    this.#autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    const channel = new MessageChannel();
    this.#port = channel.port1;
    this.#worker = startWorker({ file: db.name, busyMs: db.pragma('busy_timeout', { simple: true }) as number, port: channel.port2 }, [channel.port2]);
    this.#worker.unref();
    const stop = (why: string): void => {
      if (this.#alive) this.#fail(why);
    };
    this.#worker.on('error', (err) => stop(err.message));
    this.#worker.on('exit', (code) => stop(`the index thread exited (${code})`));
    db.pragma('wal_autocheckpoint = 0');
  }

  /**
   * An index thread for `db`, or null when it cannot have one: an in-memory or read-only
   * database, one not in WAL mode, or one before the search index (migration 17).
   */
  static start(db: Db, options: { walRestartBytes?: number } = {}): IndexThread | null {
    if (db.memory || db.readonly || db.name === '' || db.inTransaction) return null;
    if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return null;
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'text_index_pending'").get()) return null;
    if (threads.has(db)) return null;
    try {
      const thread = new IndexThread(db, options.walRestartBytes ?? WAL_RESTART_BYTES);
      threads.set(db, thread);
      return thread;
    } catch {
      return null; // no thread: the run indexes at its end, as without one
    }
  }

  /** The thread started on `db`, if any. */
  static on(db: Db): IndexThread | undefined {
    return threads.get(db);
  }

  /** The writer stored (or removed) the text of `reportId` in the open group. */
  noteText(reportId: number): void {
    if (!this.#alive) return;
    this.#written.add(reportId);
    this.#lastWritten.set(reportId, this.#group);
  }

  /**
   * Just before COMMIT, inside the group's transaction: stores the pieces received so far, all at
   * once. Not between reports: each report's savepoint makes FTS5 write what it holds as a
   * segment of its own (10 segments instead of 5 at 10,000 reports, searches 35 % slower).
   */
  beforeCommit(): void {
    this.#storeReceived();
  }

  /** After COMMIT: hands the group's texts to the thread; lets the WAL start over when it is large. */
  afterCommit(): void {
    const group = this.#group++;
    if (!this.#alive) return;
    const ids = [...this.#written];
    this.#written = new Set();
    this.#asked.set(group, ids);
    this.#awaiting.add(group);
    this.#port.postMessage({ kind: 'group', group, dataVersion: this.#s.dataVersion.get() as number, ids });
    if (this.#walFrames * this.#pageSize > this.#walRestartBytes) {
      this.#db.pragma('wal_checkpoint(PASSIVE)');
      this.#walFrames = 0;
      this.stats.writerCheckpoints++;
    }
  }

  /** After a group was rolled back: its texts are not stored (their pieces, if any come, are dropped). */
  afterRollback(): void {
    this.#group++;
    this.#written = new Set();
  }

  /**
   * Waits (at most `timeoutMs`) for the pieces of the groups already handed over, stores them in
   * one transaction, and ends the thread. What is still pending afterwards is the index pass's.
   */
  async finish(timeoutMs = 60_000): Promise<IndexThreadStats> {
    await this.caughtUp(timeoutMs);
    if (this.#ready.length > 0) this.#db.transaction(() => this.#storeReceived()).immediate();
    await this.close();
    return this.stats;
  }

  /**
   * Waits (at most `timeoutMs`) until the thread has answered every group handed over (the
   * answers are stored by the writer's next unit or commit, or by {@link finish}); false if it
   * did not, or stopped.
   */
  async caughtUp(timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.#receive();
      if (!this.#alive) return false;
      if (this.#awaiting.size === 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Ends the thread (pieces not stored yet are dropped: those reports stay pending) and restores the autocheckpoint. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#alive) {
      this.#alive = false;
      this.#port.postMessage({ kind: 'close' });
    }
    this.#port.close();
    if (threads.get(this.#db) === this) threads.delete(this.#db);
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${this.#autocheckpoint}`);
    await this.#worker.terminate();
  }

  #fail(why: string): void {
    this.#alive = false;
    this.stats.failed ??= why;
    this.#awaiting.clear();
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${this.#autocheckpoint}`);
  }

  /** Takes the replies waiting on the port. */
  #receive(): void {
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) {
      const reply = m.message as FromIndexThread;
      if (reply.kind === 'failed') this.#fail(reply.message);
      else if (reply.kind === 'done') {
        this.#walFrames = reply.walFrames;
        this.#awaiting.delete(reply.group);
        this.#ready.push(reply);
      } else this.#ready.push(reply);
    }
  }

  /** Inside a transaction of the writer: stores the pieces received (a group's `done` forgets the group). */
  #storeReceived(): void {
    this.#receive();
    if (this.#ready.length === 0) return;
    const ready = this.#ready;
    this.#ready = [];
    let dataVersion: number | undefined;
    for (const r of ready) {
      if (r.kind === 'done') this.#forget(r.group);
      else this.#store(r, r.dataVersion === (dataVersion ??= this.#s.dataVersion.get() as number));
    }
  }

  /** Stores the pieces of a reply whose reads are still the stored texts (`current`). */
  #store(r: PiecesMessage, current: boolean): void {
    const bytes = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
    for (let i = 0; i < r.ids.length; i++) {
      const id = r.ids[i]!;
      if (current && this.#lastWritten.get(id) === r.group && this.#s.unmark.run(id).changes === 1) {
        this.#s.bigram.run(id, bytes.toString('latin1', i === 0 ? 0 : r.ends[i - 1], r.ends[i]));
        this.stats.indexed++;
      } else this.stats.dropped++;
    }
    if (this.#alive) this.#port.postMessage({ kind: 'return', bytes: r.bytes } satisfies ToIndexThread, [r.bytes.buffer]);
  }

  /** A group's replies are all stored: its reports no longer wait for pieces. */
  #forget(group: number): void {
    for (const id of this.#asked.get(group) ?? []) if (this.#lastWritten.get(id) === group) this.#lastWritten.delete(id);
    this.#asked.delete(group);
  }
}
