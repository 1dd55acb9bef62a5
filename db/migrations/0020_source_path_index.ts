/**
 * Migration 20: an index on `documents.source_path`. `nianbao ingest` asks, for every new report,
 * whether a report was read from the same file before (src/ingest/file-revisions.ts: a file read
 * again with other content is a revision). Without the index that question scanned the report's
 * (agency, year) group, which a collection of many copies makes quadratic; with it, a path never
 * seen is one index probe.
 */
export const version = 20;
export const name = 'source_path_index';

export const sql = /* sql */ `
CREATE INDEX IF NOT EXISTS documents_source_path ON documents(source_path) WHERE source_path IS NOT NULL;
`;
