/**
 * Reads, hashes and gzips the files of an ingest on worker threads, so that the
 * thread writing SQLite spends its time writing: on that thread, the asynchronous read of a report
 * page, its hash and its gzip took about a quarter of the time of storing it. Results come back in
 * the order asked for by whoever awaits them; a thread that fails hands its files back to the
 * calling thread, which reads them itself (same results, more slowly).
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { SNAPSHOT_LEVEL, sha256Hex, SYNC_GZIP_MAX } from '../store/snapshots.js';

/** A file read: its bytes, SHA-256 and, when made on a thread, the gzip of its snapshot. */
export interface FileRead {
  bytes: Buffer;
  sha: string;
  gz: Buffer | null;
}

/** A read error in the shape of the one `readFile` throws (`code`, message). */
class ReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a file on the calling thread (no pool, or its thread failed). */
async function readHere(path: string): Promise<FileRead> {
  const bytes = await readFile(path);
  return { bytes, sha: sha256Hex(bytes), gz: null };
}

/** One file to read. */
interface ReadTask {
  id: number;
  path: string;
}

/** The file's bytes, SHA-256 and gzip (null: larger than SYNC_GZIP_MAX, compressed by the caller); or why it could not be read. */
type ReadTaskResult =
  { id: number; ok: true; bytes: Uint8Array; sha: string; gz: Uint8Array | null } | { id: number; ok: false; code: string; message: string };

/**
 * The thread's code (CommonJS, Node built-ins only): plain JavaScript evaluated as it is, so it
 * runs the same from dist/ and from the TypeScript sources (no loader needed in the thread).
 * Synchronous calls: the thread has nothing else to do meanwhile. Each result owns its whole
 * ArrayBuffer (Node pools small buffers), which is transferred, not copied.
 */
const WORKER_SOURCE = `
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { gzipSync } = require('node:zlib');
const owned = (b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b));
parentPort.on('message', (task) => {
  let result;
  const transfer = [];
  try {
    const bytes = owned(readFileSync(task.path));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const gz = bytes.length <= workerData.gzipMax ? owned(gzipSync(bytes, { level: workerData.level })) : null;
    transfer.push(bytes.buffer);
    if (gz) transfer.push(gz.buffer);
    result = { id: task.id, ok: true, bytes, sha, gz };
  } catch (err) {
    result = { id: task.id, ok: false, code: (err && err.code) || 'EIO', message: String(err && err.message) };
  }
  parentPort.postMessage(result, transfer);
});
`;

interface Waiting {
  path: string;
  resolve: (r: FileRead) => void;
  reject: (err: unknown) => void;
}

/** `workers` threads reading files (0: every file read on the calling thread). Close it when done. */
export class ReadPool {
  readonly #workers: Worker[] = [];
  /** Files asked of each thread, not answered yet, by task id. */
  readonly #waiting: Map<number, Waiting>[] = [];
  #next = 0;
  #turn = 0;

  constructor(workers: number) {
    for (let i = 0; i < workers; i++) {
      const waiting = new Map<number, Waiting>();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { level: SNAPSHOT_LEVEL, gzipMax: SYNC_GZIP_MAX } });
      worker.on('message', (r: ReadTaskResult) => {
        const w = waiting.get(r.id);
        if (!w) return;
        waiting.delete(r.id);
        if (r.ok)
          w.resolve({
            bytes: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
            sha: r.sha,
            gz: r.gz ? Buffer.from(r.gz.buffer, r.gz.byteOffset, r.gz.byteLength) : null,
          });
        else w.reject(new ReadError(r.code, r.message));
      });
      const fail = (): void => {
        // The thread is gone: its files are read here instead, and it takes no more.
        const k = this.#workers.indexOf(worker);
        if (k >= 0) {
          this.#workers.splice(k, 1);
          this.#waiting.splice(k, 1);
        }
        for (const w of waiting.values()) readHere(w.path).then(w.resolve, w.reject);
        waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      this.#workers.push(worker);
      this.#waiting.push(waiting);
    }
  }

  /** Reads, hashes and (on a thread, up to SYNC_GZIP_MAX) gzips a file; rejects like `readFile` (`code`, message). */
  read(path: string): Promise<FileRead> {
    if (this.#workers.length === 0) return readHere(path);
    const k = this.#turn++ % this.#workers.length;
    const id = this.#next++;
    return new Promise<FileRead>((resolve, reject) => {
      this.#waiting[k]!.set(id, { path, resolve, reject });
      const task: ReadTask = { id, path };
      this.#workers[k]!.postMessage(task);
    });
  }

  /** Ends the threads (files still asked for are read on the calling thread). */
  async close(): Promise<void> {
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
