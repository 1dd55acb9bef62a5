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
import { bigramPieces } from './bigrams.js';
import { type FromIndexThread, type IndexThreadData, PIECES_PER_MESSAGE, type ToIndexThread } from './index-thread-protocol.js';

interface TextRow {
  id: number;
  title: string | null;
  agency: string | null;
  text: string | null;
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const { file, busyMs, port } = workerData as IndexThreadData & { port: MessagePort };
const send = (m: FromIndexThread): void => port.postMessage(m);

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
    if (m.kind === 'close') {
      conn.close();
      port.close();
      return;
    }
    try {
      let ids: number[] = [];
      let pieces: string[] = [];
      const flush = (): void => {
        if (ids.length > 0) send({ kind: 'pieces', group: m.group, dataVersion: m.dataVersion, ids, pieces });
        ids = [];
        pieces = [];
      };
      for (const r of texts.iterate(JSON.stringify(m.ids))) {
        ids.push(r.id);
        pieces.push(bigramPieces(r.title, r.agency, r.text));
        if (ids.length >= PIECES_PER_MESSAGE) flush();
      }
      flush();
      const [wal] = conn.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
      send({ kind: 'done', group: m.group, walFrames: wal?.log ?? -1, walCheckpointed: wal?.checkpointed ?? -1 });
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
