/**
 * `npm run eval:ocr`: measures OCR on scanned copies of the corpus PDFs (snapshots/pdf/*.pdf and
 * snapshots/pdf/office/*.pdf). Each PDF is rendered to page images (tests/helpers/scans.ts) at a
 * resolution, optionally turned a degree or two with speckle, and read by OCR either as an
 * image-only PDF (`pdf`) or page by page as PNG files (`png`, the pages' texts read as one report);
 * the result is compared cell by cell with the same PDF read from its text layer. Prints, per file
 * and per variant: cells exact, cells wrong but flagged by a finding, cells wrong and not flagged
 * (silent), the share of wrong cells flagged, and wall and CPU seconds per page (CPU: this process
 * and its Tesseract runs — wall time grows with the machine's load, CPU time does not).
 *
 * `--cache DIR` keeps what Tesseract read by crop (src/decode/ocr-cache.ts): a second run reads from
 * it (its times are then not OCR's). `--texts DIR` writes each OCR'd text there (to see what the
 * text reader was given).
 *
 *   npm run eval:ocr [-- --only NAME] [-- --variants pdf-300,pdf-150,pdf-300-skew,png-150-skew] [-- --verbose] [-- --cache DIR] [-- --texts DIR]
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BudgetMeter, makeBudget } from '../parsers/budget.js';
import { readOcrReport, type OcrReading } from '../parsers/ocr.js';
import { parseTextReport } from '../parsers/report.js';
import type { ParsedReport } from '../parsers/types.js';
import { DecodeError, decodeDocument } from '../src/decode/index.js';
import { parseReport } from '../src/parse/report.js';
import { cpuSeconds } from '../tests/helpers/cpu-time.js';
import { cellValues, compareCells } from '../tests/helpers/ocr-compare.js';
import { scanPages, scanPdf, scanToolsAvailable, type ScanOptions } from '../tests/helpers/scans.js';

interface Variant extends ScanOptions {
  format: 'pdf' | 'png';
}

const VARIANTS: Record<string, Variant> = {
  'pdf-300': { format: 'pdf', dpi: 300 },
  'pdf-150': { format: 'pdf', dpi: 150 },
  'pdf-300-skew': { format: 'pdf', dpi: 300, skewDegrees: 1.5, noise: 0.002 },
  'pdf-150-skew': { format: 'pdf', dpi: 150, skewDegrees: -1, noise: 0.002 },
  'png-300': { format: 'png', dpi: 300 },
  'png-150-skew': { format: 'png', dpi: 150, skewDegrees: 1.5, noise: 0.002 },
};

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    variants: { type: 'string', default: 'pdf-300,pdf-150,pdf-300-skew,png-150-skew' },
    verbose: { type: 'boolean', default: false },
    cache: { type: 'string' },
    texts: { type: 'string' },
  },
});
if (!(await scanToolsAvailable())) {
  console.error('eval:ocr needs tesseract-ocr, tesseract-ocr-chi-sim, poppler-utils and img2pdf (apt-get install …)');
  process.exit(2);
}
const root = join(import.meta.dirname, '..', 'snapshots', 'pdf');
const pdfs = [
  ...(await readdir(root)).filter((f) => f.endsWith('.pdf')).map((f) => join(root, f)),
  ...(await readdir(join(root, 'office'))).filter((f) => f.endsWith('.pdf')).map((f) => join(root, 'office', f)),
].filter((f) => !values.only || f.includes(values.only));
const budget = { timeoutMs: 900_000 };
if (values.texts) await mkdir(values.texts, { recursive: true });

/** The readings of several page images as one, pages in order (as OCR of a PDF puts them). */
function joinReadings(readings: readonly OcrReading[]): OcrReading {
  const lines: string[] = [];
  const out: OcrReading = { text: '', pages: 0, words: 0, meanConfidence: 0, digitWords: [], labelWords: [], skewDegrees: [], rotated: [] };
  let conf = 0;
  for (const r of readings) {
    if (lines.length > 0) lines.push('');
    const offset = lines.length;
    lines.push(...r.text.split('\n'));
    out.digitWords.push(...r.digitWords.map((w) => ({ ...w, line: w.line + offset })));
    out.labelWords!.push(...(r.labelWords ?? []).map((w) => ({ ...w, line: w.line + offset })));
    out.pages += r.pages;
    out.words += r.words;
    conf += r.meanConfidence * r.words;
    out.skewDegrees.push(...r.skewDegrees);
    out.rotated.push(...r.rotated);
  }
  out.text = lines.join('\n');
  out.meanConfidence = out.words === 0 ? 0 : Math.round((conf / out.words) * 10) / 10;
  return out;
}

