/**
 * `nianbao changes [--since DATE] [--agency A] [--kind revised|vanished] [--include-template] [--json]`: reports that
 * changed after they were stored — revised (new content at the same URL, or the same agency and
 * year published again, with the values and the sentences of its text that differ) and vanished (the URL answers 404/410 or
 * redirects away). Template-only revisions (the site's page template changed, nothing else:
 * src/store/template-changes.ts) are left out and counted unless `--include-template`. A thin
 * wrapper over src/store/changes.ts; the crawl records them.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  CHANGE_KINDS,
  type ChangeRow,
  describeRevision,
  describeSentence,
  describeVanishing,
  changeList,
  TEMPLATE_HIDDEN_WHY,
  revisionCells,
  revisionSentences,
} from '../../store/changes.js';
import { dbOption, dbPathFrom, parsePositiveInt, reportCommandError, terminalSafe } from '../command-support.js';
import { openDatabase, type Db } from '../../store/db.js';
import { describeChange } from '../../store/revisions.js';
import { TEMPLATE_MIN_REVISIONS, TEMPLATE_WINDOW_DAYS } from '../../store/template-changes.js';

/** `--since`: a date YYYY-MM-DD. */
function parseDate(v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) || Number.isNaN(Date.parse(`${v.trim()}T00:00:00Z`))) {
    throw new InvalidArgumentError('expected a date YYYY-MM-DD.');
  }
  return v.trim();
}

/** The values a revision changed, as `describeChange` lines, then its sentences (`~ old → new`, `+ new`, `- old`). */
function changedValues(db: Db, c: ChangeRow): string[] {
  if (c.change !== 'revised') return [];
  const values = revisionCells(db, c.change_id).map((x) =>
    describeChange({ table: x.table_name, row: x.row_key, col: x.col_key, oldValue: x.old_value, newValue: x.new_value }),
  );
  const sentences = revisionSentences(db, c.change_id);
  const total = (c.sentences_changed ?? 0) + (c.sentences_added ?? 0) + (c.sentences_removed ?? 0);
  const more = total > sentences.length ? [`(and ${total - sentences.length} more sentence change(s), not kept)`] : [];
  // A sentence is one line of output: a line break in stored text cannot forge another.
  const mark = (x: { template?: number }): string => (x.template === 1 ? '  [page template]' : '');
  return [...values, ...sentences.map((x) => `${describeSentence(x).replace(/[\r\n]+/g, ' ')}${mark(x)}`), ...more];
}

/** What a revision changed: `values`, `text` or `values+text`. */
function whatChanged(c: ChangeRow): 'values' | 'text' | 'values+text' {
  const text = (c.sentences_changed ?? 0) + (c.sentences_added ?? 0) + (c.sentences_removed ?? 0) > 0;
  if (!text) return 'values';
  return (c.cells_changed ?? 0) > 0 ? 'values+text' : 'text';
}

function line(db: Db, c: ChangeRow): string {
  const who = `${c.agency ?? '(unknown agency)'} ${c.year ?? '?'}`;
  if (c.change === 'revised') {
    const how = c.detail === 'same_url' ? 'new content at the same URL' : 'published again';
    const values = changedValues(db, c);
    return (
      `${c.seen_at.slice(0, 10)}  revised   ${who}  report ${c.report_id} (was ${c.old_report_id}): ${how}, ${describeRevision(c)}  ${c.url ?? ''}\n` +
      values.map((v) => `    ${v}\n`).join('')
    );
  }
  const how = describeVanishing(c.detail, c.http_status, c.final_url);
  const back = c.returned_at ? `; back since ${c.returned_at.slice(0, 10)}` : '';
  return `${c.seen_at.slice(0, 10)}  vanished  ${who}  report ${c.report_id}: ${how}${back}  ${c.url ?? ''}\n`;
}

export function registerChanges(program: Command): void {
  program
    .command('changes')
    .description('reports revised or vanished after they were stored (found by crawls), newest first')
    .option('--since <date>', 'only changes first seen on or after this date (YYYY-MM-DD, UTC)', parseDate)
    .option('--agency <name>', 'only this agency (name or alias)')
    .addOption(new Option('--kind <kind>', 'only revised or only vanished reports').choices([...CHANGE_KINDS]))
    .option('--limit <n>', 'most changes listed', parsePositiveInt('--limit'), 1000)
    .option(
      '--include-template',
      `also list template-only revisions (their only change is the site's page template: the same sentence change in ${TEMPLATE_MIN_REVISIONS} or more of one site's (or host's) revisions in one crawl, or in fewer where another crawl of the site within ${TEMPLATE_WINDOW_DAYS} days recognised it)`,
    )
    .option(
      '--json',
      'print one JSON object per change (JSON Lines), revised ones with what changed (values, text or both), their values and sentences (how many template-only revisions were left out is said on stderr)',
    )
    .addOption(dbOption())
    .action(
      (opts: { db?: string; since?: string; agency?: string; kind?: 'revised' | 'vanished'; limit: number; json?: boolean; includeTemplate?: boolean }) => {
        let db;
        try {
          db = openDatabase(dbPathFrom(opts), { readonly: true });
        } catch (err) {
          reportCommandError('changes', err);
          return;
        }
        try {
          const { rows, templateHidden } = changeList(db, {
            since: opts.since,
            agency: opts.agency,
            kind: opts.kind,
            limit: opts.limit,
            includeTemplate: opts.includeTemplate === true,
          });
          if (opts.json) {
            let out = '';
            for (const c of rows) {
              const revised = c.change === 'revised';
              const values = revised ? revisionCells(db, c.change_id) : [];
              const sentences = revised ? revisionSentences(db, c.change_id) : [];
              out += `${JSON.stringify({ ...c, what: revised ? whatChanged(c) : null, values, sentences })}\n`;
            }
            process.stdout.write(out);
            // stdout stays one change per line; what was left out is said on stderr.
            if (templateHidden > 0)
              process.stderr.write(
                `nianbao changes: ${templateHidden} template-only revision(s) not listed: ${TEMPLATE_HIDDEN_WHY} (--include-template lists them)\n`,
              );
            return;
          }
          const revised = rows.filter((c) => c.change === 'revised').length;
          let out = `${rows.length} change(s): ${revised} revised, ${rows.length - revised} vanished${rows.length === opts.limit ? ` (the first ${opts.limit}; --limit shows more)` : ''}\n`;
          if (templateHidden > 0) out += `${templateHidden} template-only revision(s) not listed: ${TEMPLATE_HIDDEN_WHY} (--include-template lists them)\n`;
          // Agencies, URLs and raw cell text come from crawled pages.
          for (const c of rows) out += terminalSafe(line(db, c));
          process.stdout.write(out);
        } catch (err) {
          reportCommandError('changes', err);
        } finally {
          db.close();
        }
      },
    );
}
