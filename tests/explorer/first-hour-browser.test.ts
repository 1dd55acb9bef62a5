/**
 * Issue 15 in a real Chromium (Debian's; NIANBAO_CHROMIUM or /usr/bin/chromium) on a machine
 * without a system CJK font: Chinese text is drawn with real glyphs from the font the explorer
 * ships (a screenshot is cut into one cell per character and the cells compared: tofu boxes, or
 * nothing, all look alike; glyphs do not), and the charts are publication-grade (legend without
 * placeholders, the unit written level, whole years, rankings as horizontal bars with the names)
 * and download as PNG and SVG. Skipped, with the reason logged, when no Chromium is found.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import { openDatabase } from '../../src/store/db.js';
import { buildTestDb, type TestDb } from './helpers.js';

const executablePath = [process.env['NIANBAO_CHROMIUM'], '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
if (!executablePath) console.warn('tests/explorer/first-hour-browser.test.ts skipped: no Chromium (set NIANBAO_CHROMIUM or install /usr/bin/chromium)');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Does fontconfig know a font for Chinese? (Then the no-font control below proves nothing.) */
const systemCjkFont = ((): boolean => {
  const r = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
})();

interface Box {
  ch: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Screenshots the text of `selector` and describes each character's cell by its ink: the share of
 * dark pixels in each of 4×4 parts of the cell. Runs the pixel work in a blank page's canvas.
 */
async function glyphCells(page: Page, blank: Page, selector: string): Promise<{ ch: string; ink: number; grid: number[] }[]> {
  await page.evaluate('document.fonts.ready.then(() => true)');
  const boxes = (await page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const doc = (
        el as unknown as {
          ownerDocument: {
            createRange(): {
              setStart(n: unknown, o: number): void;
              setEnd(n: unknown, o: number): void;
              getBoundingClientRect(): { x: number; y: number; width: number; height: number };
            };
          };
        }
      ).ownerDocument;
      const node = (el as unknown as { firstChild: { data: string } }).firstChild;
      const out: { ch: string; x: number; y: number; w: number; h: number }[] = [];
      for (let i = 0; i < node.data.length; i++) {
        const r = doc.createRange();
        r.setStart(node, i);
        r.setEnd(node, i + 1);
        const b = r.getBoundingClientRect();
        if (node.data[i]!.trim()) out.push({ ch: node.data[i]!, x: b.x, y: b.y, w: b.width, h: b.height });
      }
      return out;
    })) as Box[];
  expect(boxes.length).toBeGreaterThan(3);
  const clip = {
    x: Math.floor(Math.min(...boxes.map((b) => b.x))),
    y: Math.floor(Math.min(...boxes.map((b) => b.y))),
    width: Math.ceil(Math.max(...boxes.map((b) => b.x + b.w)) - Math.min(...boxes.map((b) => b.x))) + 1,
    height: Math.ceil(Math.max(...boxes.map((b) => b.y + b.h)) - Math.min(...boxes.map((b) => b.y))) + 1,
  };
  const png = (await page.screenshot({ clip })).toString('base64');
  const cells = (await blank.evaluate(
    `(async ({ png, boxes, clip }) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + png;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const k = img.width / clip.width;
      return boxes.map((b) => {
        const x0 = Math.round((b.x - clip.x) * k), y0 = Math.round((b.y - clip.y) * k);
        const w = Math.max(1, Math.round(b.w * k)), h = Math.max(1, Math.round(b.h * k));
        const d = g.getImageData(x0, y0, w, h).data;
        const grid = new Array(16).fill(0), count = new Array(16).fill(0);
        let ink = 0;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          const i = (y * w + x) * 4;
          const dark = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2] < 140 ? 1 : 0;
          const cell = Math.min(3, Math.floor((4 * y) / h)) * 4 + Math.min(3, Math.floor((4 * x) / w));
          grid[cell] += dark; count[cell]++; ink += dark;
        }
        return { ch: b.ch, ink: ink / (w * h), grid: grid.map((v, j) => v / Math.max(1, count[j])) };
      });
    })(${JSON.stringify({ png, boxes, clip })})`,
  )) as { ch: string; ink: number; grid: number[] }[];
  return cells;
}

