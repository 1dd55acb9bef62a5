/**
 * OCR speed: a scanned copy of a corpus PDF (its pages rendered at 300 dpi and wrapped as an
 * image-only PDF, tests/helpers/scans.ts) parsed end to end — render, segments, Tesseract, lines,
 * parse — in seconds per page, one round. Goal ≤ 10 s. Wall time grows with the load of the machine;
 * `ocr_cpu_seconds_per_page` (this process and its Tesseract runs) does not. Null when Tesseract,
 * poppler or img2pdf is not installed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from '../tests/helpers/cpu-time.js';
import { scanPdf, scanToolsAvailable } from '../tests/helpers/scans.js';
import { parseReport } from '../src/parse/report.js';

export interface OcrBench {
  ocr_seconds_per_page: number | null;
  ocr_cpu_seconds_per_page: number | null;
  ocr_pages: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export async function benchOcr(): Promise<OcrBench> {
  if (!(await scanToolsAvailable())) return { ocr_seconds_per_page: null, ocr_cpu_seconds_per_page: null, ocr_pages: 0 };
  const dir = await mkdtemp(join(tmpdir(), 'nianbao-bench-ocr-'));
  try {
    const scan = await scanPdf(join(import.meta.dirname, '..', 'snapshots', 'pdf', 'fujian-pingtan-2021.pdf'), dir, { dpi: 300 });
    const bytes = await readFile(scan);
    const cpu0 = cpuSeconds();
    const started = performance.now();
    const report = await parseReport(bytes, { fileName: 'scan.pdf', budget: { timeoutMs: 600_000 }, ocr: 'auto' });
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = cpuSeconds();
    const pages = report.input.ocr?.pages ?? 1;
    return {
      ocr_seconds_per_page: round2(seconds / pages),
      ocr_cpu_seconds_per_page: cpu0 === null || cpu1 === null ? null : round2((cpu1 - cpu0) / pages),
      ocr_pages: pages,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
