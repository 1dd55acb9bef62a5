/**
 * The report sink's contract: where fetched documents go — raw snapshots, parsing and the dataset
 * (documents, reports, revisions, vanished reports) — each write applied with its page's
 * {@link PageCommit} as one unit.
 */
import type { PriorDecode } from '../../../decode/index.js';
import type { ParseOutcome, ReportStatus } from '../../../store/writer.js';
import type { FrontierRow, PageCommit } from './frontier.js';
import type { FetchedPage } from './page-fetcher.js';

/** A document to store, with what the crawl knows about where it came from. */
export interface DocumentToStore {
  page: FetchedPage;
  snapshotPath: string;
  fileName: string;
  agencyId: number;
  site: string;
  /** The frontier row's kind, parent and known document (for revisions and republished reports). */
  row: FrontierRow;
}

/** What {@link ReportSink.storeReport} did with a parsed document. */
export type StoredReport =
  /** Stored as a new document (`updated`: at a URL that gave other bytes before). */
  | { outcome: 'new' | 'updated'; documentId: number; status: ReportStatus; revised: boolean }
  /** The same values as the version stored from this URL: nothing stored; store it as known. */
  | { outcome: 'same' }
  /**
   * The bytes were stored meanwhile from another place (two sites posting one report, crawled at
   * once): nothing stored; store this place as one more location of that document.
   */
  | { outcome: 'known'; documentId: number }
  /** Where a report was, a page without report tables: nothing stored; record it as vanished. */
  | { outcome: 'no-tables' };

/** How a known report URL vanished. */
export type VanishedNote = { reason: 'gone' | 'redirected' | 'no_tables'; status: number; finalUrl: string | null; seenAt: string };

/**
 * Where fetched documents go: raw snapshots (content-addressed), parsing, and the dataset
 * (documents, reports, revisions, vanished reports). Each `commit…`/`store…` applies the page's
 * {@link PageCommit} in the same unit as the dataset write. A coordinated crawl's sink queues
 * parsed results for the one storer process instead of writing the dataset itself.
 */
export interface ReportSink {
  /**
   * Writes the raw body (atomically, once per sha256); resolves with its reference. `gzipped`: the
   * body as it came on the wire when that was gzip (FetchResult.gzip), kept instead of compressing
   * the body again when its trailer matches the body.
   */
  snapshot(body: Buffer, sha: string, gzipped?: Buffer): Promise<string>;
  /** The stored document with these bytes, if any. */
  knownDocument(sha: string): Promise<{ documentId: number; reportId: number | null } | undefined>;
  /** The URL a stored document was fetched from. */
  documentUrl(documentId: number): Promise<string | null>;
  /**
   * Parses a document (a dead parse thread throws `NB_CRAWL_PARSE_WORKER`: the row is tried again).
   * `decoded`: the page's own decode of `body` ({@link FetchedPage.priorDecode}), reused by the parse when it fits.
   */
  parse(body: Buffer, fileName: string, contentType: string | undefined, decoded?: PriorDecode): Promise<ParseOutcome>;

  /** Stores a parsed document with its page (response gets the document id; finish too). */
  storeReport(doc: DocumentToStore, outcome: ParseOutcome, page: PageCommit): Promise<StoredReport>;
  /** The bytes are a stored document: one more location, the page committed, the URL seen again. */
  storeKnown(documentId: number, location: { place: string; site: string; publisherId: number; seenAt: string }, page: PageCommit): Promise<void>;
  /**
   * Commits a page that touches the dataset only through change tracking: a known report URL
   * answered again (`returned`, a 304) or vanished. Resolves with whether this was the first time
   * the report was seen gone (`null`: the row's document is no report).
   */
  commitPage(page: PageCommit, changes: { returned?: { url: string; at: string }; vanished?: VanishedNote }): Promise<'new' | 'again' | null>;
}
