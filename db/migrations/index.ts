/**
 * The schema migrations, in order. `openDatabase` applies the ones whose version is above the
 * database's `PRAGMA user_version`, each in its own transaction.
 */
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_crawl.js';
import * as m0003 from './0003_run_lease.js';
import * as m0004 from './0004_report_totals.js';
import * as m0005 from './0005_search_labels.js';
import * as m0006 from './0006_summary_timing.js';
import * as m0007 from './0007_deadline_basis.js';
import * as m0010 from './0010_missing_reports.js';
import * as m0014 from './0014_snapshot_blobs.js';
import * as m0015 from './0015_report_changes.js';
import * as m0016 from './0016_agency_identity.js';
import * as m0017 from './0017_deferred_text_index.js';
import * as m0018 from './0018_one_text_index.js';
import * as m0019 from './0019_revision_text.js';
import * as m0020 from './0020_source_path_index.js';
import * as m0021 from './0021_listed_not_fetched.js';
import * as m0022 from './0022_template_revisions.js';
import * as m0023 from './0023_lists_unread_not_dead.js';
import * as m0024 from './0024_cell_keys.js';
import type Database from 'better-sqlite3';

export interface Migration {
  /** Becomes `PRAGMA user_version` once applied; strictly increasing from 1. */
  version: number;
  name: string;
  sql: string;
  /** Data work SQL cannot do (name rules in TypeScript), run after `sql` in the same transaction. */
  backfill?: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0010,
  m0014,
  m0015,
  m0016,
  m0017,
  m0018,
  m0019,
  m0020,
  m0021,
  m0022,
  m0023,
  m0024,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
