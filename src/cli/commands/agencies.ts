/**
 * `nianbao agencies list|show|review|merge|split|alias|distinct|export|apply`: who published
 * what. A thin wrapper over src/agencies/ — the user decides which names are one body; an
 * agencies file keeps those decisions in git and applies them to a rebuilt database.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addAlias, findAgency, markDistinct, mergeAgencies, splitAgency } from '../../agencies/edit.js';
import { applyAgencies, exportAgencies, parseAgenciesFile } from '../../agencies/file.js';
import { agencyDetail, listAgencies, reviewPairs } from '../../agencies/list.js';
import { openDatabase, type Db } from '../../store/db.js';
import { dbOption, dbPathFrom, reportCommandError, terminalSafe } from '../command-support.js';
import { describeFileError } from '../../store/errors.js';
import { formatTable } from '../../store/format.js';

type DbOpts = { db?: string };

/** Runs `fn` on the database (read-only unless `write`), printing errors as `nianbao agencies <sub>: … [CODE]`. */
function withDb(sub: string, opts: DbOpts, write: boolean, fn: (db: Db) => void): void {
  let db: Db;
  try {
    db = openDatabase(dbPathFrom(opts), write ? {} : { readonly: true });
  } catch (err) {
    reportCommandError(`agencies ${sub}`, err);
    return;
  }
  try {
    fn(db);
  } catch (err) {
    reportCommandError(`agencies ${sub}`, err);
  } finally {
    db.close();
  }
}

const out = (s: string): void => void process.stdout.write(s);
const safe = (v: unknown): string => terminalSafe(String(v ?? ''), { oneLine: true });

