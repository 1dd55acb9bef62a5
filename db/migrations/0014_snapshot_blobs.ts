/**
 * Migration 14: raw snapshots inside the database. `snapshot_blobs` holds the gzip of every raw
 * document and response by SHA-256, written in the same transaction as the rows that reference it
 * (so a crash never leaves a row without its bytes, and no file is created or fsynced per report).
 * `documents.snapshot_path` / `responses.snapshot_path` keep their `ab/<sha256>.gz` value: it names
 * the snapshot, looked up here first and then, for snapshots written before this version, as a file
 * in the snapshots folder (writing runs move those files in: src/store/snapshots.ts).
 */
export const version = 14;
export const name = 'snapshot_blobs';

export const sql = /* sql */ `
-- The raw bytes of documents and crawl responses, gzip-compressed, by content hash.
CREATE TABLE IF NOT EXISTS snapshot_blobs (
  sha256     TEXT PRIMARY KEY,   -- SHA-256 of the raw (uncompressed) bytes, lowercase hex
  size       INTEGER NOT NULL,   -- bytes before compression
  gz         BLOB NOT NULL,      -- gzip of the raw bytes
  stored_at  TEXT NOT NULL
);
`;
