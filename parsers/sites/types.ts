/**
 * Types shared by the discovery adapters (pure: text + URL in, links out, no I/O).
 *
 * A crawler drives them like this: fetch a page → `fingerprintCms` (or the registry's adapter)
 * → `adapter.discover({ url, html | json })` → enqueue `reports` (detail pages), `lists` (more
 * list pages), `api` (JSON/XML list endpoints, with method and body) and `hubs` (navigation
 * pages that may lead to the report column); when `needsBrowser` is set, render the page with a
 * browser and call `discover` again on the rendered HTML.
 */

export type AdapterId = 'trs-classic' | 'trs-fujian' | 'hanweb' | 'vsb' | 'generic';

export const ADAPTER_IDS: readonly AdapterId[] = ['trs-classic', 'trs-fujian', 'hanweb', 'vsb', 'generic'];

/** A page handed to an adapter. Exactly one of `html` (any text: HTML, XML) or `json`. */
export interface DiscoverPage {
  /** Final URL of the page (after redirects); relative links are resolved against it. */
  url: string;
  /** Decoded text of the page (HTML, or XML for Hanweb's dataproxy replies). */
  html?: string;
  /** A parsed JSON value, or the JSON text. */
  json?: unknown;
  /** HTTP status, when known (used for challenge detection). */
  status?: number;
  /**
   * The API request this page answers, when it came from a previous `api` entry: lets the
   * adapter derive the following pages of the same endpoint.
   */
  request?: ApiRequest;
}

/** Per-site options from the registry (`overrides.selectors`). */
export interface DiscoverOptions {
  selectors?: SiteSelectors;
}

export interface SiteSelectors {
  /** CSS selector of the list container on list pages. */
  list?: string;
  /** CSS selector of report links (inside `list` when given). */
  link?: string;
  /** CSS selector of the "next page" links. */
  next?: string;
  /** CSS selector of the report body on detail pages (used by the parser side, not here). */
  body?: string;
}

/** A link to a report candidate (a detail page, or a document when the list links it directly). */
export interface ReportLink {
  url: string;
  title: string;
  /** Publication date as `YYYY-MM-DD`, when the list shows one. */
  date?: string;
  /** Year reported on, from the title (`2023年度…报告` → 2023). */
  year?: number;
  /** `page` for an HTML detail page; `attachment` when the link points at a PDF/DOC/… file. */
  kind: 'page' | 'attachment';
}

/** A link to an attachment (PDF/DOC/DOCX/WPS/XLS/…) found on a page. */
export interface AttachmentLink {
  url: string;
  /** Link text, or the file name. */
  title: string;
  /** Lower-case extension without the dot (`pdf`, `docx`, …). */
  ext: string;
}

/** A list endpoint to call next (JSON or XML). `key` identifies it for de-duplication. */
export interface ApiRequest {
  kind: 'trs-search' | 'hanweb-dataproxy';
  method: 'GET' | 'POST';
  url: string;
  /** Form body for POST (`application/x-www-form-urlencoded`). */
  body?: string;
  contentType?: string;
  /** 1-based page (or record group) number this request asks for. */
  page: number;
  /** `METHOD url body`: equal keys are the same request. */
  key: string;
}

export interface Discovery {
  /** Report candidates whose title looks like an annual report (deduplicated, absolute URLs). */
  reports: ReportLink[];
  /** Items of the list that do not look like reports (kept for the record, not to be fetched). */
  others: { url: string; title: string }[];
  /** More list pages of the same column (pagination), absolute URLs. */
  lists: string[];
  /** List endpoints to call (JSON/XML). */
  api?: ApiRequest[];
  /**
   * Navigation pages that may lead to the report column (政府信息公开 / 政务公开 hubs), only
   * from the generic discoverer; follow them with a depth limit.
   */
  hubs?: string[];
  /** Attachments linked from this page (report pages: the document itself, often a PDF/DOCX). */
  attachments: AttachmentLink[];
  /** Set when the page gives evidence that only a browser can see its list; says why. */
  needsBrowser?: string;
  /** A static redirect target (meta refresh or `location.replace(...)` shell). */
  redirect?: string;
}

export interface Adapter {
  id: AdapterId;
  /** How sure we are that the page belongs to this family, 0..1. */
  fingerprint(html: string, url: string): number;
  discover(page: DiscoverPage, options?: DiscoverOptions): Discovery;
}
