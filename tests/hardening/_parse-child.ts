// Parses one file with the library's parseReport on this (main) thread, with the default budget,
// and prints one JSON line: the outcome, the time it took (wall clock and CPU) and the process's
// peak RSS. Run by
// tests/hardening/budget.test.ts as `node --import tsx tests/hardening/_parse-child.ts <file>`, so
// that the peak memory measured is this document's alone.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseReport } from '../../src/parse/report.js';

const file = process.argv[2]!;
const bytes = await readFile(file);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let out: { ok: boolean; code?: string; message?: string };
try {
  const report = await parseReport(bytes, { fileName: basename(file) });
  out = { ok: true, message: `${report.format}, ${report.cells.length} cells` };
} catch (err) {
  const e = err as { code?: string; message?: string };
  out = { ok: false, ...(e.code !== undefined && { code: e.code }), ...(e.message !== undefined && { message: e.message }) };
}
const ms = Math.round(performance.now() - t0);
const cpu = process.cpuUsage(cpu0);
const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
process.stdout.write(`${JSON.stringify({ ...out, ms, cpuMs, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
