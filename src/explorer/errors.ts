import { NianbaoError } from '../../parsers/errors.js';

export type ExplorerErrorCode =
  | 'NB_SERVE_BAD_OPTION' // an option of `nianbao serve` is invalid
  | 'NB_SERVE_PORT_IN_USE' // another program listens on the port asked for
  | 'NB_SERVE_LISTEN' // the explorer could not listen (address not on this machine, no permission …)
  | 'NB_SQL_EMPTY' // the SQL box was empty
  | 'NB_SQL_READONLY' // the statement would change the database (or its connection): refused
  | 'NB_SQL_TIMEOUT' // the statement ran longer than the time limit and was stopped
  | 'NB_SQL_ERROR' // SQLite could not prepare or run the statement
  | 'NB_SQL_CRASHED' // the query process ended without an answer (e.g. out of memory)
  | 'NB_SQL_CANCELLED'; // the client went away before the answer: the query was stopped

/** An error of the explorer (`nianbao serve`); branch on `code`. */
export class ExplorerError extends NianbaoError {
  declare readonly code: ExplorerErrorCode;
  constructor(code: ExplorerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
