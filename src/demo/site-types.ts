/**
 * The shape of a demo site: its routes (what each path serves), the reports a crawl must store,
 * what it must skip, and the faults it plays. Site definitions (sites-*.ts) build these; the
 * portal (portal.ts) serves them.
 */
import type { AdapterId } from '../../parsers/sites/types.js';
import type { GeneratedReport } from './generate.js';

export interface ServeContext {
  /** `http://127.0.0.1:PORT` of the site. */
  origin: string;
  url: URL;
  /** Query and form parameters (form body of POST requests merged over the query). */
  params: URLSearchParams;
}

export type Route =
  /** A generated HTML page (list, home, hub, notice …). */
  | { kind: 'html'; render: (ctx: ServeContext) => string; lastModified?: string }
  /** A corpus report page, with the site's place name rewrite. */
  | { kind: 'report'; doc: string }
  /** The real portal page `snapshots/portals/<file>`, byte for byte. */
  | { kind: 'file'; file: string; contentType: string }
  /** A DOCX generated from a corpus report. */
  | { kind: 'docx'; doc: string; filename: string }
  /** A JSON or XML API (dynamic: no ETag / Last-Modified). */
  | { kind: 'api'; contentType: string; render: (ctx: ServeContext) => string }
  /** A generated report of a fictional agency (./fictional.ts); round 2 may revise it, reword its text or answer 404. */
  | { kind: 'generated'; report: GeneratedReport; round2?: 'revised' | 'reworded' | 'vanished' };

/** A fault applied to one request of a path, in order: then the path behaves normally. */
export type FaultStep =
  | { status: number; retryAfter?: number }
  /** Send nothing and close the socket after `stall` ms (a read/headers timeout on the client). */
  | { stall: number }
  /** Destroy the connection without a response. */
  | { reset: true };

export interface FaultRule {
  site: string;
  /** Path (with query when the route has one) the steps apply to. */
  path: string;
  steps: FaultStep[];
}

export interface DemoReportDef {
  /** Path of the report page. */
  path: string;
  /** Corpus base name whose values the stored report must carry. */
  doc: string;
  /** Path of the document the values are read from, when it is not the page (DOCX attachment). */
  documentPath?: string;
  format: 'html' | 'docx';
}

export interface DemoSiteDef {
  name: string;
  /** One line: what the site demonstrates. */
  description: string;
  /** CMS family label. */
  family: string;
  /** Adapter a registry entry should name. */
  adapter: AdapterId;
  /** Agency in the registry. */
  agency: string;
  /** Name replacing 平潭… in the republished reports (absent for the real `fj` site). */
  place?: string;
  region: { province: string | null; city?: string; county?: string };
  level: 'national' | 'province' | 'city' | 'county' | 'township' | 'department';
  entryPath: string;
  /** Charset of the site's HTML (`gbk`: bytes re-encoded at serve time, declared only in a meta tag). */
  charset: 'utf-8' | 'gbk';
  /** robots.txt text, or null for none (404). */
  robots: string | null;
  /** Pages are behind a 加速乐-style 521 cookie challenge. */
  challenge?: 'jsl';
  /** Why a crawler needs the browser for this site (absent: plain HTTP suffices). */
  needsBrowser?: string;
  routes: Map<string, Route>;
  reports: DemoReportDef[];
  /** Items listed in the column whose titles are not reports (must not be stored). */
  skipped: { path: string; title: string }[];
  /** Report links whose pages are not in the snapshot (404). */
  missing: { path: string; title: string }[];
  /** Report links under a robots.txt Disallow (must never be requested). */
  disallowed: { path: string; title: string }[];
  /** Faults applied by default (the flaky site). */
  faults: FaultRule[];
}
