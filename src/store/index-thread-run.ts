/**
 * The code of the index thread (see index-thread.ts): for each group a bulk writer commits, it
 * reads the group's pending report texts through a connection of its own, makes their search
 * pieces (bigrams.ts) and sends them back; then it checkpoints the WAL (PASSIVE: copying committed
 * pages into the database file never waits for, nor blocks, the writer). The connection is
 * `query_only`: the thread never writes a row. Any error ends the thread after one `failed`
 * message; the writer's own index pass then indexes whatever is still pending.
 */
import Database from 'better-sqlite3';
import { type MessagePort, workerData } from 'node:worker_threads';
import { bigramPieceBytes } from './bigrams.js';
import { type FromIndexThread, type IndexThreadData, PIECES_PER_MESSAGE, type ToIndexThread } from './index-thread-protocol.js';

interface TextRow {
  id: number;
  title: string | null;
  agency: string | null;
  text: string | null;
}

/** The row of `PRAGMA wal_checkpoint`: frames in the WAL (`log`), and others not read here. */
interface CheckpointRow {
  log: number;
}

const { file, busyMs, port } = workerData as IndexThreadData & { port: MessagePort };
const send = (m: FromIndexThread): void => port.postMessage(m);
/** A message's bytes to start with (PIECES_PER_MESSAGE reports of ~13 KB of pieces each). */
const MESSAGE_BYTES = 1 << 19;
/** Buffers the writer handed back, reused for the next messages. */
const spare: Uint8Array<ArrayBuffer>[] = [];
const buffer = (): Uint8Array<ArrayBuffer> => spare.pop() ?? new Uint8Array(MESSAGE_BYTES);

let db: Database.Database | null = null;
try {
  db = new Database(file, { fileMustExist: true, timeout: busyMs });
  db.pragma('query_only = ON');
  const texts = db.prepare<[string], TextRow>(
    `SELECT t.report_id AS id, t.title, t.agency, t.text
       FROM json_each(?) j CROSS JOIN text_index_pending p ON p.report_id = j.value CROSS JOIN report_text t ON t.report_id = p.report_id`,
  );
  const conn = db;
  port.on('message', (m: ToIndexThread) => {
    if (m.kind === 'return') {
      if (m.bytes.byteLength === MESSAGE_BYTES) spare.push(m.bytes);
      return;
    }
    if (m.kind === 'close') {
      conn.close();
      port.close();
      return;
    }
    try {
      let ids: number[] = [];
      let ends: number[] = [];
      let bytes: Uint8Array<ArrayBuffer> | null = null; // taken when a report needs it
      let at = 0;
      const flush = (): void => {
        if (bytes && ids.length > 0)
          port.postMessage({ kind: 'pieces', group: m.group, dataVersion: m.dataVersion, ids, ends, bytes } satisfies FromIndexThread, [bytes.buffer]);
        ids = [];
        ends = [];
        bytes = null;
        at = 0;
      };
      for (const r of texts.iterate(JSON.stringify(m.ids))) {
        const pieces = bigramPieceBytes(r.title, r.agency, r.text);
        let into: Uint8Array<ArrayBuffer> = bytes ?? buffer();
        if (at + pieces.length > into.length) {
          const grown = new Uint8Array(Math.max(at + pieces.length, into.length * 2));
          grown.set(into.subarray(0, at));
          into = grown;
        }
        into.set(pieces, at);
        bytes = into;
        at += pieces.length;
        ids.push(r.id);
        ends.push(at);
        if (ids.length >= PIECES_PER_MESSAGE) flush();
      }
      flush();
      const [wal] = conn.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
      send({ kind: 'done', group: m.group, walFrames: wal?.log ?? -1 });
    } catch (err) {
      send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
      conn.close();
      port.close();
    }
  });
} catch (err) {
  send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  db?.close();
  port.close();
}
