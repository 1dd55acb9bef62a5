/**
 * The connected ink of a page image (pure: pixels in, boxes out): its glyph parts, each pixel's
 * part, and the typical height of a line of text. Ruling lines are not glyphs (`glyphInk`); specks
 * (a few pixels of noise) and blots (a seal, a photo: taller and wider than three lines) are left out.
 */
import { inkAndRules, type GreyImage, type Rule } from './ocr-ink.js';

/** A box on the page, pixels, y downwards. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Component extends Box {
  ink: number;
  /** Its number in {@link Glyphs.labels}. */
  id: number;
}

/** Connected ink of a page: its parts, and each pixel's part (its id + 1; 0 where there is no ink). */
export interface Glyphs {
  parts: Component[];
  labels: Int32Array;
}

/** Connected ink (8-neighbours), by runs: the boxes and ink counts of the glyph parts. */
export function components(ink: Uint8Array, width: number, height: number): Glyphs {
  const parent: number[] = [];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  const runStart: number[] = [];
  const runEnd: number[] = [];
  const runRow: number[] = [];
  let prevFirst = 0;
  let prevLast = 0;
  for (let y = 0; y < height; y++) {
    const first = runStart.length;
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (!ink[row + x]) {
        x++;
        continue;
      }
      const s = x;
      while (x < width && ink[row + x]) x++;
      const id = runStart.length;
      runStart.push(s);
      runEnd.push(x); // exclusive
      runRow.push(y);
      parent.push(id);
      // Runs of the row above touching this one (8-neighbours: one pixel diagonal counts).
      for (let p = prevFirst; p < prevLast; p++) {
        if (runEnd[p]! < s) continue;
        if (runStart[p]! > x) break;
        const a = find(p);
        const b = find(id);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    prevFirst = first;
    prevLast = runStart.length;
  }
  const byRoot = new Map<number, Component>();
  const parts: Component[] = [];
  const runPart = new Int32Array(runStart.length);
  for (let i = 0; i < runStart.length; i++) {
    const r = find(i);
    const c = byRoot.get(r);
    const [l, rr, y] = [runStart[i]!, runEnd[i]! - 1, runRow[i]!];
    if (!c) {
      const part = { left: l, right: rr, top: y, bottom: y, ink: rr - l + 1, id: parts.length };
      byRoot.set(r, part);
      parts.push(part);
      runPart[i] = part.id;
    } else {
      c.left = Math.min(c.left, l);
      c.right = Math.max(c.right, rr);
      c.bottom = Math.max(c.bottom, y);
      c.ink += rr - l + 1;
      runPart[i] = c.id;
    }
  }
  const labels = new Int32Array(width * height);
  for (let i = 0; i < runStart.length; i++) labels.fill(runPart[i]! + 1, runRow[i]! * width + runStart[i]!, runRow[i]! * width + runEnd[i]!);
  return { parts, labels };
}

export const heightOf = (b: Box): number => b.bottom - b.top + 1;
export const widthOf = (b: Box): number => b.right - b.left + 1;

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** Typical text height: the height most glyph parts that are not strokes or dots reach. */
function textHeightOf(parts: readonly Component[]): number {
  const tall = parts.filter((c) => c.ink >= 12 && heightOf(c) >= 6).map(heightOf);
  const top = percentile(tall, 0.9);
  // Parts at least half as tall as the tallest common ones: whole glyphs. Their upper quartile is a glyph's full height.
  return Math.max(
    8,
    percentile(
      tall.filter((h) => h >= top / 2),
      0.75,
    ),
  );
}

/** Parts that are neither specks nor blots, and the page's vertical ruling lines. */
export function glyphParts(img: GreyImage): { parts: Component[]; labels: Int32Array; textHeight: number; rules: Rule[] } {
  const { ink, rules } = inkAndRules(img);
  const { parts: all, labels } = components(ink, img.width, img.height);
  const noSpecks = all.filter((c) => c.ink > 5);
  const textHeight = textHeightOf(noSpecks);
  const parts = noSpecks.filter((c) => heightOf(c) <= textHeight * 3 || widthOf(c) <= textHeight * 3);
  return { parts, labels, textHeight, rules };
}