/** A report read by OCR from its pages as PNG files, one after the other. */
async function parsePngPages(files: readonly string[], name: string, textFile?: string): Promise<ParsedReport> {
  const meter = new BudgetMeter(makeBudget(budget), name);
  const readings: OcrReading[] = [];
  for (const file of files) {
    const decoded = await decodeDocument(await readFile(file), { fileName: file, ocr: 'auto', meter, ocrCacheDir: values.cache }).catch((err: unknown) => {
      // One image without text is a blank page of the set (as OCR of a PDF skips it), not an empty
      // report: the report is refused below only when no page holds any text.
      if (err instanceof DecodeError && err.code === 'NB_PARSE_EMPTY') return null;
      throw err;
    });
    if (decoded?.ocr) readings.push(decoded.ocr);
  }
  if (readings.every((r) => r.text.trim() === '')) throw new Error(`${name}: OCR found no text on any of its ${files.length} page images`);
  const reading = joinReadings(readings);
  if (textFile) await writeFile(textFile, reading.text);
  const read = (text: string) => parseTextReport(text, { kind: 'image', charset: null }, meter);
  return readOcrReport(reading, read);
}

interface Total {
  cells: number;
  exact: number;
  flagged: number;
  silent: number;
  pages: number;
  seconds: number;
  cpu: number;
}

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(2)}`);
const totals: Record<string, Total> = {};
for (const variant of values.variants.split(',')) {
  const opts = VARIANTS[variant];
  if (!opts) throw new Error(`unknown variant ${variant} (one of ${Object.keys(VARIANTS).join(', ')})`);
  const total = (totals[variant] = { cells: 0, exact: 0, flagged: 0, silent: 0, pages: 0, seconds: 0, cpu: 0 });
  for (const pdf of pdfs) {
    const name = pdf.slice(root.length + 1);
    const reference = await parseReport(await readFile(pdf), { fileName: name });
    const dir = await mkdtemp(join(tmpdir(), 'nianbao-eval-ocr-'));
    try {
      const label = `${name} (scan ${variant})`;
      const pngs = opts.format === 'png' ? await scanPages(pdf, dir, opts) : [];
      const scan = opts.format === 'pdf' ? await readFile(await scanPdf(pdf, dir, opts)) : null;
      const cpu0 = cpuSeconds() ?? 0;
      const started = performance.now();
      const textFile = values.texts ? join(values.texts, `${name.replace(/\//g, '-')}.${variant}.txt`) : undefined;
      const report = await (
        scan
          ? parseReport(scan, { fileName: label, budget, ocr: 'auto', ...(values.cache !== undefined && { ocrCacheDir: values.cache }) })
          : parsePngPages(pngs, label, textFile)
      ).catch((err: unknown) => err as Error);
      if (report instanceof Error) {
        // Refused (an error, not a silent misreading): its cells count as not read, and flagged.
        const cells = cellValues(reference).size;
        total.cells += cells;
        total.flagged += cells;
        console.log(`${variant.padEnd(13)} ${name.padEnd(34)} refused: ${report.message}`);
        continue;
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = (cpuSeconds() ?? 0) - cpu0;
      if (scan && textFile) {
        // The text OCR gave the reader (read again: from the cache when there is one).
        const decoded = await decodeDocument(scan, { fileName: label, ocr: 'auto', ...(values.cache !== undefined && { ocrCacheDir: values.cache }) });
        await writeFile(textFile, decoded.text);
      }
      const c = compareCells(reference, report);
      const pages = report.input.ocr?.pages ?? 0;
      Object.assign(total, {
        cells: total.cells + c.cells,
        exact: total.exact + c.exact,
        flagged: total.flagged + c.flagged.length,
        silent: total.silent + c.silent.length,
        pages: total.pages + pages,
        seconds: total.seconds + seconds,
        cpu: total.cpu + cpu,
      });
      console.log(
        `${variant.padEnd(13)} ${name.padEnd(34)} ${c.exact}/${c.cells} exact, ${c.flagged.length} wrong flagged, ${c.silent.length} wrong silent, ` +
          `${c.lowConfidence} low-confidence, ${(seconds / Math.max(pages, 1)).toFixed(1)} s/page, ${(cpu / Math.max(pages, 1)).toFixed(1)} CPU s/page`,
      );
      if (values.verbose || c.silent.length > 0) for (const s of c.silent) console.log(`    silent: ${s}`);
      if (values.verbose) for (const s of c.flagged) console.log(`    flagged: ${s}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
console.log('\nvariant       format  dpi  skew   cells  exact  exact %  wrong flagged  wrong silent  flagged % of wrong  s/page  CPU s/page');
for (const [variant, t] of Object.entries(totals)) {
  const v = VARIANTS[variant]!;
  const wrong = t.flagged + t.silent;
  console.log(
    `${variant.padEnd(13)} ${v.format.padEnd(6)} ${String(v.dpi).padStart(4)}  ${(v.skewDegrees ? `${v.skewDegrees}°` : '0').padStart(4)}  ${String(t.cells).padStart(6)}  ${String(t.exact).padStart(5)}  ${pct(t.exact, t.cells).padStart(7)}  ${String(t.flagged).padStart(13)}  ${String(t.silent).padStart(12)}  ${pct(t.flagged, wrong).padStart(18)}  ${(t.seconds / Math.max(t.pages, 1)).toFixed(1).padStart(6)}  ${(t.cpu / Math.max(t.pages, 1)).toFixed(1).padStart(10)}`,
  );
}
