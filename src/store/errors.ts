import { NianbaoError } from '../../parsers/errors.js';

export type StoreErrorCode =
  | 'NB_DB_NOT_FOUND' // the database file does not exist (only commands that collect data create one)
  | 'NB_DB_NOT_A_DATABASE' // the file exists but is not a SQLite database (or is damaged, or is a folder)
  | 'NB_DB_TOO_NEW' // the file's schema version is newer than this build knows
  | 'NB_DB_READONLY' // a statement tried to change a database opened read-only
  | 'NB_DB_QUERY' // a query could not be prepared or run
  | 'NB_DB_BAD_OPTION' // an option value is invalid
  | 'NB_FILE_NOT_FOUND' // an input file or folder named on the command line does not exist
  | 'NB_FILE_IS_FOLDER' // a file was expected, a folder was named
  | 'NB_FILE_UNREADABLE' // an input exists but cannot be read (permissions, a device …)
  | 'NB_SNAPSHOT_MISSING' // a document's raw snapshot is not in the snapshots folder
  | 'NB_SNAPSHOT_PATH' // a snapshot path (from the database) leads outside the snapshots folder
  | 'NB_RUN_BUSY' // another live run of an exclusive command (crawl) holds the database
  | 'NB_DB_DISK_FULL' // the disk (or the database's max_page_count) is full: nothing more can be written
  | 'NB_DB_IO' // the disk failed a read or write, or the file became read-only or damaged, while the command ran
  | 'NB_PUBLISH_NOT_EMPTY'; // publish was given a folder that already holds files (and no --force)

/** An error of the SQLite store; branch on `code`. */
export class StoreError extends NianbaoError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A file system error on an input someone named (ENOENT, EISDIR, EACCES …) as a one-line
 * StoreError naming the path and what to do; other errors are returned as they are.
 * `folderHint` is said when a folder was given where a file is read (e.g. "use `nianbao ingest` for folders").
 */
export function describeFileError(path: string, err: unknown, folderHint?: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new StoreError('NB_FILE_NOT_FOUND', `${path}: no such file or folder; check the path (relative paths start from ${process.cwd()})`, {
        cause: err,
      });
    case 'EISDIR':
      return new StoreError('NB_FILE_IS_FOLDER', `${path} is a folder${folderHint ? `; ${folderHint}` : ''}`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new StoreError('NB_FILE_UNREADABLE', `${path}: permission denied; check the file's permissions`, { cause: err });
    case 'ELOOP':
    case 'ENAMETOOLONG':
    case 'EIO':
      return new StoreError('NB_FILE_UNREADABLE', `${path} cannot be read (${code}); check the path`, { cause: err });
    default:
      return err;
  }
}
