/**
 * `nianbao check [--agency A] [--year Y] [--json]`: the compliance report — tables that do not add
 * up, late publication (the deadline of src/store/deadline.ts, citing 条例(2007)第三十一条 or
 * 条例(2019)第四十九条; undated reports apart, as 'date unknown'), missing tables or sections, and
 * 上年结转 vs the previous year's 结转下年度继续办理 (and pre-2019 历年累计 vs the previous year's). Stored as findings (source = 'check'); re-running replaces them.
 */
import type { Command } from 'commander';
import { runCheck } from '../../store/check.js';
import type { CheckFinding } from '../../store/check-findings.js';
import { dbOption, dbPathFrom, parseYear, reportCommandError, terminalSafe } from '../command-support.js';
import { openDatabase } from '../../store/db.js';
import { TEMPLATE_HIDDEN_WHY } from '../../store/changes.js';

const who = (f: { agency: string | null; year: number | null; reportId: number }): string =>
  terminalSafe(`${f.agency ?? '(unknown agency)'} ${f.year ?? '?'} [report ${f.reportId}]`);

function section(title: string, items: CheckFinding[], line: (f: CheckFinding) => string): string {
  if (items.length === 0) return `${title}: none\n`;
  return `${title} (${items.length}):\n${items.map((f) => `  ${who(f)}  ${terminalSafe(line(f))}\n`).join('')}`;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('compliance report: arithmetic, late publication, missing tables/sections, cross-year carry-over, reports not found where we looked')
    .option('--agency <name>', 'only this agency (name or alias)')
    .option('--year <year>', 'only reports on this year (carry-over compares with year-1)', parseYear)
    .option('--json', 'print the result as JSON')
    .addOption(dbOption())
    .action((opts: { db?: string; agency?: string; year?: number; json?: boolean }) => {
      let db;
      try {
        db = openDatabase(dbPathFrom(opts), { create: false });
      } catch (err) {
        reportCommandError('check', err);
        return;
      }
      try {
        const r = runCheck(db, { agency: opts.agency, year: opts.year });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        let out = `checked ${r.reportsChecked} report(s); ${r.stored} finding(s) stored\n`;
        out += section(
          'tables that do not add up',
          r.arithmetic,
          (f) => `${f.rule}${f.scope ? ` [${f.scope}]` : ''}: ${f.message}${f.delta !== null ? ` (off by ${f.delta})` : ''}`,
        );
        out += section(
          'published late',
          r.late.filter((f) => f.rule === 'compliance.late'),
          (f) => f.message,
        );
        out += section(
          'publication date unknown',
          r.late.filter((f) => f.rule !== 'compliance.late'),
          (f) => f.message,
        );
        out += section('missing tables or sections', r.missing, (f) => f.message);
        out += section('carry-over mismatches (year N vs N-1)', r.carryover, (f) => f.message);
        out += section('revised or vanished since stored (nianbao changes)', r.changes, (f) => `${f.rule}: ${f.message}`);
        if (r.changesTemplateOnly > 0) {
          out += `  (${r.changesTemplateOnly} template-only revision(s) not listed: ${TEMPLATE_HIDDEN_WHY}; nianbao changes --include-template)\n`;
        }
        if (r.absent.length === 0) out += 'reports not found where we looked: none\n';
        else {
          out += `reports not found where we looked (${r.absent.length}, report.missing):\n`;
          for (const m of r.absent) out += `  ${terminalSafe(`${m.agency} ${m.year}  ${m.message}`)}\n`;
        }
        if (r.notFetched.length > 0) {
          out += `listed on the agency's site but not fetched (${r.notFetched.length}, report.not_fetched; not missing — crawl again, or fetch the link by hand):\n`;
          for (const m of r.notFetched) out += `  ${terminalSafe(`${m.agency} ${m.year}  ${m.message}`)}\n`;
        }
        if (r.notYetDue.length > 0)
          out += `not yet due (${r.notYetDue.length}): ${terminalSafe(r.notYetDue.map((e) => `${e.agency} ${e.year} (due ${e.deadline})`).join('; '))}\n`;
        if (r.notLookedSinceDue.length > 0) {
          out += `not looked for since due (${r.notLookedSinceDue.length}; crawl again to know): ${terminalSafe(r.notLookedSinceDue.map((e) => `${e.agency} ${e.year} (due ${e.deadline}, last looked ${e.lastLookedAt?.slice(0, 10) ?? 'never'})`).join('; '))}\n`;
        }
        if (r.unreadable.length > 0) {
          out += `not checked (${r.unreadable.length}):\n`;
          for (const u of r.unreadable) {
            out += `  ${who(u)}  ${terminalSafe(u.status === 'failed' ? `failed: ${u.error ?? ''}` : `format ${u.format ?? '?'}`)}${u.file ? `  ${terminalSafe(u.file)}` : ''}\n`;
          }
        }
        process.stdout.write(out);
      } catch (err) {
        reportCommandError('check', err);
      } finally {
        db.close();
      }
    });
}
