/**
 * `npm run eval:ocr`: measures OCR on scanned copies of the corpus PDFs (snapshots/pdf/*.pdf and
 * snapshots/pdf/office/*.pdf). Each PDF is rendered to page images at 300 and 150 dpi (and at
 * 300 dpi turned 1.5° with speckle), wrapped as an image-only PDF, parsed, and compared cell by
 * cell with the same PDF read from its text layer. Prints, per variant: cells exact, cells wrong
 * but flagged by a finding, cells wrong and not flagged (silent), and seconds per page.
 *
 *   npm run eval:ocr [-- --only NAME] [-- --variants 300,150,300-skew]
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseReport } from '../src/parse/report.js';
import { cellValues, compareCells } from '../tests/helpers/ocr-compare.js';
import { scanPdf, scanToolsAvailable, type ScanOptions } from '../tests/helpers/scans.js';

const VARIANTS: Record<string, ScanOptions> = {
  '300': { dpi: 300 },
  '150': { dpi: 150 },
  '300-skew': { dpi: 300, skewDegrees: 1.5, noise: 0.002 },
  '150-skew': { dpi: 150, skewDegrees: -1, noise: 0.002 },
};

const { values } = parseArgs({
  options: { only: { type: 'string' }, variants: { type: 'string', default: '300,150,300-skew' }, verbose: { type: 'boolean', default: false } },
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

const totals: Record<string, { cells: number; exact: number; flagged: number; silent: number; pages: number; seconds: number }> = {};
for (const variant of values.variants.split(',')) {
  const opts = VARIANTS[variant];
  if (!opts) throw new Error(`unknown variant ${variant} (one of ${Object.keys(VARIANTS).join(', ')})`);
  const total = (totals[variant] = { cells: 0, exact: 0, flagged: 0, silent: 0, pages: 0, seconds: 0 });
  for (const pdf of pdfs) {
    const name = pdf.slice(root.length + 1);
    const reference = await parseReport(await readFile(pdf), { fileName: name });
    const dir = await mkdtemp(join(tmpdir(), 'nianbao-eval-ocr-'));
    try {
      const scan = await scanPdf(pdf, dir, opts);
      const started = performance.now();
      const report = await parseReport(await readFile(scan), { fileName: `${name} (scan ${variant})`, budget: { timeoutMs: 900_000 }, ocr: 'auto' }).catch(
        (err: unknown) => err as Error,
      );
      if (report instanceof Error) {
        // Refused (an error, not a silent misreading): its cells count as not read.
        total.cells += cellValues(reference).size;
        console.log(`${variant.padEnd(9)} ${name.padEnd(34)} refused: ${report.message}`);
        continue;
      }
      const seconds = (performance.now() - started) / 1000;
      const c = compareCells(reference, report);
      const pages = report.input.ocr?.pages ?? 0;
      Object.assign(total, {
        cells: total.cells + c.cells,
        exact: total.exact + c.exact,
        flagged: total.flagged + c.flagged.length,
        silent: total.silent + c.silent.length,
        pages: total.pages + pages,
        seconds: total.seconds + seconds,
      });
      console.log(
        `${variant.padEnd(9)} ${name.padEnd(34)} ${c.exact}/${c.cells} exact, ${c.flagged.length} wrong flagged, ${c.silent.length} wrong silent, ` +
          `${c.lowConfidence} low-confidence, ${(seconds / Math.max(pages, 1)).toFixed(1)} s/page`,
      );
      if (values.verbose || c.silent.length > 0) for (const s of c.silent) console.log(`    silent: ${s}`);
      if (values.verbose) for (const s of c.flagged) console.log(`    flagged: ${s}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
console.log('\nvariant   cells  exact   exact %  wrong flagged  wrong silent  s/page');
for (const [variant, t] of Object.entries(totals)) {
  console.log(
    `${variant.padEnd(9)} ${String(t.cells).padStart(5)}  ${String(t.exact).padStart(5)}  ${((100 * t.exact) / Math.max(t.cells, 1)).toFixed(2).padStart(7)}  ${String(t.flagged).padStart(13)}  ${String(t.silent).padStart(12)}  ${(t.seconds / Math.max(t.pages, 1)).toFixed(1).padStart(6)}`,
  );
}
