/**
 * Page images cut into segments (src/decode/ocr-segment.ts) — pixels only, no Tesseract: a page of
 * a corpus PDF rendered by pdftoppm (straight, and turned 1.5° with speckle as a scanner feeds it).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GreyImage } from '../../src/decode/ocr-ink.js';
import { layoutOf } from '../../src/decode/ocr-segment.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { degrade, scanPages } from '../helpers/scans.js';

const PDF = join(CORPUS_DIR, '..', 'pdf', 'office', 'fujian-pingtan-2021.pdf');
const hasPoppler = await promisify(execFile)('pdftoppm', ['-v']).then(
  () => true,
  () => false,
);

async function grey(png: Buffer): Promise<GreyImage> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe.skipIf(!hasPoppler)('page segments', () => {
  let dir: string;
  let page: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nianbao-segments-'));
    const [png] = await scanPages(PDF, dir, { dpi: 300, pages: [2] });
    page = await readFile(png!);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a straight page: no skew, every segment one line high, a label and its number apart', async () => {
    const layout = layoutOf(await grey(page));
    expect(layout.skewDegrees).toBe(0);
    // 10.5 pt text at 300 dpi: glyphs about 40–50 pixels high.
    expect(layout.textHeight).toBeGreaterThan(35);
    expect(layout.textHeight).toBeLessThan(55);
    for (const s of layout.segments) expect(s.bottom - s.top).toBeLessThan(layout.textHeight * 1.6);
    // Row 一、本年新收… of table 3 holds 7 numbers beside a two-line label: on the line of the
    // numbers, 7 segments right of the label's column, none of them taller than a line.
    const lines = new Map<number, number>();
    for (const s of layout.segments) {
      const key = Math.round((s.top + s.bottom) / 2 / (layout.textHeight / 2));
      lines.set(key, (lines.get(key) ?? 0) + 1);
    }
    expect(Math.max(...lines.values())).toBeGreaterThanOrEqual(7);
  });

  it('a page fed 1.5° askew, with speckle: the skew is found and undone, the same segments come out', async () => {
    const straight = layoutOf(await grey(page));
    const skewed = layoutOf(await grey(await degrade(page, { dpi: 300, skewDegrees: 1.5, noise: 0.002 })));
    expect(Math.abs(Math.abs(skewed.skewDegrees) - 1.5)).toBeLessThanOrEqual(0.15);
    expect(Math.abs(skewed.segments.length - straight.segments.length)).toBeLessThanOrEqual(straight.segments.length * 0.1);
    for (const s of skewed.segments) expect(s.bottom - s.top).toBeLessThan(skewed.textHeight * 1.6);
  });
});
