/**
 * Failures of the storage itself — the disk full, an I/O error, the file made read-only or damaged
 * under a running command — told apart from failures of one document. A crawl or an ingest that
 * meets one stops at once (every further page or file would fail the same way, and a crawl would
 * go on fetching pages it cannot store) with one line naming the database and what to do: what was
 * committed before stays, and the next run goes on where this one stopped.
 */
import { StoreError } from './errors.js';

/** SQLite result codes (extended ones start with these) and errno codes of a failing storage. */
const DISK_FULL = /^(?:SQLITE_FULL|ENOSPC|EDQUOT)$/;
const STORAGE = /^(?:SQLITE_IOERR|SQLITE_CORRUPT|SQLITE_NOTADB|SQLITE_READONLY|SQLITE_CANTOPEN|EIO|EROFS|EFBIG)/;

/** The `code` of an error (or of its cause), if it has one. */
function codeOf(err: unknown): string | null {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

/** Whether `err` is a failure of the storage (see the module comment), already described or not. */
export function isStorageFailure(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'NB_DB_DISK_FULL' || err.code === 'NB_DB_IO';
  const code = codeOf(err);
  return code !== null && (DISK_FULL.test(code) || STORAGE.test(code));
}

/**
 * `err` as a StoreError NB_DB_DISK_FULL / NB_DB_IO naming `file` and what to do, when it is a
 * failure of the storage; null otherwise. `command` is what to run again (`nianbao crawl`).
 */
export function describeStorageFailure(err: unknown, file: string, command: string): StoreError | null {
  if (!isStorageFailure(err)) return null;
  if (err instanceof StoreError) return err;
  const code = codeOf(err)!;
  const what = err instanceof Error ? err.message : String(err);
  const kept = `what was committed before is kept, and the next ${command} goes on where this one stopped`;
  if (DISK_FULL.test(code)) {
    return new StoreError(
      'NB_DB_DISK_FULL',
      `${file}: the disk is full (${what}; ${code}): stopped; ${kept}. Free space (nianbao prune --vacuum drops old page history; or move the database to a larger disk) and run it again`,
      { cause: err },
    );
  }
  return new StoreError(
    'NB_DB_IO',
    `${file}: the storage failed (${what}; ${code}): stopped; ${kept}. Check the disk and the file's permissions (dmesg, df, ls -l), then run \`sqlite3 ${file} "PRAGMA integrity_check"\` and run it again`,
    { cause: err },
  );
}
