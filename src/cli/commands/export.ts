/**
 * `nianbao export --view V --format F [--agency A] [--year Y] [--out FILE] [--bom]`: write a view
 * (requests, appeals, active, report_summary or cells) as CSV, JSON or JSON Lines.
 */
import { type Command, Option } from 'commander';
import { openDatabase } from '../../store/db.js';
import { dbOption, dbPathFrom, parseYear, reportCommandError } from '../command-support.js';
import { OutputSink } from '../../store/output.js';
import { EXPORT_VIEWS, exportView, type ExportView } from '../../store/query.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a view as CSV (UTF-8, RFC 4180), JSON or JSON Lines')
    .addOption(new Option('--view <view>', 'what to export').choices([...EXPORT_VIEWS]).makeOptionMandatory())
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'jsonl']).default('csv'))
    .option('--agency <name>', 'only this agency (name or alias)')
    .option('--year <year>', 'only reports on this year', parseYear)
    .option('--primary', 'only the primary report of each (agency, year)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--bom', 'start CSV with a UTF-8 BOM so Excel detects UTF-8')
    .addOption(dbOption())
    .action(
      async (opts: {
        db?: string;
        view: ExportView;
        format: 'csv' | 'json' | 'jsonl';
        agency?: string;
        year?: number;
        primary?: boolean;
        out?: string;
        bom?: boolean;
      }) => {
        let db;
        try {
          db = openDatabase(dbPathFrom(opts), { readonly: true });
        } catch (err) {
          reportCommandError('export', err);
          return;
        }
        const sink = new OutputSink(opts.out);
        try {
          const rows = await exportView(
            db,
            {
              view: opts.view,
              format: opts.format,
              agency: opts.agency,
              year: opts.year,
              primaryOnly: opts.primary === true,
              bom: opts.bom === true,
            },
            sink,
          );
          await sink.close();
          if (opts.out) process.stderr.write(`nianbao export: ${rows} row(s) of ${opts.view} → ${opts.out}\n`);
        } catch (err) {
          await sink.close().catch(() => {});
          reportCommandError('export', err);
        } finally {
          db.close();
        }
      },
    );
}
