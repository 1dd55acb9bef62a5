/**
 * The SQLite store: schema and migrations, report writing and the search indexes, compliance
 * check, search, query and export (reading and parsing files is src/ingest). The CLI commands (`src/cli/commands/{ingest,query,export,check,search}.ts`) are thin
 * wrappers over these functions.
 */
export {
  DEFAULT_DB_FILE,
  type Db,
  defaultOcrCacheDir,
  defaultSnapshotsDir,
  migrate,
  type OpenOptions,
  openDatabase,
  resolveDbPath,
  schemaVersion,
} from './db.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { indexPending, pendingIndexCount } from './text-index.js';
export { type DocumentInfo, GroupCommit, type ParseOutcome, ReportWriter, type ReportStatus, reportStatus, type WriteResult } from './writer.js';
export { SnapshotStore, sha256Hex, snapshotRelPath } from './snapshots.js';
export { type CheckOptions, type CheckResult, runCheck } from './check.js';
export { type CheckFinding, type MissingReportFinding, missingFinding } from './check-findings.js';
export {
  type ExpectedReport,
  type ExpectedStatus,
  expectedReports,
  type MissingOptions,
  missingReports,
  type PlaceLooked,
  placesLooked,
  sitesOf,
  whereLooked,
} from './missing.js';
export { type SearchHit, type SearchOptions, type SearchResult, searchReports } from './search.js';
export { EXPORT_VIEWS, type ExportOptions, type ExportView, exportView, runQuery } from './query.js';
export { displayWidth, formatTable, type OutputFormat, RowWriter } from './format.js';
export { OutputSink } from './output.js';
export { finishRun, liveRunsOf, markInterruptedRuns, recordRunError, startRun } from './runs.js';
export { type PruneOptionsInput, PruneOptionsSchema, type PruneProgress, type PruneResult, pruneHistory } from './prune.js';
