/**
 * The coordinator's PostgreSQL schema, versioned: `nianbao_schema.version` says which of
 * {@link MIGRATIONS} ran; {@link migrate} runs the missing ones in one transaction under an
 * advisory lock (several workers may connect at once). Frontier and responses have the columns of
 * the SQLite frontier (src/crawl/frontier.ts, db/schema.sql) plus `host`; times are ISO text as
 * there, so the two compare alike; lease times are the server's `timestamptz` (one clock for all).
 */
import type pg from 'pg';
import { CoordinatorError, redactUrl } from './errors.js';

const V1 = `
CREATE TABLE runs (
  id               bigserial PRIMARY KEY,
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'interrupted', 'failed')),
  options          jsonb NOT NULL,          -- the crawl options the workers use (resolved, without paths)
  run_args         jsonb,                   -- what the seeding command was asked (recorded in the dataset's runs row)
  parser_version   text NOT NULL,
  user_agent       text,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  stored_at        timestamptz              -- the storer wrote every result of the run
);

CREATE TABLE sites (
  run_id       bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  site         text NOT NULL,               -- registry name
  host         text NOT NULL,               -- the host of its first entry: the lease that covers the site
  def          jsonb NOT NULL,              -- the registry entry (workers need no registry file)
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
  summary      jsonb,                       -- the SiteSummary of the run, once done
  PRIMARY KEY (run_id, site)
);

CREATE TABLE hosts (
  host              text PRIMARY KEY,          -- host[:port] as in URLs
  run_id            bigint REFERENCES runs(id) ON DELETE SET NULL,  -- set: a host whose sites the run crawls (a lease unit)
  state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
  interval_ms       integer NOT NULL DEFAULT 1000,  -- minimum gap between two request starts (registry rateMs or --interval-ms)
  concurrency       integer NOT NULL DEFAULT 1,
  crawl_delay_ms    integer,                   -- robots.txt Crawl-delay
  delay_ms          integer NOT NULL DEFAULT 1000,  -- current gap: ≥ max(interval, Crawl-delay), grows on 429/503/timeouts
  last_start_at     bigint NOT NULL DEFAULT 0,      -- epoch ms of the last request start booked
  backoff_until     bigint NOT NULL DEFAULT 0,      -- epoch ms: Retry-After seen, no request before
  next_allowed_at   bigint NOT NULL DEFAULT 0,      -- epoch ms: the next request start booked after this
  lease_owner       text,                      -- worker id
  lease_expires_at  timestamptz,               -- renewed by the holder; past it another worker takes the host over
  leases            integer NOT NULL DEFAULT 0,  -- times claimed in this run (> 1: taken over)
  finished_at       timestamptz
);
CREATE INDEX hosts_claim ON hosts (run_id, state, lease_expires_at);

CREATE TABLE leases (
  key         text PRIMARY KEY,               -- site:<name> or host:<host> (Frontier.lease)
  owner       text NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE TABLE documents (
  sha256       text PRIMARY KEY,              -- documents the storer wrote to the dataset (ReportSink.knownDocument)
  document_id  bigint NOT NULL,
  report_id    bigint,
  url          text
);

CREATE TABLE workers (
  id            text PRIMARY KEY,
  run_id        bigint REFERENCES runs(id) ON DELETE SET NULL,
  machine       text,
  pid           integer,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  pages         integer NOT NULL DEFAULT 0
);

CREATE TABLE frontier (
  id               bigserial PRIMARY KEY,
  key              text NOT NULL UNIQUE,
  url              text NOT NULL,
  host             text NOT NULL,            -- the lease host of its site
  method           text NOT NULL DEFAULT 'GET' CHECK (method IN ('GET', 'POST')),
  body             text,
  request          text,
  site             text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('entry', 'list', 'api', 'report', 'attachment')),
  prio             integer NOT NULL DEFAULT 2,
  state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed', 'blocked', 'skipped')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  text,
  depth            integer NOT NULL DEFAULT 0,
  parent           text,
  title            text,
  year             integer,
  role             text,
  meta             text,
  etag             text,
  last_modified    text,
  sha256           text,
  last_status      integer,
  error_code       text,
  error            text,
  fetch_mode       text,
  document_id      bigint,                   -- the dataset's documents.id, set by the storer
  discovered_at    text NOT NULL,
  fetched_at       text,
  run_id           bigint
);
CREATE INDEX frontier_next ON frontier (site, state, prio, id);

CREATE TABLE responses (
  id                bigserial PRIMARY KEY,
  url               text NOT NULL,
  method            text NOT NULL DEFAULT 'GET',
  host              text NOT NULL,
  final_url         text,
  site              text,
  kind              text,
  role              text NOT NULL,
  status            integer NOT NULL,
  headers           text,
  content_type      text,
  charset           text,
  challenge         text,
  fetch_mode        text NOT NULL DEFAULT 'http',
  sha256            text NOT NULL,
  size              bigint NOT NULL,
  snapshot_path     text NOT NULL,
  document_id       bigint,
  first_fetched_at  text NOT NULL,
  fetched_at        text NOT NULL,
  times_seen        integer NOT NULL DEFAULT 1,
  run_id            bigint,
  UNIQUE (url, method, sha256)
);

CREATE TABLE crawl_sites (
  site                  text PRIMARY KEY,
  adapter               text,
  challenge             text,
  browser_reason        text,
  last_run_id           bigint,
  last_crawl_at         text,
  last_ok_at            text,
  consecutive_failures  integer NOT NULL DEFAULT 0
);

CREATE TABLE results (
  id          bigserial PRIMARY KEY,
  run_id      bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  site        text NOT NULL,
  key         text NOT NULL,                -- the frontier row
  kind        text NOT NULL,                -- what the storer does (see src/coordinator/results.ts)
  sha256      text,                         -- the snapshot in the shared folder
  payload     text NOT NULL,                 -- JSON as text (jsonb refuses the NUL character scraped strings may hold)
  worker      text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  stored_at   timestamptz
);
CREATE INDEX results_queue ON results (run_id, id) WHERE stored_at IS NULL;
`;