/** Are these real glyphs? Every character has ink, and different characters differ (mean L1 distance of their grids). */
function glyphVerdict(cells: { ch: string; ink: number; grid: number[] }[]): { inked: boolean; distinct: number } {
  const dist: number[] = [];
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      if (cells[i]!.ch === cells[j]!.ch) continue;
      dist.push(cells[i]!.grid.reduce((s, v, k) => s + Math.abs(v - cells[j]!.grid[k]!), 0));
    }
  }
  return { inked: cells.every((c) => c.ink > 0.02), distinct: dist.length ? Math.min(...dist) : 0 };
}

/** Width and height from a PNG's IHDR. */
function pngSize(b: Buffer): { width: number; height: number } {
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe.skipIf(!executablePath)('issue 15 in Chromium', () => {
  let t: TestDb;
  let server: RunningExplorer;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let agencyPath: string;
  const problems: string[] = [];

  const watch = (page: Page, label: string): Page => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${label}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${label}: ${e.message}`));
    return page;
  };

  beforeAll(async () => {
    t = await buildTestDb();
    server = await startExplorer({ dbFile: t.dbFile, port: 0 });
    base = server.url.replace(/\/$/, '');
    const db = openDatabase(t.dbFile, { readonly: true });
    agencyPath = `/agency/${db.prepare("SELECT id FROM agencies WHERE name = '平潭综合实验区'").pluck().get() as number}`;
    db.close();
    browser = await chromium.launch({ executablePath: executablePath!, args: ARGS });
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  it('draws Chinese text with real glyphs from the font the explorer serves', async () => {
    const blank = await context.newPage();
    await blank.setContent('<!doctype html><title>pixels</title>');
    const fontRequests: string[] = [];
    const page = watch(await context.newPage(), 'font');
    page.on('response', (r) => {
      if (r.url().endsWith('.woff2')) fontRequests.push(`${r.status()} ${new URL(r.url()).host}`);
    });
    await page.goto(base + agencyPath);
    expect(await page.locator('#agency-name').textContent()).toBe('平潭综合实验区');
    const withFont = glyphVerdict(await glyphCells(page, blank, '#agency-name'));
    expect(withFont.inked).toBe(true);
    expect(withFont.distinct).toBeGreaterThan(0.5);
    // The slices came from the explorer itself.
    expect(fontRequests.length).toBeGreaterThan(0);
    for (const r of fontRequests) expect(r).toBe(`200 ${new URL(base).host}`);
    // A heading in another size and weight, and table text.
    expect(glyphVerdict(await glyphCells(page, blank, 'h2')).distinct).toBeGreaterThan(0.5);

    // Control: the same page with the font files refused renders no glyph on this machine (tofu or nothing).
    const bare = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
    await bare.route('**/*.woff2', (r) => r.abort());
    const without = await bare.newPage();
    await without.goto(base + agencyPath);
    const tofu = glyphVerdict(await glyphCells(without, blank, '#agency-name'));
    if (systemCjkFont) console.warn('first-hour-browser: fontconfig lists a CJK font, so the no-font control shows glyphs too', tofu);
    else expect(tofu.inked && tofu.distinct > 0.5, JSON.stringify(tofu)).toBe(false);
    await bare.close();
    await page.close();
    await blank.close();
  });

  it('draws publication-grade charts on the agency page: legend without placeholders, the unit level, downloads as PNG and SVG', async () => {
    const page = watch(await context.newPage(), 'agency charts');
    await page.goto(base + agencyPath);
    await page.waitForSelector('.chart[data-drawn="1"] canvas');
    const charts = page.locator('.chart[data-drawn="1"]');
    expect(await charts.count()).toBe(3);
    const first = charts.first();
    // Legend: the series' names, no x entry ("year"), no live values ("--", empty boxes).
    const legend = (await first.locator('.u-legend').textContent()) ?? '';
    expect(legend).not.toContain('--');
    expect(legend).not.toMatch(/year/);
    expect(await page.locator('.chart .u-legend .u-value').count()).toBe(0);
    expect(await first.locator('.u-legend .u-series').allTextContents()).toEqual([
      '本年新收 received',
      '予以公开 granted',
      '部分公开 partially',
      '不予公开 denied',
      '无法提供 unavailable',
      '不予处理 rejected',
    ]);
    // The unit, written level above the plot (not a rotated axis title).
    expect(await first.locator('.chart-unit').textContent()).toBe('Unit: 件 (cases)');
    expect(
      await first
        .locator('.chart-unit')
        .evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { transform: string } }).getComputedStyle(el).transform),
    ).toBe('none');

    // SVG: the title, the unit, whole years spaced apart, the legend.
    const [svgDl] = await Promise.all([page.waitForEvent('download'), first.locator('button[data-download="svg"]').click()]);
    expect(svgDl.suggestedFilename()).toMatch(/^nianbao-agency-\d+-requests\.svg$/);
    const svg = readFileSync((await svgDl.path())!, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('>Requests received and their outcomes 申请与办理结果</text>');
    expect(svg).toContain('>Unit: 件 (cases)</text>');
    expect(svg).not.toContain('--');
    expect(svg).not.toContain('rotate(');
    for (const l of ['本年新收 received', '不予处理 rejected']) expect(svg).toContain(`>${l}</text>`);
    const ticks = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">(\d{4})<\/text>/g)].map((m) => ({
      x: Number(m[1]),
      year: Number(m[2]),
    }));
    expect(ticks.map((k) => k.year)).toEqual([2016, 2017, 2019, 2021, 2023, 2025]);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.x - ticks[i - 1]!.x).toBeGreaterThan(40);

    // PNG: the drawn chart with title, unit and legend, at the screen's resolution.
    const [pngDl] = await Promise.all([page.waitForEvent('download'), first.locator('button[data-download="png"]').click()]);
    expect(pngDl.suggestedFilename()).toMatch(/^nianbao-agency-\d+-requests\.png$/);
    const png = readFileSync((await pngDl.path())!);
    const size = pngSize(png);
    const canvas = await first.locator('canvas').boundingBox();
    expect(size.width).toBe(Math.round(canvas!.width * 2));
    expect(size.height).toBeGreaterThan(canvas!.height * 2);
    expect(png.length).toBeGreaterThan(10_000);
    await page.close();
  });

  it('ranks as horizontal bars with the agency names, first row on top, and downloads them', async () => {
    const page = watch(await context.newPage(), 'compare chart');
    await page.goto(`${base}/compare?measure=new_received&year=2021`);
    await page.waitForSelector('.chart[data-drawn="1"] canvas');
    const shown = (await page.locator('#rank tbody tr td:nth-child(2)').allTextContents()).map((s) => s.trim());
    const [svgDl] = await Promise.all([page.waitForEvent('download'), page.locator('.chart button[data-download="svg"]').click()]);
    const svg = readFileSync((await svgDl.path())!, 'utf8');
    expect(svg).not.toContain('rotate(');
    const names = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="end">([^<]+)<\/text>/g)].map((m) => ({ y: Number(m[1]), name: m[2]! }));
    expect(names.sort((a, b) => a.y - b.y).map((n) => n.name)).toEqual(shown);
    expect(svg.match(/<rect [^>]*fill="#0b5cad"><title>/g)?.length).toBe(shown.length);
    const [pngDl] = await Promise.all([page.waitForEvent('download'), page.locator('.chart button[data-download="png"]').click()]);
    expect(pngSize(readFileSync((await pngDl.path())!)).width).toBeGreaterThan(600);
    // The every-year view: a legend of agencies, no placeholder.
    await page.goto(`${base}/compare?measure=new_received&year=all`);
    await page.waitForSelector('.chart[data-drawn="1"] canvas');
    const legend = await page.locator('.chart .u-legend').textContent();
    expect(legend).toContain('平潭综合实验区');
    expect(legend).not.toContain('--');
    await page.close();
  });

  it('logged no console error or CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
