import { NianbaoError } from '../../parsers/errors.js';

export type StoreErrorCode =
  | 'NB_DB_NOT_FOUND' // the database file does not exist (read-only commands never create one)
  | 'NB_DB_TOO_NEW' // the file's schema version is newer than this build knows
  | 'NB_DB_READONLY' // a statement tried to change a database opened read-only
  | 'NB_DB_QUERY' // a query could not be prepared or run
  | 'NB_DB_BAD_OPTION' // an option value is invalid
  | 'NB_SNAPSHOT_MISSING' // a document's raw snapshot is not in the snapshots folder
  | 'NB_SNAPSHOT_PATH' // a snapshot path (from the database) leads outside the snapshots folder
  | 'NB_RUN_BUSY'; // another live run of an exclusive command (crawl) holds the database

/** An error of the SQLite store; branch on `code`. */
export class StoreError extends NianbaoError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
