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
import { inkAndRules, type GreyImage } from '../../src/decode/ocr-ink.js';
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

  it('cells a space apart without rulings are segments of their own; a table ruling parts the glyphs on either side of it', async () => {
    // Chromium prints table 2 without rulings: 本年制发件数 本年废止件数 现行有效件数 a space apart.
    const [chromium] = await scanPages(join(CORPUS_DIR, '..', 'pdf', 'fujian-pingtan-2021.pdf'), dir, { dpi: 300, pages: [2] });
    const layout = layoutOf(await grey(await readFile(chromium!)));
    const h = layout.textHeight;
    const first = layout.segments.filter((s) => Math.abs(s.top - layout.segments[0]!.top) < h / 2);
    // The page's first line: 信息内容 and the three column labels, each a segment (six characters: about 6 text heights wide).
    expect(first).toHaveLength(4);
    for (const s of first.slice(1)) expect((s.right - s.left) / h).toBeGreaterThan(5);
  });

  it('a vertical ruling between two glyphs parts them, however close they stand', () => {
    // Two narrow glyphs 12 pixels apart (0.4 text heights: close enough to be one segment), with and
    // without a table's ruling between them.
    const page = (ruled: boolean): GreyImage => {
      const [width, height] = [1000, 200];
      const data = new Uint8Array(width * height).fill(255);
      const fill = (x0: number, x1: number, y0: number, y1: number) => {
        for (let y = y0; y <= y1; y++) data.fill(0, y * width + x0, y * width + x1 + 1);
      };
      fill(175, 194, 80, 109);
      fill(206, 225, 80, 109);
      if (ruled) fill(199, 200, 10, 190);
      return { width, height, data };
    };
    expect(layoutOf(page(false)).segments).toHaveLength(1);
    const { rules } = inkAndRules(page(true));
    expect(rules).toEqual([{ left: 199, right: 200, top: 10, bottom: 190 }]);
    expect(layoutOf(page(true)).segments.map((s) => [s.left, s.right])).toEqual([
      [175, 194],
      [206, 225],
    ]);
  });
});
