/**
 * A worker's {@link ReportSink}: raw snapshots go to the shared content-addressed folder (atomic:
 * temp file + rename, src/store/snapshots.ts), documents are parsed here, and each page's result
 * is queued for the storer in the same PostgreSQL transaction as its frontier writes. The dataset
 * is written by the storer only, so what this sink answers about it is provisional: a parsed
 * document is `new` (or `updated` at a URL that had one), with document id 0; the storer decides
 * known / same / vanished against the dataset when it stores the result.
 */
import type { DocumentToStore, PageCommit, ReportSink, StoredReport, VanishedNote } from '../crawl/stages/contracts.js';
import type { PriorDecode } from '../decode/index.js';
import { SnapshotStore } from '../store/snapshots.js';
import { reportStatus, type ParseOutcome } from '../store/writer.js';
import type { Coordinator } from './connect.js';
import type { PgFrontier } from './frontier.js';
import { enqueueResult, type QueuedDocument, type QueuedResult } from './results.js';

export interface QueueSinkOptions {
  workerId: string;
  /** The shared snapshots folder (every worker and the storer see it: a network file system on several machines). */
  sharedDir: string;
  parse: (body: Buffer, fileName: string, contentType: string | undefined, decoded?: PriorDecode) => Promise<ParseOutcome>;
}

/** A page commit as queued: the provisional document ids (0) of this sink are none. */
function clean(page: PageCommit): PageCommit {
  return {
    ...page,
    ...(page.response ? { response: { ...page.response, documentId: page.response.documentId || null } } : {}),
    ...(page.finish ? { finish: { ...page.finish, documentId: page.finish.documentId || null } } : {}),
  };
}

export class QueueSink implements ReportSink {
  readonly #c: Coordinator;
  readonly #frontier: PgFrontier;
  readonly #o: QueueSinkOptions;
  readonly #files: SnapshotStore;

  constructor(c: Coordinator, frontier: PgFrontier, o: QueueSinkOptions) {
    this.#c = c;
    this.#frontier = frontier;
    this.#o = o;
    this.#files = new SnapshotStore(o.sharedDir);
  }

  snapshot(body: Buffer, sha: string): Promise<string> {
    return this.#files.put(body, sha);
  }

  async knownDocument(sha: string): Promise<{ documentId: number; reportId: number | null } | undefined> {
    const r = (
      await this.#c.pool.query<{ document_id: string; report_id: string | null }>('SELECT document_id, report_id FROM documents WHERE sha256 = $1', [sha])
    ).rows[0];
    return r ? { documentId: Number(r.document_id), reportId: r.report_id === null ? null : Number(r.report_id) } : undefined;
  }

  async documentUrl(documentId: number): Promise<string | null> {
    const r = (await this.#c.pool.query<{ url: string | null }>('SELECT url FROM documents WHERE document_id = $1', [documentId])).rows[0];
    return r?.url ?? null;
  }

  parse(body: Buffer, fileName: string, contentType: string | undefined, decoded?: PriorDecode): Promise<ParseOutcome> {
    return this.#o.parse(body, fileName, contentType, decoded);
  }

  async storeReport(doc: DocumentToStore, outcome: ParseOutcome, page: PageCommit): Promise<StoredReport> {
    const { body: _body, ...res } = doc.page.res;
    const queued: QueuedDocument = {
      res,
      mode: doc.page.mode,
      sha: doc.page.sha,
      charset: doc.page.charset,
      snapshotPath: doc.snapshotPath,
      fileName: doc.fileName,
      site: doc.site,
      row: doc.row,
    };
    const p = clean(page);
    await this.#commitQueued(p, { kind: 'report', doc: queued, outcome, page: p });
    return {
      outcome: doc.row.document_id !== null ? 'updated' : 'new',
      documentId: 0,
      status: outcome.ok ? reportStatus(outcome.report) : 'failed',
      revised: false,
    };
  }

  async storeKnown(documentId: number, location: { place: string; site: string; publisherId: number; seenAt: string }, page: PageCommit): Promise<void> {
    const sha = page.response?.sha256 ?? page.finish?.sha256 ?? '';
    const p = clean(page);
    await this.#commitQueued(p, { kind: 'known', sha, documentId, location: { place: location.place, site: location.site, seenAt: location.seenAt }, page: p });
  }

  async commitPage(page: PageCommit, changes: { returned?: { url: string; at: string }; vanished?: VanishedNote }): Promise<'new' | 'again' | null> {
    const p = clean(page);
    await this.#commitQueued(p, { kind: 'page', page: p, changes });
    // Whether the dataset saw this report gone before is the storer's to know; counted once here.
    return changes.vanished && page.row.document_id !== null ? 'new' : null;
  }

  /** The page's frontier commit and its queued result for the storer, in one PostgreSQL transaction. */
  async #commitQueued(p: PageCommit, result: QueuedResult): Promise<void> {
    await this.#frontier.pageTx(p, async (t) => {
      await this.#frontier.commitIn(t, p, false);
      await enqueueResult(t, { runId: p.runId, site: p.site, key: p.row.key, worker: this.#o.workerId, result });
    });
  }
}
