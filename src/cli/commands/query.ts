/**
 * `nianbao query "SQL"`: run one SQL statement on a read-only connection (no statement can
 * change the database) and print the rows as an aligned table, CSV, JSON or JSON Lines.
 */
import type { Command } from 'commander';
import { openDatabase } from '../../store/db.js';
import { dbOption, dbPathFrom, reportCommandError } from '../command-support.js';
import type { OutputFormat } from '../../store/format.js';
import { runQuery } from '../../store/query.js';

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run one read-only SQL statement and print its rows')
    .argument('<sql>', 'the SQL statement (see docs/queries.md for examples)')
    .addOption(dbOption())
    .option('--csv', 'CSV (RFC 4180, UTF-8)')
    .option('--json', 'a JSON array of objects')
    .option('--jsonl', 'one JSON object per line')
    .option('--bom', 'start CSV output with a UTF-8 BOM (for Excel)')
    .action(async (sql: string, opts: { db?: string; csv?: boolean; json?: boolean; jsonl?: boolean; bom?: boolean }) => {
      const format: OutputFormat = opts.csv ? 'csv' : opts.jsonl ? 'jsonl' : opts.json ? 'json' : 'table';
      let db;
      try {
        db = openDatabase(dbPathFrom(opts), { readonly: true });
      } catch (err) {
        reportCommandError('query', err);
        return;
      }
      try {
        await runQuery(db, sql, { format, bom: opts.bom === true });
      } catch (err) {
        reportCommandError('query', err);
      } finally {
        db.close();
      }
    });
}
