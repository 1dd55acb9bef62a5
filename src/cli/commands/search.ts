/**
 * `nianbao search "关键词"`: reports whose title, agency or text match, with highlighted snippets
 * (the bigram index, longer terms confirmed in the text; terms without a Chinese character: LIKE).
 */
import type { Command } from 'commander';
import { dbOption, dbPathFrom, parsePositiveInt, parseYear, reportCommandError, terminalSafe } from '../command-support.js';
import { openDatabase } from '../../store/db.js';
import { searchReports } from '../../store/search.js';

// Private-use code points as marks, so they survive terminalSafe and never occur in reports.
const OPEN = '\uE000';
const CLOSE = '\uE001';

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('full-text search of report titles, agencies and text')
    .argument(
      '<terms...>',
      'words to find (all must match, each as one exact string); words with Chinese characters are looked up in the bigram index, others by a scan',
    )
    .option('--agency <name>', 'only this agency (name or alias)')
    .option('--year <year>', 'only reports on this year', parseYear)
    .option('--limit <n>', 'most hits shown', parsePositiveInt('--limit'), 20)
    .option('--all', 'include duplicate documents, not only the primary report of each (agency, year)')
    .option('--json', 'print hits as JSON Lines (matches marked with [ ])')
    .addOption(dbOption())
    .action((terms: string[], opts: { db?: string; agency?: string; year?: number; limit: number; all?: boolean; json?: boolean }) => {
      let db;
      try {
        db = openDatabase(dbPathFrom(opts), { readonly: true });
      } catch (err) {
        reportCommandError('search', err);
        return;
      }
      try {
        const res = searchReports(db, terms.join(' '), {
          agency: opts.agency,
          year: opts.year,
          limit: opts.limit,
          all: opts.all === true,
          marks: opts.json ? ['[', ']'] : [OPEN, CLOSE],
        });
        if (opts.json) {
          for (const h of res.hits) process.stdout.write(`${JSON.stringify({ ...h, mode: res.mode })}\n`);
          return;
        }
        const tty = process.stdout.isTTY === true;
        const [b, a] = tty ? ['\u001b[1;31m', '\u001b[0m'] : ['[', ']'];
        const mark = (s: string): string => terminalSafe(s).replaceAll(OPEN, b).replaceAll(CLOSE, a);
        const capped = res.hits.length === opts.limit ? ` (the first ${opts.limit}; --limit shows more)` : '';
        let out = `${res.hits.length} hit(s)${capped}${res.mode === 'like' ? ' (LIKE: no term has a Chinese character)' : ''}\n`;
        if (res.pending > 0) out += `(${res.pending} report(s) not yet in the search index were scanned; the next ingest, crawl or check indexes them)\n`;
        for (const h of res.hits) {
          out += `\n#${h.reportId}  ${terminalSafe(`${h.agency ?? '(unknown agency)'}  ${h.year ?? '?'}  ${h.title ?? ''}`)}\n`;
          out += `    ${mark(h.snippet)}\n`;
        }
        process.stdout.write(out);
      } catch (err) {
        reportCommandError('search', err);
      } finally {
        db.close();
      }
    });
}
