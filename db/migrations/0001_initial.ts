/**
 * Migration 1: the initial schema. Table and column names are a public contract (researchers
 * write SQL against them): add columns in later migrations, never rename or drop.
 * The documented copy of the resulting schema is `db/schema.sql` (a test keeps it in sync).
 */
export const version = 1;
export const name = 'initial';

export const sql = /* sql */ `
-- Who published a report. Agencies known only from a report's self-name have key = that name
-- (NFKC, whitespace removed); a site registry (the crawler) may use its own keys and fill in
-- the location and portal columns.
CREATE TABLE agencies (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  province    TEXT,
  city        TEXT,
  county      TEXT,
  level       TEXT,              -- national | province | city | county | township (registry)
  kind        TEXT,              -- government | department | township | other (registry)
  portal      TEXT,              -- URL of the agency's 政府信息公开 portal (registry)
  parent_id   INTEGER REFERENCES agencies(id),
  source      TEXT NOT NULL DEFAULT 'report', -- report | registry
  created_at  TEXT NOT NULL
);

-- Other names that identify the same agency (the self-name of each report is recorded here).
CREATE TABLE agency_aliases (
  alias       TEXT PRIMARY KEY,
  agency_id   INTEGER NOT NULL REFERENCES agencies(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX agency_aliases_agency ON agency_aliases(agency_id);

-- What each command run did.
CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY,
  command            TEXT NOT NULL,      -- ingest | reparse | check | crawl …
  args               TEXT,               -- JSON
  started_at         TEXT NOT NULL,
  finished_at        TEXT,
  status             TEXT NOT NULL DEFAULT 'running'
                     CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
  pid                INTEGER,
  tool_version       TEXT,
  parser_version     TEXT,
  files_seen         INTEGER NOT NULL DEFAULT 0,
  reports_new        INTEGER NOT NULL DEFAULT 0,
  reports_unchanged  INTEGER NOT NULL DEFAULT 0,
  reports_updated    INTEGER NOT NULL DEFAULT 0,
  reports_failed     INTEGER NOT NULL DEFAULT 0,
  cells_written      INTEGER NOT NULL DEFAULT 0,
  findings_written   INTEGER NOT NULL DEFAULT 0,
  errors             INTEGER NOT NULL DEFAULT 0,
  duration_ms        REAL,
  parse_ms           REAL,
  store_ms           REAL,
  counts             TEXT                -- JSON: anything else the command counted
);

-- Problems a run met (a file that could not be read, a report that failed to parse …).
CREATE TABLE run_errors (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path        TEXT,
  code        TEXT,
  message     TEXT NOT NULL,
  at          TEXT NOT NULL
);
CREATE INDEX run_errors_run ON run_errors(run_id);

-- One row per distinct document (by content hash). The raw bytes are kept, gzip-compressed,
-- in the snapshots folder at snapshot_path (relative: ab/abcdef….gz).
CREATE TABLE documents (
  id             INTEGER PRIMARY KEY,
  sha256         TEXT NOT NULL UNIQUE,
  size           INTEGER NOT NULL,
  kind           TEXT,                   -- html | text | docx | … (as read by the parser)
  url            TEXT,                   -- where it was fetched (crawler)
  final_url      TEXT,                   -- after redirects (crawler)
  http_status    INTEGER,                -- (crawler)
  content_type   TEXT,                   -- HTTP Content-Type (crawler)
  charset        TEXT,                   -- charset the text was decoded with
  fetched_at     TEXT,                   -- (crawler)
  ingested_at    TEXT NOT NULL,
  source_path    TEXT,                   -- the file given to \`nianbao ingest\`
  file_name      TEXT,
  snapshot_path  TEXT NOT NULL,
  agency_id      INTEGER REFERENCES agencies(id), -- set when the registry knows the publisher
  run_id         INTEGER REFERENCES runs(id)
);
CREATE INDEX documents_url ON documents(url);

-- One parsed report per document.
CREATE TABLE reports (
  id              INTEGER PRIMARY KEY,
  document_id     INTEGER NOT NULL UNIQUE REFERENCES documents(id),
  agency_id       INTEGER REFERENCES agencies(id),
  agency_name     TEXT,                  -- as the report names itself
  year            INTEGER,               -- the year reported on
  format          TEXT,                  -- 2021 | 2019 | pre2019 | unknown (NULL when failed)
  title           TEXT,
  published       TEXT,                  -- ISO date
  status          TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
  error_code      TEXT,                  -- ParseError code when failed (NB_PARSE_…)
  error           TEXT,
  parser_version  TEXT NOT NULL,
  input_kind      TEXT,
  charset         TEXT,
  has_overview    INTEGER,               -- sections found (0/1)
  has_active      INTEGER,
  has_requests    INTEGER,
  has_appeals     INTEGER,
  has_problems    INTEGER,
  has_other       INTEGER,
  cell_count      INTEGER NOT NULL DEFAULT 0,
  is_primary      INTEGER NOT NULL DEFAULT 0, -- 1 for the one report chosen per (agency, year)
  parsed_at       TEXT NOT NULL,
  run_id          INTEGER REFERENCES runs(id)
);
CREATE INDEX reports_agency_year ON reports(agency_id, year, is_primary);
CREATE INDEX reports_year ON reports(year);
CREATE INDEX reports_parser_version ON reports(parser_version);

-- Every table cell read: the long table every analysis starts from. Clustered by report (one
-- B-tree, appended in order); for many cross-report queries on one key of a large database,
-- add CREATE INDEX cells_key ON cells(table_name, row_key, col_key) after ingesting.
CREATE TABLE cells (
  report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  ord          INTEGER NOT NULL,         -- order in the report
  table_name   TEXT NOT NULL,            -- active | requests | appeals | stats
  row_key      TEXT NOT NULL,
  col_key      TEXT NOT NULL,
  value        NUMERIC,                  -- NULL: the cell holds no number
  raw          TEXT,                     -- the cell's text as found
  unit         TEXT,                     -- unit written in the cell (元, 万元 …)
  flags        TEXT,                     -- comma-separated: blank,placeholder,unit,noise,signed,unreadable
  table_index  INTEGER,
  grid_row     INTEGER,
  grid_col     INTEGER,
  -- (key columns first: sqlite3 shells before 3.41 misreport NOT NULL columns placed before
  -- them in a WITHOUT ROWID table's integrity_check)
  PRIMARY KEY (report_id, ord)
) WITHOUT ROWID;

-- Pre-2019 statistics appendix rows, in document order.
CREATE TABLE stats (
  report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  ord         INTEGER NOT NULL,
  label       TEXT NOT NULL,
  unit        TEXT,
  value       NUMERIC,
  cumulative  NUMERIC,                   -- 历年累计, where the table has one
  raw         TEXT,
  PRIMARY KEY (report_id, ord)
) WITHOUT ROWID;

-- Validation (source = parser) and compliance (source = check) findings.
CREATE TABLE findings (
  id               INTEGER PRIMARY KEY,
  report_id        INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  source           TEXT NOT NULL CHECK (source IN ('parser', 'check')),
  rule             TEXT NOT NULL,
  severity         TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'not_assessable')),
  message          TEXT NOT NULL,
  scope            TEXT,                 -- the column, group, table or section checked
  left_value       NUMERIC,
  right_value      NUMERIC,
  delta            NUMERIC,              -- left_value - right_value
  cells            TEXT,                 -- JSON array of table.row.col paths
  other_report_id  INTEGER REFERENCES reports(id) ON DELETE CASCADE, -- carryover: the year N-1 report
  run_id           INTEGER REFERENCES runs(id)
);
CREATE INDEX findings_report ON findings(report_id, source);
CREATE INDEX findings_rule ON findings(rule);

-- Canonical keys with their official Chinese labels (filled from parsers/keys.ts).
CREATE TABLE labels (
  table_name  TEXT NOT NULL,
  dimension   TEXT NOT NULL CHECK (dimension IN ('row', 'col')),
  key         TEXT NOT NULL,
  label       TEXT NOT NULL,
  ord         INTEGER NOT NULL,
  unit        TEXT,
  PRIMARY KEY (table_name, dimension, key)
) WITHOUT ROWID;

-- Full-text search over title, agency and body text; rowid = reports.id.
CREATE VIRTUAL TABLE reports_fts USING fts5(title, agency, text, tokenize = 'trigram');
-- Merge index segments less eagerly: ingest commits one report at a time, and the default (4)
-- spends more time merging than indexing.
INSERT INTO reports_fts (reports_fts, rank) VALUES ('automerge', 16);

-- ------------------------------------------------------------------------------------------
-- Views

CREATE VIEW requests AS
SELECT c.report_id,
       r.agency_id,
       a.name AS agency,
       r.year,
       r.format,
       c.row_key,
       MAX(CASE WHEN c.col_key = 'natural_person' THEN c.value END) AS natural_person,
       MAX(CASE WHEN c.col_key = 'commercial' THEN c.value END) AS commercial,
       MAX(CASE WHEN c.col_key = 'research' THEN c.value END) AS research,
       MAX(CASE WHEN c.col_key = 'social' THEN c.value END) AS social,
       MAX(CASE WHEN c.col_key = 'legal' THEN c.value END) AS legal,
       MAX(CASE WHEN c.col_key = 'other' THEN c.value END) AS other,
       MAX(CASE WHEN c.col_key = 'total' THEN c.value END) AS total,
       l.ord AS row_order,
       r.is_primary
FROM cells c
JOIN reports r ON r.id = c.report_id
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN labels l ON l.table_name = 'requests' AND l.dimension = 'row' AND l.key = c.row_key
WHERE c.table_name = 'requests'
GROUP BY c.report_id, c.row_key;

CREATE VIEW appeals AS
SELECT c.report_id,
       r.agency_id,
       a.name AS agency,
       r.year,
       r.format,
       c.row_key AS group_key,
       MAX(CASE WHEN c.col_key = 'upheld' THEN c.value END) AS upheld,
       MAX(CASE WHEN c.col_key = 'corrected' THEN c.value END) AS corrected,
       MAX(CASE WHEN c.col_key = 'other' THEN c.value END) AS other,
       MAX(CASE WHEN c.col_key = 'pending' THEN c.value END) AS pending,
       MAX(CASE WHEN c.col_key = 'total' THEN c.value END) AS total,
       r.is_primary
FROM cells c
JOIN reports r ON r.id = c.report_id
LEFT JOIN agencies a ON a.id = r.agency_id
WHERE c.table_name = 'appeals'
GROUP BY c.report_id, c.row_key;

CREATE VIEW active AS
SELECT c.report_id,
       r.agency_id,
       a.name AS agency,
       r.year,
       r.format,
       c.row_key,
       MAX(CASE WHEN c.col_key = 'issued' THEN c.value END) AS issued,
       MAX(CASE WHEN c.col_key = 'repealed' THEN c.value END) AS repealed,
       MAX(CASE WHEN c.col_key = 'in_force' THEN c.value END) AS in_force,
       MAX(CASE WHEN c.col_key = 'decisions' THEN c.value END) AS decisions,
       MAX(CASE WHEN c.col_key = 'amount_wan_yuan' THEN c.value END) AS amount_wan_yuan,
       MAX(CASE WHEN c.col_key = 'made' THEN c.value END) AS made,
       MAX(CASE WHEN c.col_key = 'published' THEN c.value END) AS published,
       MAX(CASE WHEN c.col_key = 'total_published' THEN c.value END) AS total_published,
       MAX(CASE WHEN c.col_key = 'previous' THEN c.value END) AS previous,
       MAX(CASE WHEN c.col_key = 'change' THEN c.value END) AS change,
       MAX(CASE WHEN c.col_key = 'count' THEN c.value END) AS count,
       MAX(CASE WHEN c.col_key = 'amount_yuan' THEN c.value END) AS amount_yuan,
       l.ord AS row_order,
       r.is_primary
FROM cells c
JOIN reports r ON r.id = c.report_id
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN labels l ON l.table_name = 'active' AND l.dimension = 'row' AND l.key = c.row_key
WHERE c.table_name = 'active'
GROUP BY c.report_id, c.row_key;

-- Per report and table-3 row: the 总计 column, or the sum of the six applicant columns when
-- 总计 is blank.
CREATE VIEW request_totals AS
SELECT report_id,
       row_key,
       COALESCE(MAX(CASE WHEN col_key = 'total' THEN value END),
                SUM(CASE WHEN col_key <> 'total' THEN value END)) AS total
FROM cells
WHERE table_name = 'requests'
GROUP BY report_id, row_key;

CREATE VIEW report_summary AS
WITH rt AS (
  SELECT report_id,
         SUM(CASE WHEN row_key = 'new_received' THEN total END) AS new_received,
         SUM(CASE WHEN row_key = 'carried_over' THEN total END) AS carried_over,
         SUM(CASE WHEN row_key = 'granted' THEN total END) AS granted,
         SUM(CASE WHEN row_key = 'partially_granted' THEN total END) AS partially_granted,
         SUM(CASE WHEN row_key LIKE 'denied!_%' ESCAPE '!' THEN total END) AS denied,
         SUM(CASE WHEN row_key LIKE 'unavailable!_%' ESCAPE '!' THEN total END) AS unavailable,
         SUM(CASE WHEN row_key = 'unavailable_not_held' THEN total END) AS not_held,
         SUM(CASE WHEN row_key LIKE 'rejected!_%' ESCAPE '!' THEN total END) AS rejected,
         SUM(CASE WHEN row_key = 'other' OR row_key LIKE 'other!_%' ESCAPE '!' THEN total END) AS other,
         SUM(CASE WHEN row_key = 'total' THEN total END) AS results_total,
         SUM(CASE WHEN row_key = 'carried_forward' THEN total END) AS carried_forward
  FROM request_totals
  GROUP BY report_id
),
ap AS (
  SELECT report_id,
         MAX(CASE WHEN row_key = 'review' AND col_key = 'total' THEN value END) AS review_total,
         MAX(CASE WHEN row_key = 'review' AND col_key = 'corrected' THEN value END) AS review_corrected,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'total' THEN value END) AS litigation_total,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'corrected' THEN value END) AS litigation_corrected
  FROM cells
  WHERE table_name = 'appeals'
  GROUP BY report_id
),
fc AS (
  SELECT report_id,
         SUM(source = 'parser' AND severity = 'error') AS error_findings,
         SUM(source = 'parser' AND severity = 'warning') AS warning_findings,
         SUM(source = 'check' AND severity <> 'not_assessable') AS check_findings
  FROM findings
  GROUP BY report_id
),
base AS (
  SELECT r.*,
         a.name AS agency,
         CASE WHEN r.year IS NULL THEN NULL
              WHEN r.year <= 2018 OR a.kind = 'government' THEN printf('%04d-03-31', r.year + 1)
              ELSE printf('%04d-01-31', r.year + 1) END AS deadline
  FROM reports r
  LEFT JOIN agencies a ON a.id = r.agency_id
)
SELECT b.id AS report_id,
       b.agency_id,
       b.agency,
       b.year,
       b.format,
       b.title,
       b.status,
       b.published,
       b.deadline,
       CAST(julianday(b.published) - julianday(b.deadline) AS INTEGER) AS days_late,
       rt.new_received,
       rt.carried_over,
       rt.granted,
       rt.partially_granted,
       rt.denied,
       rt.unavailable,
       rt.not_held,
       rt.rejected,
       rt.other,
       rt.results_total,
       rt.carried_forward,
       ap.review_total,
       ap.review_corrected,
       ap.litigation_total,
       ap.litigation_corrected,
       COALESCE(fc.error_findings, 0) AS error_findings,
       COALESCE(fc.warning_findings, 0) AS warning_findings,
       COALESCE(fc.check_findings, 0) AS check_findings,
       b.is_primary
FROM base b
LEFT JOIN rt ON rt.report_id = b.id
LEFT JOIN ap ON ap.report_id = b.id
LEFT JOIN fc ON fc.report_id = b.id;
`;
