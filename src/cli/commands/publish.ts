/**
 * `nianbao publish OUTDIR [--agency A] [--province P] [--year Y]`: a Frictionless data package of
 * the database (CSV, Parquet, XLSX, the SQLite file ready for Datasette and sqlite-utils,
 * datapackage.json, README.md). A thin wrapper over the library's `publish`.
 */
import { type Command, Option } from 'commander';
import { dbOption, dbPathFrom, parseYear, reportCommandError, terminalSafe } from '../command-support.js';
import { openDatabase } from '../../store/db.js';
import { LICENSES } from '../../publish/datapackage.js';
import { publish } from '../../publish/index.js';
import { createProgress, type Progress } from '../progress.js';

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('write a data package (CSV, Parquet, XLSX, SQLite for Datasette, datapackage.json) to a folder')
    .argument('<outdir>', 'folder to write (created; must be empty unless --force)')
    .option('--agency <name>', 'only this agency (name or alias)')
    .option('--province <name>', 'only agencies of this province (as in agencies.province, e.g. 福建省)')
    .option('--year <year>', 'only reports on this year', parseYear)
    .option('--name <stem>', 'name of the SQLite file (<stem>.db) and of the Datasette database', 'nianbao')
    .addOption(new Option('--license <name>', 'licence of the compilation').choices(Object.keys(LICENSES)).default('ODC-BY-1.0'))
    .option('--force', 'replace the contents of a non-empty folder')
    .addOption(dbOption())
    .action(
      async (outDir: string, opts: { db?: string; agency?: string; province?: string; year?: number; name: string; license: string; force?: boolean }) => {
        let db;
        try {
          db = openDatabase(dbPathFrom(opts), { readonly: true });
        } catch (err) {
          reportCommandError('publish', err);
          return;
        }
        let progress: Progress | undefined;
        let stage = '';
        const lastDone = new Map<string, number>();
        try {
          const result = await publish(
            db,
            { outDir, agency: opts.agency, province: opts.province, year: opts.year, name: opts.name, license: opts.license, force: opts.force === true },
            (p) => {
              if (p.stage !== stage) {
                progress?.stop();
                stage = p.stage;
                progress = createProgress({ label: p.stage === 'copy' ? 'publish: copy (pages)' : 'publish: rows', total: p.total });
              }
              progress?.tick(p.done - (lastDone.get(p.stage) ?? 0), p.table ? { table: p.table } : undefined);
              lastDone.set(p.stage, p.done);
            },
          );
          progress?.stop();
          const rows = result.tables.map((t) => `${t.name} ${t.rows}`).join(', ');
          process.stderr.write(
            `nianbao publish: ${terminalSafe(result.outDir)}: ${rows}; ${result.files.length} files (datapackage.json lists them with SHA-256)\n`,
          );
        } catch (err) {
          progress?.stop();
          reportCommandError('publish', err);
        } finally {
          db.close();
        }
      },
    );
}
