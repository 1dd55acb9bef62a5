/**
 * Scanned copies of the corpus PDFs, made at run time (nothing large is committed): each page
 * rendered to a grey image by poppler's pdftoppm at a resolution, optionally turned a degree or two
 * and sprinkled with noise (sharp), then wrapped as an image-only PDF by img2pdf — a PDF without a
 * text layer, as a scanner writes it. Used by the OCR tests, `npm run eval:ocr` and the benchmark.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ScanOptions {
  /** Resolution of the page images. */
  dpi: number;
  /** Turn of every page, degrees (clockwise), as a page fed askew. @default 0 */
  skewDegrees?: number;
  /** Share of pixels flipped to black or white (speckle of a photocopy). @default 0 */
  noise?: number;
  /** Only these pages (1-based). @default every page */
  pages?: readonly number[];
}

/** Are the programs the fixtures need installed (pdftoppm, img2pdf, tesseract with chi_sim and eng)? */
export async function scanToolsAvailable(): Promise<boolean> {
  try {
    await run('pdftoppm', ['-v']);
    await run('img2pdf', ['--version']);
    const { stdout } = await run('tesseract', ['--list-langs']);
    return /\bchi_sim\b/.test(stdout) && /\beng\b/.test(stdout);
  } catch {
    return false;
  }
}

/** A small deterministic random generator (mulberry32), so that noise is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A page image turned and speckled as `opts` say (PNG, grey). */
export async function degrade(png: Buffer, opts: Pick<ScanOptions, 'dpi' | 'skewDegrees' | 'noise'>, seed = 1): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  // The resolution is kept in the PNG: img2pdf sizes the PDF page by it.
  const density = { density: opts.dpi };
  let image = sharp(png).greyscale();
  if (opts.skewDegrees) image = sharp(await image.rotate(opts.skewDegrees, { background: '#ffffff' }).png().toBuffer()).greyscale();
  if (!opts.noise) return image.withMetadata(density).png().toBuffer();
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const next = random(seed);
  for (let i = 0; i < data.length; i++) if (next() < opts.noise) data[i] = next() < 0.5 ? 0 : 255;
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } })
    .withMetadata(density)
    .png()
    .toBuffer();
}

/** The page images of `pdf` as PNG files in `dir` (`page-N.png`), turned and speckled as asked. */
export async function scanPages(pdf: string, dir: string, opts: ScanOptions): Promise<string[]> {
  const first = opts.pages ? Math.min(...opts.pages) : undefined;
  const last = opts.pages ? Math.max(...opts.pages) : undefined;
  const range = first !== undefined && last !== undefined ? ['-f', String(first), '-l', String(last)] : [];
  await run('pdftoppm', ['-r', String(opts.dpi), '-gray', '-png', ...range, pdf, join(dir, 'page')]);
  const files = (await readdir(dir))
    .filter((f) => /^page-\d+\.png$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
    .filter((f) => !opts.pages || opts.pages.includes(Number(/\d+/.exec(f)![0])))
    .map((f) => join(dir, f));
  if (opts.skewDegrees || opts.noise) {
    for (const [i, file] of files.entries()) await writeFile(file, await degrade(await readFile(file), opts, i + 1));
  }
  return files;
}

/** An image-only PDF (no text layer) of the scanned pages of `pdf`, written to `dir/scan.pdf`. */
export async function scanPdf(pdf: string, dir: string, opts: ScanOptions): Promise<string> {
  const pages = await scanPages(pdf, dir, opts);
  const out = join(dir, 'scan.pdf');
  await run('img2pdf', ['--output', out, ...pages]);
  return out;
}