/** Version 2: each worker's share of a site's work (src/coordinator/site-work.ts), so a site taken over counts both workers. */
const V2 = `
CREATE TABLE site_work (
  run_id      bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  site        text NOT NULL,
  worker      text NOT NULL,                -- the share: <worker id>#<lease of the host>
  summary     jsonb NOT NULL,               -- the worker's SiteSummary of the site in the run so far
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, site, worker)
);
`;

/**
 * Version 3: a host's jitter — the random fraction (0 … the crawl's jitterRatio) drawn when its
 * last start was booked and added to the delay after it (src/fetch/host-clock.ts `jitter`), kept
 * so that a late send or a slow-down moves the next slot by the same jittered gap.
 */
const V3 = `
ALTER TABLE hosts ADD COLUMN jitter double precision NOT NULL DEFAULT 0;
`;

/** Schema versions in order; index + 1 is the version. Append, never edit. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** An arbitrary constant: the advisory lock that serialises migrations of one coordinator database. */
const MIGRATE_LOCK = 0x6e62_7067;

/** Brings the coordinator database to {@link SCHEMA_VERSION}; refuses a newer one. */
export async function migrate(client: pg.PoolClient | pg.Client, url: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS nianbao_schema (version integer NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM nianbao_schema')).rows[0];
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new CoordinatorError(
        'NB_COORDINATOR_TOO_NEW',
        `${redactUrl(url)}: the coordinator's schema is version ${current}, this nianbao knows ${SCHEMA_VERSION}; upgrade nianbao on this machine`,
      );
    }
    for (let v = current; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!);
    if (!row) await client.query('INSERT INTO nianbao_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    else if (current !== SCHEMA_VERSION) await client.query('UPDATE nianbao_schema SET version = $1', [SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
