/**
 * Migration 2: the crawler's state. The URL queue (`frontier`) lives in SQLite so that a crawl
 * killed at any moment resumes with the next `nianbao crawl`; every raw HTTP response is recorded
 * once per (URL, content) in `responses` (the bytes are in the snapshots folder, by sha256);
 * `crawl_sites` keeps what each site's crawls learned (detected CMS, browser evidence, health).
 *
 * `documents`/`reports` are untouched: a report (or an attachment that is the report) fetched by
 * the crawler is stored there by the ReportWriter, with url/final_url/http_status/content_type/
 * fetched_at filled in; list pages, API replies, challenge and error pages only get a
 * `responses` row (they are never parsed as reports).
 */
export const version = 2;
export const name = 'crawl';

export const sql = /* sql */ `
-- The crawl queue: one row per request the crawler knows about (discovered or seeded).
CREATE TABLE frontier (
  id               INTEGER PRIMARY KEY,
  key              TEXT NOT NULL UNIQUE,  -- the URL for GET; 'POST <url> <body>' for a POST API request
  url              TEXT NOT NULL,
  method           TEXT NOT NULL DEFAULT 'GET' CHECK (method IN ('GET', 'POST')),
  body             TEXT,                  -- form body of a POST
  request          TEXT,                  -- JSON of the adapter's API request (kind, page …)
  site             TEXT NOT NULL,         -- registry name
  kind             TEXT NOT NULL CHECK (kind IN ('entry', 'list', 'api', 'report', 'attachment')),
  prio             INTEGER NOT NULL DEFAULT 2,   -- fetch order within a site: 0 entry, 1 list/api, 2 report, 3 attachment
  state            TEXT NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'done', 'failed', 'blocked', 'skipped')),
  attempts         INTEGER NOT NULL DEFAULT 0,   -- failed attempts in a row (reset on success)
  next_attempt_at  TEXT,                  -- a failed/blocked row is queued again from this time
  depth            INTEGER NOT NULL DEFAULT 0,   -- link hops from an entry page
  parent           TEXT,                  -- key of the page that linked it
  title            TEXT,                  -- link text
  year             INTEGER,               -- year in the title (report links)
  role             TEXT,                  -- attachment: 'report' (the page has no tables) | 'extra'
  meta             TEXT,                  -- JSON hints from the linking page: {"date": list date, "published": page date}
  etag             TEXT,                  -- validators of the last 2xx response
  last_modified    TEXT,
  sha256           TEXT,                  -- body hash of the last 2xx response (list pages: of the discovered set when rendered)
  last_status      INTEGER,
  error_code       TEXT,                  -- why it failed / was blocked / was skipped
  error            TEXT,
  fetch_mode       TEXT,                  -- http | browser
  document_id      INTEGER REFERENCES documents(id),
  discovered_at    TEXT NOT NULL,
  fetched_at       TEXT,
  run_id           INTEGER REFERENCES runs(id)   -- the last run that fetched (or tried) it
);
CREATE INDEX frontier_next ON frontier(site, state, prio, id);

-- Every raw response the crawler received, once per (URL, method, content hash).
CREATE TABLE responses (
  id                INTEGER PRIMARY KEY,
  url               TEXT NOT NULL,
  method            TEXT NOT NULL DEFAULT 'GET',
  final_url         TEXT,
  site              TEXT,
  kind              TEXT,                 -- entry | list | api | report | attachment
  role              TEXT NOT NULL,        -- page | report | notice | attachment | challenge | error
  status            INTEGER NOT NULL,
  headers           TEXT,                 -- JSON object, lower-case names (latin1 values as received)
  content_type      TEXT,
  charset           TEXT,                 -- charset the text was decoded with (text responses)
  challenge         TEXT,                 -- rivers | jsl | waf-block | captcha
  fetch_mode        TEXT NOT NULL DEFAULT 'http',  -- http | browser
  sha256            TEXT NOT NULL,
  size              INTEGER NOT NULL,
  snapshot_path     TEXT NOT NULL,        -- relative to the snapshots folder
  document_id       INTEGER REFERENCES documents(id),
  first_fetched_at  TEXT NOT NULL,
  fetched_at        TEXT NOT NULL,        -- the latest time this content was received
  times_seen        INTEGER NOT NULL DEFAULT 1,
  run_id            INTEGER REFERENCES runs(id),
  UNIQUE (url, method, sha256)
);
CREATE INDEX responses_sha ON responses(sha256);

-- What the crawler learned per site.
CREATE TABLE crawl_sites (
  site                  TEXT PRIMARY KEY,   -- registry name
  agency_id             INTEGER REFERENCES agencies(id),
  adapter               TEXT,               -- adapter used at the last crawl (registry's, or fingerprinted)
  fingerprint           TEXT,               -- JSON: fingerprintCms scores of the entry page
  browser_reason        TEXT,               -- last evidence that the site needs a browser
  challenge             TEXT,               -- last challenge met (rivers | jsl | …)
  last_run_id           INTEGER REFERENCES runs(id),
  last_crawl_at         TEXT,
  last_ok_at            TEXT,               -- last crawl that fetched its entry page
  consecutive_failures  INTEGER NOT NULL DEFAULT 0
);
`;
