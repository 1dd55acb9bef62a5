/**
 * The embedded {@link ReportSink}: raw snapshots in the database's snapshot store, parsing on
 * worker threads (or the context's `parse`), documents and reports written by the store's
 * `ReportWriter`, revisions and vanished reports by its `ChangeRecorder` — each in the same unit
 * as the page's frontier writes ({@link SqliteFrontier.unit}).
 */
import type { PriorDecode } from '../../decode/index.js';
import { ParsePool, type ParsePoolStats } from '../../parse/pool.js';
import type { Db } from '../../store/db.js';
import { parseToOutcome, type ParseFn } from '../../ingest/outcome.js';
import { ChangeRecorder, reportDiff, reportTextDiff, type CellChange } from '../../store/revisions.js';
import type { TextDiff } from '../../store/text-diff.js';
import { SnapshotStore } from '../../store/snapshots.js';
import { ReportWriter, reportStatus, type ParseOutcome } from '../../store/writer.js';
import type { BudgetInput } from '../../../parsers/budget.js';
import { headerValue, wholeGzipOf } from '../../fetch/index.js';
import { CrawlError } from '../errors.js';
import type { DocumentToStore, FrontierRow, PageCommit, ReportSink, StoredReport, VanishedNote } from './contracts.js';
import type { SqliteFrontier } from './sqlite-frontier.js';

export interface SqliteSinkOptions {
  snapshotsDir: string;
  /** Parse threads (0: the main thread). Unused when `parse` is given. */
  parseWorkers: number;
  budget?: BudgetInput;
  /** Parses a fetched document. @default `parseReport`, on `parseWorkers` threads */
  parse?: ParseFn;
  /** Scanned documents read by OCR (`auto`) or refused (`off`). @default 'off' */
  ocr?: 'auto' | 'off';
  /** Folder of the OCR cache (src/decode/ocr-cache.ts), already checked. @default no cache */
  ocrCacheDir?: string;
}

function hasTables(outcome: ParseOutcome): boolean {
  return outcome.ok && (outcome.report.cells.length > 0 || (outcome.report.stats?.length ?? 0) > 0);
}

export class SqliteReportSink implements ReportSink {
  readonly db: Db;
  readonly writer: ReportWriter;
  /** Records revised and vanished reports (src/store/revisions.ts). */
  readonly changes: ChangeRecorder;
  readonly snapshots: SnapshotStore;
  /** Parse threads (unused when the context brings its own `parse`). */
  readonly pool: ParsePool;
  readonly #parse: ParseFn;
  readonly #s;

