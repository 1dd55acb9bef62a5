/**
 * OCR speed: a scanned copy of a corpus PDF (its pages rendered at 300 dpi and wrapped as an
 * image-only PDF, tests/helpers/scans.ts) parsed end to end — render, Tesseract, lines, parse —
 * in seconds per page. Goal ≤ 10 s. Null when Tesseract, poppler or img2pdf is not installed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPdf, scanToolsAvailable } from '../tests/helpers/scans.js';
import { parseReport } from '../src/parse/report.js';

export async function benchOcr(): Promise<{ ocr_seconds_per_page: number | null; ocr_pages: number }> {
  if (!(await scanToolsAvailable())) return { ocr_seconds_per_page: null, ocr_pages: 0 };
  const dir = await mkdtemp(join(tmpdir(), 'nianbao-bench-ocr-'));
  try {
    const scan = await scanPdf(join(import.meta.dirname, '..', 'snapshots', 'pdf', 'fujian-pingtan-2021.pdf'), dir, { dpi: 300 });
    const bytes = await readFile(scan);
    const started = performance.now();
    const report = await parseReport(bytes, { fileName: 'scan.pdf', budget: { timeoutMs: 600_000 }, ocr: 'auto' });
    const pages = report.input.ocr?.pages ?? 1;
    return { ocr_seconds_per_page: Math.round(((performance.now() - started) / 1000 / pages) * 100) / 100, ocr_pages: pages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
