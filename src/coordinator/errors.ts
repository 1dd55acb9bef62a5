/**
 * Error codes of the shared crawl's coordinator (PostgreSQL). Messages name the coordinator by its
 * URL without the password ({@link redactUrl}).
 */
import { NianbaoError } from '../../parsers/errors.js';

export type CoordinatorErrorCode =
  | 'NB_COORDINATOR_URL' // --coordinator is not a postgres:// or postgresql:// URL
  | 'NB_COORDINATOR_UNREACHABLE' // the server could not be reached or refused the login
  | 'NB_COORDINATOR_TOO_NEW' // the coordinator's schema is newer than this build knows
  | 'NB_COORDINATOR_NO_RUN' // a worker or storer found no shared crawl to work on
  | 'NB_COORDINATOR_SNAPSHOT'; // a queued result's snapshot is missing from the shared folder

export class CoordinatorError extends NianbaoError {
  declare readonly code: CoordinatorErrorCode;
  constructor(code: CoordinatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The URL with its password (and any `password=` parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@');
  }
}
