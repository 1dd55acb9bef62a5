/** What the running demo portal tells its callers: its sites, the reports a crawl must store, its request log. */
import type { Registry } from '../sites/registry.js';
import type { Plant } from './generate.js';
import type { DemoSiteDef } from './site-types.js';

/** A report a crawl of the demo must store. */
export interface ExpectedReport {
  site: string;
  /** The report page (as linked from the list). */
  url: string;
  /** The document the values come from: the page itself, or its DOCX attachment. */
  documentUrl: string;
  /** Title as the report names itself (after the demo's place-name rewrite). */
  title: string;
  year: number;
  /** The report's self-name (the parser's `agency`). */
  agency: string;
  published: string | null;
  /** Corpus file whose tables these are: `snapshots/corpus/<source>.expected.json`. */
  source: string;
  format: 'html' | 'docx';
  /** Only reachable with the browser (script-built list or challenge). */
  needsBrowser: boolean;
  /** For a fictional agency's generated report: its values (by cell path), planted cases and round-2 fate. */
  generated?: {
    values: Record<string, number | null>;
    plants: Plant[];
    round2?: 'revised' | 'reworded' | 'vanished';
    revised?: { path: string; from: number; to: number };
  };
}

export interface DemoSite {
  name: string;
  description: string;
  family: string;
  adapter: DemoSiteDef['adapter'];
  /** Agency as the registry names it. */
  agency: string;
  region: DemoSiteDef['region'];
  level: DemoSiteDef['level'];
  origin: string;
  /** Entry URL (the registry's `entries[0]`). */
  entry: string;
  charset: 'utf-8' | 'gbk';
  robotsTxt: string | null;
  needsBrowser?: string;
  expected: ExpectedReport[];
  /** Listed items that are not reports (must not be stored). */
  skipped: { url: string; title: string }[];
  /** Listed reports whose pages the snapshot lacks (answer 404). */
  missing: { url: string; title: string }[];
  /** Listed reports under robots.txt Disallow (must never be requested). */
  disallowed: { url: string; title: string }[];
}

export interface RequestLogEntry {
  seq: number;
  site: string;
  method: string;
  /** Path with query. */
  path: string;
  /** Host header. */
  host: string;
  /** ms since epoch when the request arrived. */
  time: number;
  /** Status sent (0 while pending or when the connection was stalled/reset). */
  status: number;
  /** ms from arrival to the end of the response (or the socket close). */
  ms: number;
  bytes: number;
  userAgent?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  /** The fault applied, if any (`503`, `stall`, `reset`, `challenge`, and the kinds of `faults.ts`). */
  fault?: string;
  /** Body bytes the server produced for a streamed fault (`faults.ts`); `bytes` is the declared length. */
  written?: number;
}

export interface HostConcurrency {
  /** Requests in flight now / at most at once. */
  current: number;
  max: number;
  /** Open TCP connections now / at most at once. */
  connections: number;
  maxConnections: number;
  requests: number;
}

export interface DemoPortal {
  /** Origin of the hub (index page at `/`, registry at `/sites.json`). */
  origin: string;
  /** Entry URL of a site. */
  url(site: string): string;
  /** Origin of a site. */
  siteOrigin(site: string): string;
  sites: DemoSite[];
  /** Every expected report (of one site, or all). */
  expectedReports(site?: string): ExpectedReport[];
  /** A validated site registry for the demo sites (entries point at this portal). */
  registry(): Registry;
  requestLog: RequestLogEntry[];
  /** Keyed by Host header (`127.0.0.1:PORT`); one host per site. */
  concurrencyByHost: Map<string, HostConcurrency>;
  /**
   * The round served (settable): in round 2 the fictional 演示市卫生健康委员会's 2025 report has one
   * cell changed (revised), its 2023 report only its text (reworded), and its 2024 report answers
   * 404 (vanished).
   */
  round: 1 | 2;
  /** Clears the request log, the concurrency maxima and the fault counters. */
  resetLog(): void;
  close(): Promise<void>;
}
