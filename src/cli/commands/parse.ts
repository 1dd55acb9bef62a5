/**
 * `nianbao parse FILE... [--json]`: parse report files and print them (readable tables, or the
 * canonical JSON: one object for one file, JSON Lines for several). A bad file never stops the
 * others; the exit code is 1 when any file failed.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { NianbaoError } from '../../../parsers/errors.js';
import { parseReport } from '../../parse/report.js';
import { renderReport } from '../render-report.js';

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse report files (HTML in any charset, pipe-flattened or plain text, .docx, .doc/.wps, .mht, PDF, OFD) and print their tables')
    .argument('<files...>', 'report files')
    .option('--json', 'print the canonical JSON object (JSON Lines when several files)')
    .action(async (files: string[], opts: { json?: boolean }) => {
      let failed = 0;
      for (const [i, file] of files.entries()) {
        try {
          const bytes = await readFile(file);
          const report = await parseReport(bytes, { fileName: file });
          if (opts.json) process.stdout.write(`${JSON.stringify({ file, ...report })}\n`);
          else process.stdout.write(`${i > 0 ? '\n' : ''}${renderReport(report, file)}\n`);
        } catch (err) {
          failed++;
          const code = err instanceof NianbaoError ? err.code : (err as NodeJS.ErrnoException).code ?? 'NB_ERROR';
          const message = err instanceof Error ? err.message : String(err);
          const named = message.includes(file) ? message : `${file}: ${message}`;
          process.stderr.write(`nianbao parse: ${named} [${code}]\n`);
          if (opts.json && files.length > 1) process.stdout.write(`${JSON.stringify({ file, error: { code, message } })}\n`);
        }
      }
      process.exitCode = failed > 0 ? 1 : 0;
    });
}