  constructor(
    readonly frontier: SqliteFrontier,
    readonly o: SqliteSinkOptions,
  ) {
    const db = frontier.db;
    this.db = db;
    this.writer = new ReportWriter(db);
    this.changes = new ChangeRecorder(db);
    this.snapshots = new SnapshotStore(o.snapshotsDir, { db });
    // Threads asked for are a guard (a runaway document ends its thread, not the crawl): they start
    // with the run and take every document, none is parsed here while they start.
    this.pool = new ParsePool({ workers: o.parse ? 0 : o.parseWorkers, startAfterMs: 0, ...(o.budget ? { budget: o.budget } : {}) });
    const parseWith: ParseFn = o.parse ?? ((input, opts) => this.pool.parse(input, opts));
    this.#parse = (input, opts) => parseWith(input, { ...opts, ocr: o.ocr ?? 'off', ...(o.ocrCacheDir !== undefined && { ocrCacheDir: o.ocrCacheDir }) });
    this.#s = {
      bumpUpdated: db.prepare('UPDATE runs SET reports_new = reports_new - 1, reports_updated = reports_updated + 1 WHERE id = ?'),
      bumpUnchanged: db.prepare('UPDATE runs SET files_seen = files_seen + 1, reports_unchanged = reports_unchanged + 1 WHERE id = ?'),
      // A report and an attachment of its page (or two attachments of one page) are one publication.
      related: db.prepare(
        `SELECT 1 FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN frontier f ON f.key = d.url
         WHERE r.id = @id AND (d.url = @parent OR f.parent = @url OR (@kind = 'attachment' AND f.kind = 'attachment' AND f.parent = @parent)) LIMIT 1`,
      ),
    };
  }

  /** Snapshot files of schemas before 14 move into the database (once; nothing to do after). */
  async packFiles(): Promise<number> {
    const packed = await this.snapshots.packFiles().catch(() => null);
    return packed?.moved ?? 0;
  }

  /** Waits for the parse threads to start (a failure is said at close). */
  async ready(): Promise<void> {
    if (this.pool.workers > 0) await this.pool.ready().catch(() => undefined);
  }

  /** Stops the parse threads; resolves with why they failed, if they did. */
  async close(): Promise<string | undefined> {
    await this.pool.close();
    return this.pool.stats().failure ?? undefined;
  }

  stats(): ParsePoolStats {
    return this.pool.stats();
  }

  /**
   * Starts writing a snapshot. The promise is marked handled at once (a write error surfaces where
   * it is awaited, before the rows that point to the snapshot are written).
   */
  snapshot(body: Buffer, sha: string, gzipped?: Buffer): Promise<string> {
    // The wire's gzip is kept only when its trailer is this body's (a page rebuilt from another
    // response must not carry that response's bytes).
    const p = this.snapshots.put(body, sha, gzipped ? wholeGzipOf(gzipped, body) : undefined);
    p.catch(() => undefined);
    return p;
  }

  knownDocument(sha: string): Promise<{ documentId: number; reportId: number | null } | undefined> {
    return Promise.resolve(this.writer.findDocument(sha));
  }

  documentUrl(documentId: number): Promise<string | null> {
    return Promise.resolve(this.changes.documentUrl(documentId));
  }

  async parse(body: Buffer, fileName: string, contentType: string | undefined, decoded?: PriorDecode): Promise<ParseOutcome> {
    const outcome = await parseToOutcome(this.#parse, body, fileName, contentType, decoded);
    // A parse thread that died says nothing about the document: the row fails and is tried again.
    if (!outcome.ok && outcome.code === 'NB_PARSE_POOL_WORKER') throw new CrawlError('NB_CRAWL_PARSE_WORKER', outcome.message);
    return outcome;
  }

  // async: the work is done when called (synchronously); an error rejects the promise.
  async storeReport(doc: DocumentToStore, outcome: ParseOutcome, page: PageCommit): Promise<StoredReport> {
    const { row, page: got } = doc;
    // Another site's copy of these bytes may have been stored while this one was parsed (the
    // caller's look-up came before the parse): checked here, where nothing can come between the
    // look-up and the insert, so the copy becomes one more location, never a duplicate document.
    const stored = this.writer.findDocument(got.sha);
    if (stored) return { outcome: 'known', documentId: stored.documentId };
    const updated = row.document_id !== null;
    // A known URL with new bytes: compared with the version stored from it. The same values and
    // the same text once normalised (a visit counter or the page template changed, spacing, line
    // breaks) are not a new version: the response is kept.
    const previous = updated ? this.changes.reportOfDocument(row.document_id!) : undefined;
    if (previous?.status === 'ok' && outcome.ok && !hasTables(outcome)) return { outcome: 'no-tables' };
    const comparable = previous !== undefined && previous.status !== 'failed' && outcome.ok;
    const diff: CellChange[] | null = comparable ? reportDiff(this.db, previous.id, outcome.report) : null;
    const text: TextDiff | null = comparable ? reportTextDiff(this.db, previous.id, outcome.report) : null;
    if (previous && diff !== null && diff.length === 0 && text === null && outcome.ok && reportStatus(outcome.report) === previous.status)
      return { outcome: 'same' };
    let revised = false;
    const w = this.frontier.unit(() => {
      const w = this.writer.insert(
        {
          sha256: got.sha,
          size: got.res.body.length,
          snapshotPath: doc.snapshotPath,
          fileName: doc.fileName,
          url: row.url,
          finalUrl: got.res.finalUrl,
          httpStatus: got.res.status,
          contentType: headerValue(got.res.headers, 'content-type') ?? null,
          fetchedAt: got.res.fetchedAt,
          agencyId: doc.agencyId,
          site: doc.site,
        },
        outcome,
        page.runId,
      );
      if (updated) this.#s.bumpUpdated.run(page.runId);
      this.frontier.applyPage({
        ...page,
        ...(page.response ? { response: { ...page.response, documentId: w.documentId } } : {}),
        ...(page.finish ? { finish: { ...page.finish, documentId: w.documentId } } : {}),
      });
      revised = this.#noteRevision(row, got.res.fetchedAt, outcome, w.reportId, w.status, page.runId, previous?.id, diff, text);
      return w;
    });
    return { outcome: updated ? 'updated' : 'new', documentId: w.documentId, status: w.status, revised };
  }

  async storeKnown(documentId: number, location: { place: string; site: string; publisherId: number; seenAt: string }, page: PageCommit): Promise<void> {
    this.frontier.unit(() => {
      // The same document found at another place (the city and the county both post it): one more location.
      this.writer.addLocation(documentId, location);
      this.frontier.applyPage(page);
      this.#s.bumpUnchanged.run(page.runId);
      this.changes.returned(page.row.url, location.seenAt);
    });
  }

  async commitPage(page: PageCommit, changes: { returned?: { url: string; at: string }; vanished?: VanishedNote }): Promise<'new' | 'again' | null> {
    return this.frontier.unit(() => {
      this.frontier.applyPage(page);
      if (changes.returned) this.changes.returned(changes.returned.url, changes.returned.at);
      return changes.vanished ? this.#noteVanished(page.row, changes.vanished, page.runId) : null;
    });
  }

  /**
   * Records that a known report URL vanished: it answered 404/410 (`gone`), redirected away, or
   * gave a page without report tables. The report and its snapshot stay. Null: no report there.
   */
  #noteVanished(row: FrontierRow, v: VanishedNote, runId: number): 'new' | 'again' | null {
    if (row.document_id === null || (row.kind !== 'report' && row.kind !== 'attachment')) return null;
    const report = this.changes.reportOfDocument(row.document_id);
    if (!report) return null;
    return this.changes.vanished({ reportId: report.id, url: row.url, reason: v.reason, status: v.status, finalUrl: v.finalUrl, seenAt: v.seenAt, runId });
  }

  /**
   * Records a revision of a newly stored report (inside its unit): a new version at a known URL
   * (`same_url`, `diff` and `text` against the version stored from it), or a report of an agency
   * and year already stored by an earlier run from another place, unless one is an attachment of
   * the other's page (`republished`; its text is compared only when both come from the same host:
   * two portals' copies differ in their page template). Returns true when a revision was recorded.
   */
  #noteRevision(
    row: FrontierRow,
    seenAt: string,
    outcome: ParseOutcome,
    reportId: number,
    status: string,
    runId: number,
    previousId: number | undefined,
    diff: CellChange[] | null,
    text: TextDiff | null,
  ): boolean {
    this.changes.returned(row.url, seenAt);
    if (!outcome.ok || status === 'failed') return false;
    const seen = { url: row.url, newReportId: reportId, seenAt, runId };
    if (previousId !== undefined) {
      return (
        diff !== null &&
        (diff.length > 0 || text !== null) &&
        this.changes.revision({ ...seen, oldReportId: previousId, kind: 'same_url', changes: diff, text }) !== null
      );
    }
    const earlier = this.changes.republishes(reportId, row.url, runId);
    if (earlier === undefined || this.#s.related.get({ id: earlier, parent: row.parent, url: row.url, kind: row.kind })) return false;
    const changes = reportDiff(this.db, earlier, outcome.report);
    const sameHost = hostOf(this.changes.reportUrl(earlier)) === hostOf(row.url);
    const earlierText = sameHost ? reportTextDiff(this.db, earlier, outcome.report) : null;
    return (
      (changes.length > 0 || earlierText !== null) &&
      this.changes.revision({ ...seen, oldReportId: earlier, kind: 'republished', changes, text: earlierText }) !== null
    );
  }
}

/** The host of a URL (null for a file path or a malformed URL). */
function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
