/**
 * Scanned reports: image-only PDFs and page images made at run time from a corpus PDF
 * (tests/helpers/scans.ts: pdftoppm, sharp, img2pdf), read by OCR and checked cell by cell against
 * the same PDF read from its text layer. A page or two each, so that CI stays fast; the full
 * measurement is `npm run eval:ocr`. Needs tesseract-ocr, tesseract-ocr-chi-sim, poppler-utils and
 * img2pdf (.ci/run installs them); skipped without them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsedReportSchema } from '../../parsers/schema.js';
import type { ParsedReport } from '../../parsers/types.js';
import { DecodeError } from '../../src/decode/errors.js';
import { parseReport } from '../../src/parse/report.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { compareCells } from '../helpers/ocr-compare.js';
import { scanPages, scanPdf, scanToolsAvailable } from '../helpers/scans.js';

const PDF = join(CORPUS_DIR, '..', 'pdf', 'fujian-pingtan-2021.pdf');
const tools = await scanToolsAvailable();
/** OCR is slow on a shared machine: a page may take tens of seconds under load. */
const SLOW = { timeout: 240_000 };
const budget = { timeoutMs: 200_000 };

describe.skipIf(!tools)('scanned reports (OCR)', () => {
  let dir: string;
  let reference: ParsedReport;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nianbao-ocr-test-'));
    reference = await parseReport(await readFile(PDF), { fileName: 'fujian-pingtan-2021.pdf' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("an image-only PDF (page 2 at 300 dpi): its rows of tables 2 and 3 read exactly, the report says it was OCR'd", SLOW, async () => {
    const scan = await scanPdf(PDF, await mkdtemp(join(dir, 'pdf-')), { dpi: 300, pages: [2] });
    const report = await parseReport(await readFile(scan), { fileName: 'scan.pdf', budget, ocr: 'auto' });
    expect(() => parsedReportSchema.parse(report)).not.toThrow();
    expect(report.input).toMatchObject({ kind: 'pdf', ocr: { pages: 1 } });
    expect(report.issues.find((f) => f.rule === 'report.ocr')?.message).toMatch(/read by OCR \(Tesseract\) from 1 page image/);
    // Page 2 holds table 2 from 第二十条第（五）项 on, and the first row of table 3.
    const onPage = ['licensing', 'punishment', 'coercion'];
    expect(onPage.map((row) => Object.values(report.active?.[row] ?? {}))).toEqual(onPage.map((row) => Object.values(reference.active?.[row] ?? {})));
    expect(report.requests?.['new_received']).toEqual(reference.requests?.['new_received']);
    expect(compareCells(reference, report).exact).toBeGreaterThanOrEqual(10);
    // Refused without OCR, as before.
    const off = await parseReport(await readFile(scan), { fileName: 'scan.pdf', ocr: 'off' }).catch((e: unknown) => e);
    expect((off as DecodeError).code).toBe('NB_PARSE_EMPTY');
  });

  it('a PNG of a page at 150 dpi fed 1.5° askew, with speckle: straightened, the rows of table 2 read exactly', SLOW, async () => {
    const sub = await mkdtemp(join(dir, 'png-'));
    const [png] = await scanPages(PDF, sub, { dpi: 150, pages: [2], skewDegrees: 1.5, noise: 0.002 });
    const report = await parseReport(await readFile(png!), { fileName: 'page-2.png', budget, ocr: 'auto' });
    expect(report.input).toMatchObject({ kind: 'image', charset: null, ocr: { pages: 1 } });
    expect(report.issues.find((f) => f.rule === 'report.ocr')?.message).toMatch(/skew of up to 1\.\d+° straightened/);
    const onPage = ['licensing', 'punishment', 'coercion'];
    expect(onPage.map((row) => Object.values(report.active?.[row] ?? {}))).toEqual(onPage.map((row) => Object.values(reference.active?.[row] ?? {})));
  });
  it('a page made by LibreOffice, as a 150 dpi PNG turned 1.5° with speckle: its lone blurred 0s are read, so table 3 keeps its rows', SLOW, async () => {
    const office = join(CORPUS_DIR, '..', 'pdf', 'office', 'fujian-pingtan-2019.pdf');
    const officeReference = await parseReport(await readFile(office), { fileName: 'fujian-pingtan-2019.pdf' });
    // Pages 1–4 made as the eval makes them (the speckle's seed is the page's place), page 4 read.
    const pngs = await scanPages(office, await mkdtemp(join(dir, 'office-')), { dpi: 150, pages: [1, 2, 3, 4], skewDegrees: 1.5, noise: 0.002 });
    const report = await parseReport(await readFile(pngs[3]!), { fileName: 'page-4.png', budget, ocr: 'auto' });
    // Page 4 holds the first two rows of table 3; a 0 read as nothing cut a row short, one read as 9 broke its sums.
    for (const row of ['new_received', 'carried_over']) expect(report.requests?.[row], row).toEqual(officeReference.requests?.[row]);
    expect(compareCells(officeReference, report).silent).toEqual([]);
  });
});

describe.skipIf(!tools)('scanned pages in a text PDF, and OCR in ingest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nianbao-ocr-mixed-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a PDF whose page 1 has a text layer and whose page 2 is a scan: page 2 is read by OCR, page 1 as it is', SLOW, async () => {
    const run = promisify(execFile);
    const scan = await scanPdf(PDF, await mkdtemp(join(dir, 'scan-')), { dpi: 300, pages: [2] });
    await run('pdfseparate', ['-f', '1', '-l', '1', PDF, join(dir, 'text-%d.pdf')]);
    const mixed = join(dir, 'mixed.pdf');
    await run('pdfunite', [join(dir, 'text-1.pdf'), scan, mixed]);
    const reference = await parseReport(await readFile(PDF), { fileName: 'fujian-pingtan-2021.pdf' });
    const report = await parseReport(await readFile(mixed), { fileName: 'mixed.pdf', budget, ocr: 'auto' });
    expect(report.input).toMatchObject({ kind: 'pdf', ocr: { pages: 1 } });
    // Page 1 (its text layer): the title, the year, the agency; page 2 (OCR): table 2 from 第二十条第（五）项 on.
    expect([report.year, report.agency]).toEqual([reference.year, reference.agency]);
    expect(report.year).toBe(2021);
    const onPage2 = ['licensing', 'punishment', 'coercion'];
    expect(onPage2.map((row) => report.active?.[row])).toEqual(onPage2.map((row) => reference.active?.[row]));
    // Without OCR the scanned page is left out: what page 1 holds is read, nothing is made up.
    const off = await parseReport(await readFile(mixed), { fileName: 'mixed.pdf', ocr: 'off' });
    expect(off.input.ocr).toBeUndefined();
    expect(off.active?.['licensing']).toBeUndefined();
  });

  it('ingest --ocr auto stores a scanned report; by default it is stored as failed (NB_PARSE_EMPTY)', SLOW, async () => {
    const files = await mkdtemp(join(dir, 'files-'));
    await scanPdf(PDF, files, { dpi: 300, pages: [2] });
    const read = async (ocr: 'auto' | 'off' | undefined) => {
      const db = openDatabase(join(await mkdtemp(join(dir, 'db-')), 'nianbao.db'));
      try {
        await ingestPaths(db, [join(files, 'scan.pdf')], { snapshotsDir: join(dir, `snapshots-${ocr}`), budget, ...(ocr ? { ocr } : {}) });
        return db.prepare('SELECT status, error_code FROM reports').get() as { status: string; error_code: string | null };
      } finally {
        db.close();
      }
    };
    expect(await read(undefined)).toEqual({ status: 'failed', error_code: 'NB_PARSE_EMPTY' });
    expect((await read('auto')).status).not.toBe('failed');
  });
});

describe('OCR unavailable', () => {
  it('NB_OCR_UNAVAILABLE names the file and says how to install Tesseract', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAGh0EJQAAAABJRU5ErkJggg==', 'base64');
    const path = process.env['PATH'];
    process.env['PATH'] = join(tmpdir(), 'nianbao-no-such-dir');
    try {
      const err = await parseReport(png, { fileName: 'page.png', ocr: 'auto' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).code).toBe('NB_OCR_UNAVAILABLE');
      expect((err as DecodeError).message).toMatch(
        /^page\.png: is an image and needs OCR, but Tesseract is not installed; install it \(`apt-get install tesseract-ocr tesseract-ocr-chi-sim`\)/,
      );
    } finally {
      process.env['PATH'] = path;
    }
  });
});
