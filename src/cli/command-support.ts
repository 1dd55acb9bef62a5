/**
 * Small helpers shared by the commands (ingest, reparse, query, export, check, search):
 * the `--db` option, option parsing and error printing.
 */
import { InvalidArgumentError, Option } from 'commander';
import { NianbaoError } from '../../parsers/errors.js';
import { DEFAULT_DB_FILE, resolveDbPath } from '../store/db.js';
import { terminalSafe } from '../store/terminal-safe.js';

/** `--db FILE` (default: `$NIANBAO_DB`, else `./nianbao.db`). */
export function dbOption(): Option {
  return new Option('--db <file>', `SQLite database file (default: $NIANBAO_DB or ${DEFAULT_DB_FILE})`);
}

/** The database file a command uses. */
export function dbPathFrom(opts: { db?: string }): string {
  return resolveDbPath(opts.db);
}

/** Parses a `--year` value. */
export function parseYear(value: string): number {
  const n = Number(value);
  if (!/^\d{4}$/.test(value.trim()) || !Number.isInteger(n)) {
    throw new InvalidArgumentError('expected a four-digit year.');
  }
  return n;
}

/** Parses a positive integer option. */
export function parsePositiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return n;
  };
}

/** Parses `--parse-workers`: a whole number from 0 to 16. */
export function parseWorkerCount(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 16) throw new InvalidArgumentError('--parse-workers must be a whole number from 0 to 16.');
  return Number(v);
}

/** Prints `nianbao <command>: message [CODE]` on stderr and sets exit code 1. */
export function reportCommandError(command: string, err: unknown): void {
  const code = err instanceof NianbaoError ? err.code : ((err as { code?: unknown } | null)?.code ?? 'NB_ERROR');
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`nianbao ${command}: ${terminalSafe(message)} [${terminalSafe(String(code), { oneLine: true })}]\n`);
  process.exitCode = 1;
}

export { terminalSafe } from '../store/terminal-safe.js';
