/**
 * `nianbao parse FILE|URL... [--json]`: parse report files (or fetch URLs once) and print them
 * (readable tables, or the canonical JSON: one object for one file, JSON Lines for several). A bad
 * file never stops the others; the exit code is 1 when any file failed.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { NianbaoError } from '../../../parsers/errors.js';
import { foundNothing } from '../../../parsers/report.js';
import { findAttachments, rankAttachments } from '../../../parsers/sites/index.js';
import { decodeBytes } from '../../decode/index.js';
import { openOcrCache } from '../../decode/ocr-cache.js';
import { createPoliteFetcher, headerValue, type PoliteFetcher } from '../../fetch/index.js';
import { parseReport, type ParseReportOptions } from '../../parse/report.js';
import { describeFileError } from '../../store/errors.js';
import { addBudgetOptions, type BudgetCliOptions, budgetFromOptions } from '../budget-options.js';
import { reportCommandError } from '../command-support.js';
import { ocrCacheOption, ocrOption, type OcrMode } from '../ocr-option.js';
import { renderReport } from '../render-report.js';
import { terminalSafe } from '../../store/terminal-safe.js';

const IS_URL = /^https?:\/\//i;

/** Columns to wrap the tables to: the terminal's, else $COLUMNS, else none (a pipe gets whole lines). */
function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const env = Number(process.env['COLUMNS']);
  return Number.isInteger(env) && env >= 40 ? env : undefined;
}

/** Kinds of attachment that can be *the* report of a notice page (spreadsheets are not read). */
const READABLE_ATTACHMENT = new Set(['docx', 'doc', 'wps', 'mht', 'mhtml', 'pdf', 'ofd']);

/**
 * A fetched HTML page without report tables that links or shows its report as an attachment (a
 * notice page: 报告全文见附件): the URL of that attachment, the way a crawl picks it; else undefined.
 */
function reportAttachment(bytes: Buffer, options: ParseReportOptions): string | undefined {
  const { text } = decodeBytes(bytes, { contentType: options.contentType, isHtml: true });
  return rankAttachments(findAttachments(text, options.fileName!)).find((a) => READABLE_ATTACHMENT.has(a.ext))?.url;
}

/**
 * The bytes of a file, or of a URL fetched once (robots.txt obeyed, the honest User-Agent with
 * $NIANBAO_CONTACT), with what the parser should know: the name or final URL, the Content-Type.
 */
async function readInput(input: string, fetcher: () => PoliteFetcher): Promise<{ bytes: Buffer; options: ParseReportOptions }> {
  if (!IS_URL.test(input)) {
    const bytes = await readFile(input).catch((err: unknown) => {
      throw describeFileError(input, err, `use \`nianbao ingest ${input}\` to read every report in a folder`);
    });
    return { bytes, options: { fileName: input } };
  }
  const res = await fetcher().fetch(input, { kind: 'report', throwOnHttpError: true });
  const contentType = headerValue(res.headers, 'content-type');
  return { bytes: res.body, options: { fileName: res.finalUrl, ...(contentType ? { contentType } : {}) } };
}

export function registerParse(program: Command): void {
  const cmd = program
    .command('parse')
    .description('parse report files or URLs (HTML in any charset, pipe-flattened or plain text, .docx, .doc/.wps, .mht, PDF, OFD) and print their tables')
    .argument('<files...>', 'report files, or http(s) URLs (fetched once, robots.txt obeyed; a notice page without tables: the report it links)')
    .option('--json', 'print the canonical JSON object (JSON Lines when several files)')
    .addOption(ocrOption())
    .addOption(ocrCacheOption());
  // Parsed on this thread: the budget's limits are checked while reading (no worker thread).
  addBudgetOptions(cmd).action(async (files: string[], opts: { json?: boolean; ocr: OcrMode; ocrCache?: string } & BudgetCliOptions) => {
    const budget = budgetFromOptions(opts);
    const read = { ...(budget ? { budget } : {}), ocr: opts.ocr, ...(opts.ocrCache !== undefined && { ocrCacheDir: opts.ocrCache }) };
    if (opts.ocr === 'auto' && opts.ocrCache !== undefined) {
      // A cache folder that cannot be used is said once, before anything is read.
      try {
        await openOcrCache(opts.ocrCache);
      } catch (err) {
        reportCommandError('parse', err);
        return;
      }
    }
    let failed = 0;
    let fetcher: PoliteFetcher | undefined;
    const contact = process.env['NIANBAO_CONTACT'];
    const getFetcher = () => (fetcher ??= createPoliteFetcher(contact ? { contactUrl: contact } : {}));
    for (const [i, file] of files.entries()) {
      try {
        let { bytes, options } = await readInput(file, getFetcher);
        let report = await parseReport(bytes, { ...options, ...read });
        const attachment = IS_URL.test(file) && report.input.kind === 'html' && foundNothing(report) ? reportAttachment(bytes, options) : undefined;
        if (attachment) {
          // A notice page: read the report it links, as a crawl would.
          process.stderr.write(`nianbao parse: ${terminalSafe(file)} has no report tables; reading the report it links: ${terminalSafe(attachment)}\n`);
          ({ bytes, options } = await readInput(attachment, getFetcher));
          report = await parseReport(bytes, { ...options, ...read });
        }
        if (opts.json) process.stdout.write(`${JSON.stringify({ file, ...(attachment ? { document: attachment } : {}), ...report })}\n`);
        else process.stdout.write(`${i > 0 ? '\n' : ''}${renderReport(report, attachment ? `${file} → ${attachment}` : file, { width: terminalWidth() })}\n`);
      } catch (err) {
        failed++;
        const code = err instanceof NianbaoError ? err.code : ((err as NodeJS.ErrnoException).code ?? 'NB_ERROR');
        const message = err instanceof Error ? err.message : String(err);
        const named = message.includes(file) ? message : `${file}: ${message}`;
        process.stderr.write(`nianbao parse: ${terminalSafe(named)} [${terminalSafe(String(code))}]\n`);
        if (opts.json && files.length > 1) process.stdout.write(`${JSON.stringify({ file, error: { code, message } })}\n`);
      }
    }
    await fetcher?.close();
    process.exitCode = failed > 0 ? 1 : 0;
  });
}
