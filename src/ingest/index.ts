/**
 * The ingest layer: reading report files (or stored snapshots) and parsing them, then storing
 * the reports with the store layer (src/store), which never reads files or parses.
 */
export { listInputFiles } from './files.js';
export { type IngestOptions, IngestOptionsSchema, ingestPaths, READ_POOL_MIN_FILES } from './ingest.js';
export { type ParseFn, parseToOutcome } from './outcome.js';
export { type ReparseOptions, ReparseOptionsSchema, reparseStored } from './reparse.js';
export { DEFAULT_BATCH, type IngestProgress, type IngestSummary } from './summary.js';