export function registerAgencies(program: Command): void {
  const agencies = program
    .command('agencies')
    .description('agencies as entities: list, show, review look-alikes, merge, split, alias; keep the decisions in an agencies file');

  agencies
    .command('list')
    .description('list the agencies (merged ones left out) with their kind, level, region, parent and report counts')
    .argument('[filter]', 'only agencies whose name or an alias contains this text')
    .addOption(dbOption())
    .option('--json', 'a JSON array of objects')
    .action((filter: string | undefined, opts: DbOpts & { json?: boolean }) =>
      withDb('list', opts, false, (db) => {
        const rows = listAgencies(db, filter);
        if (opts.json) return out(`${JSON.stringify(rows)}\n`);
        out(
          formatTable(
            ['id', 'name', 'kind', 'level', 'region', 'parent', 'names', 'reports', 'posted for others'],
            rows.map((r) => [r.id, r.name, r.kind ?? '', r.level ?? '', r.region ?? '', r.parent ?? '', r.aliases, r.reports, r.published_by_others]),
          ),
        );
        const open = reviewPairs(db).length;
        out(`${rows.length} agenc${rows.length === 1 ? 'y' : 'ies'}${open > 0 ? `; ${open} pair(s) to review: nianbao agencies review` : ''}\n`);
      }),
    );

  agencies
    .command('show')
    .description('one agency: names, kind, level, region, parent, children, review pairs, and its reports with where each was found')
    .argument('<agency>', 'agency id, name or alias')
    .addOption(dbOption())
    .option('--json', 'one JSON object')
    .action((ref: string, opts: DbOpts & { json?: boolean }) =>
      withDb('show', opts, false, (db) => {
        const a = agencyDetail(db, ref);
        if (opts.json) return out(`${JSON.stringify(a)}\n`);
        out(`${safe(a.name)} (agency ${a.id})\n`);
        out(
          `  kind ${safe(a.kind ?? 'unknown')}, level ${safe(a.level ?? 'unknown')}, region ${safe(a.region ?? 'unknown')}, identity ${safe(a.identity)}, source ${safe(a.source)}\n`,
        );
        if (a.parent) out(`  parent: ${safe(a.parent.name)} (agency ${a.parent.id})\n`);
        if (a.children.length > 0) out(`  children: ${a.children.map((c) => `${safe(c.name)} (${c.id})`).join(', ')}\n`);
        if (a.portal) out(`  portal: ${safe(a.portal)}\n`);
        out(`  names: ${a.aliases.map((x) => `${safe(x.alias)} [${safe(x.source ?? '?')}]`).join(', ')}\n`);
        if (a.merged.length > 0) out(`  merged into it: ${a.merged.map((m) => `${safe(m.name)} (${m.id})`).join(', ')}\n`);
        for (const v of a.review) {
          const other = v.agency_id === a.id ? `${v.other} (${v.other_id})` : `${v.agency} (${v.agency_id})`;
          out(`  review ${v.id} [${safe(v.status)}]: ${safe(other)} — ${safe(v.reason)}\n`);
        }
        out(
          formatTable(
            ['report', 'year', 'primary', 'named as', 'from', 'found at'],
            a.reports.map((r) => [
              r.report_id,
              r.year ?? '',
              r.is_primary ? 'yes' : '',
              r.agency_name ?? '',
              r.agency_source ?? '',
              r.locations.map((l) => `${l.site ?? l.publisher ?? 'file'}: ${l.place}`).join(' ; '),
            ]),
            { maxWidth: 80 },
          ),
        );
      }),
    );

  agencies
    .command('review')
    .description('pairs of agencies that may be one body (same region and kind, alike names, no identity rule): never merged on a guess')
    .addOption(dbOption())
    .option('--all', 'also the pairs already decided (merged, distinct)')
    .option('--json', 'a JSON array of objects')
    .action((opts: DbOpts & { all?: boolean; json?: boolean }) =>
      withDb('review', opts, false, (db) => {
        const rows = reviewPairs(db, opts.all === true);
        if (opts.json) return out(`${JSON.stringify(rows)}\n`);
        out(
          formatTable(
            ['review', 'agency', 'other agency', 'similarity', 'status', 'why'],
            rows.map((r) => [r.id, `${r.agency} (${r.agency_id})`, `${r.other} (${r.other_id})`, r.similarity, r.status, r.reason]),
          ),
        );
        out(`${rows.length} pair(s)${rows.length > 0 && !opts.all ? ': decide with `nianbao agencies merge A B` or `nianbao agencies distinct A B`' : ''}\n`);
      }),
    );

  agencies
    .command('merge')
    .description('merge agencies into the first: one body named several ways (names, reports and children move; split undoes it)')
    .argument('<into>', 'the agency kept (id, name or alias)')
    .argument('<others...>', 'the agencies merged into it')
    .addOption(dbOption())
    .action((into: string, others: string[], opts: DbOpts) =>
      withDb('merge', opts, true, (db) => {
        const kept = mergeAgencies(db, into, others);
        out(`merged ${others.length} agenc${others.length === 1 ? 'y' : 'ies'} into ${safe(kept.name)} (agency ${kept.id})\n`);
      }),
    );

  agencies
    .command('split')
    .description('split names off an agency into an agency of their own (the reports naming themselves so move with them)')
    .argument('<agency>', 'the agency (id, name or alias)')
    .argument('<names...>', 'names to split off; the first names the new agency')
    .addOption(dbOption())
    .action((ref: string, names: string[], opts: DbOpts) =>
      withDb('split', opts, true, (db) => {
        const to = splitAgency(db, ref, names);
        out(`split ${names.map(safe).join(', ')} off into ${safe(to.name)} (agency ${to.id})\n`);
      }),
    );

  agencies
    .command('alias')
    .description('give an agency another name (a name another agency holds moves here, with its reports)')
    .argument('<agency>', 'the agency (id, name or alias)')
    .argument('<name>', 'the other name')
    .addOption(dbOption())
    .action((ref: string, name: string, opts: DbOpts) =>
      withDb('alias', opts, true, (db) => {
        const a = addAlias(db, ref, name);
        out(`${safe(name)} is a name of ${safe(a.name)} (agency ${a.id})\n`);
      }),
    );

  agencies
    .command('distinct')
    .description('record two agencies as distinct bodies (a review pair answered no)')
    .argument('<a>', 'agency id, name or alias')
    .argument('<b>', 'agency id, name or alias')
    .addOption(dbOption())
    .action((x: string, y: string, opts: DbOpts) =>
      withDb('distinct', opts, true, (db) => {
        const a = findAgency(db, x);
        const b = findAgency(db, y);
        markDistinct(db, a.id, b.id);
        out(`${safe(a.name)} (${a.id}) and ${safe(b.name)} (${b.id}) are distinct\n`);
      }),
    );

  agencies
    .command('export')
    .description('write the agencies file (version 1): every agency with its names, kind, level, parent, and the distinct pairs')
    .option('--file <path>', 'agencies file to write (default: stdout)')
    .addOption(dbOption())
    .action((opts: DbOpts & { file?: string }) =>
      withDb('export', opts, false, (db) => {
        const text = `${JSON.stringify(exportAgencies(db), null, 2)}\n`;
        if (!opts.file) return out(text);
        try {
          writeFileSync(opts.file, text);
        } catch (err) {
          throw describeFileError(opts.file, err);
        }
        out(`wrote ${safe(opts.file)}\n`);
      }),
    );

  agencies
    .command('apply')
    .description('make the database say what an agencies file says (merges, names, kinds, parents, distinct pairs); idempotent')
    .requiredOption('--file <path>', 'agencies file to apply (e.g. agencies.json kept in git)')
    .addOption(dbOption())
    .option('--json', 'print the summary as JSON')
    .action((opts: DbOpts & { file: string; json?: boolean }) =>
      withDb('apply', opts, true, (db) => {
        let text: string;
        try {
          text = readFileSync(opts.file, 'utf8');
        } catch (err) {
          throw describeFileError(opts.file, err);
        }
        const sum = applyAgencies(db, parseAgenciesFile(text, opts.file));
        if (opts.json) return out(`${JSON.stringify(sum)}\n`);
        out(`applied ${safe(opts.file)}: ${sum.created} created, ${sum.merged} merged, ${sum.aliases} name(s) placed, ${sum.distinct} distinct pair(s)\n`);
        for (const w of sum.warnings) process.stderr.write(`warning: ${terminalSafe(w, { oneLine: true })}\n`);
      }),
    );
}
