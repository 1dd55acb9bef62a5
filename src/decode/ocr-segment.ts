/**
 * Cuts a page image into the pieces of text OCR reads one by one (pure: pixels in, boxes out).
 *
 * Tesseract reading a whole page (one block, `--psm 6`) reads a table row across its cells as one
 * line of text: a two-line label beside a one-line number comes out as glued, half-read text. Here
 * the page is taken apart the way a PDF's text layer is: every run of text standing on its own —
 * a cell, a line of a cell, a line of a paragraph — becomes a segment, and each segment is read as
 * one line of text (`--psm 7`, `ocr-cells.ts`). Put back at their places, the segments go through
 * the line builder of the PDF reader, which then sees what it sees in a PDF.
 *
 * - The page is straightened first (`ocr-skew.ts`).
 * - Glyphs are its connected ink (`ocr-glyphs.ts`); ruling lines (runs of ink longer than a
 *   twentieth of the page) are not glyphs (`glyphInk`).
 * - Glyphs (connected ink) on one line that stand closer than half a text height are one segment;
 *   a sliver of a glyph (the upper stroke of 二) joins the segment it lies in.
 * - Specks (a few pixels of noise) and blots (a seal, a photo: taller than three lines) are left out.
 */
import { glyphParts, heightOf, widthOf, type Box, type Component } from './ocr-glyphs.js';
import type { GreyImage, Rule } from './ocr-ink.js';
import { skewOfParts, straighten } from './ocr-skew.js';

export type { Box } from './ocr-glyphs.js';

/** A run of text to read as one line. */
export interface Segment extends Box {
  /** Pixels of ink. */
  ink: number;
  /** Ids of its glyph parts (`PageLayout.labels`). */
  parts: number[];
}

export interface PageLayout {
  /** The page turned straight (or the page itself when it was straight). */
  image: GreyImage;
  /** Each pixel's glyph part on the straightened page (its id + 1; 0 where no glyph is: blank, ruling lines). */
  labels: Int32Array;
  /** Skew found (and undone), degrees, clockwise. */
  skewDegrees: number;
  /** Typical height of a line of text, pixels. */
  textHeight: number;
  segments: Segment[];
}

/** Glyphs closer than this share of the text height are one segment. */
const JOIN_GAP = 0.5;
/**
 * …but a blank this wide (a space: a quarter em and more, beside the glyphs' own margins) between
 * two glyphs of which one is wide (a Chinese character) parts them: the cells of a table printed
 * without rulings stand a space apart (本年制发件数 本年废止件数, 行政事业性收费 24252.31). Two narrow
 * glyphs (digits: the margins of a "1" are wide) are not parted before {@link JOIN_GAP}.
 */
const CELL_SPACE = 0.33;
/** A glyph narrower than this share of the text height is narrow (a digit, a Latin letter, part of a character). */
const NARROW_GLYPH = 0.7;
/** After a mark (、：，) glyphs closer than this share of the text height are one segment. */
const AFTER_MARK_GAP = 1.1;
/** Parts overlapping across, whose union is no taller than this share of the text height, are one glyph's. */
const STACKED_HEIGHT = 1.15;
/** Glyphs on one line: their spans (at least a text height, centred on the glyph) overlap by this share of the text height. */
const SAME_LINE = 0.5;

/** Union-find over `n` items. */
function unionFind(n: number): { find: (a: number) => number; union: (a: number, b: number) => void } {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  return {
    find,
    union: (a, b) => {
      const [ra, rb] = [find(a), find(b)];
      if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    },
  };
}

/** Groups of `parts` (indices) that `joined` says belong together, among parts sorted by left edge no further apart than `reach`. */
function groupsOf<T extends Box>(parts: readonly T[], reach: number, joined: (a: T, b: T) => boolean): number[][] {
  const order = parts.map((_, i) => i).sort((a, b) => parts[a]!.left - parts[b]!.left);
  const uf = unionFind(parts.length);
  for (let i = 0; i < order.length; i++) {
    const a = parts[order[i]!]!;
    for (let j = i + 1; j < order.length; j++) {
      const b = parts[order[j]!]!;
      if (b.left - a.right > reach) break; // sorted by left: every later part is further
      if (joined(a, b)) uf.union(order[i]!, order[j]!);
    }
  }
  const groups = new Map<number, number[]>();
  parts.forEach((_, i) => {
    const r = uf.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });
  return [...groups.values()];
}

function boxOf(parts: readonly Component[], members: readonly number[]): Segment {
  const first = parts[members[0]!]!;
  const box = { left: first.left, top: first.top, right: first.right, bottom: first.bottom, ink: 0, parts: members.map((i) => parts[i]!.id) };
  for (const i of members) {
    const c = parts[i]!;
    box.left = Math.min(box.left, c.left);
    box.top = Math.min(box.top, c.top);
    box.right = Math.max(box.right, c.right);
    box.bottom = Math.max(box.bottom, c.bottom);
    box.ink += c.ink;
  }
  return box;
}

/**
 * Glyph parts into segments. Parts at least half a text height tall (whole glyphs, digits) on one
 * line closer than {@link JOIN_GAP} text heights are a segment. Smaller parts (strokes, dots,
 * punctuation: their place on the line says little) each join the nearest segment on their line
 * within a text height; those far from any are grouped among themselves side by side on a line.
 */
export function segmentsOf(parts: readonly Component[], textHeight: number, rules: readonly Rule[] = []): Segment[] {
  const h = textHeight;
  // A table's vertical ruling line between two glyphs: they are in different cells, however close.
  const ruledApart = (a: Box, b: Box): boolean => {
    const lo = Math.min(a.right, b.right);
    const hi = Math.max(a.left, b.left);
    if (hi <= lo) return false;
    const mid = (Math.max(a.top, b.top) + Math.min(a.bottom, b.bottom)) / 2;
    return rules.some((r) => r.left > lo && r.right < hi && r.top <= mid && r.bottom >= mid);
  };
  const span = (c: Box): [number, number] => {
    const mid = (c.top + c.bottom) / 2;
    const half = Math.max(heightOf(c), h) / 2;
    return [mid - half, mid + half];
  };
  const sameLine = (a: Box, b: Box): boolean => {
    const [a0, a1] = span(a);
    const [b0, b1] = span(b);
    return Math.min(a1, b1) - Math.max(a0, b0) >= h * SAME_LINE;
  };
  // Parts of one glyph one above the other (the top and foot of 条): their union is no taller than a glyph.
  const stacked = (a: Box, b: Box): boolean =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) >= 0.5 * Math.min(widthOf(a), widthOf(b)) &&
    Math.max(a.bottom, b.bottom) - Math.min(a.top, b.top) <= h * STACKED_HEIGHT;
  const near = (a: Box, b: Box): boolean =>
    b.left - a.right <= h * CELL_SPACE || (b.left - a.right <= h * JOIN_GAP && widthOf(a) <= h * NARROW_GLYPH && widthOf(b) <= h * NARROW_GLYPH);
  const together = (a: Box, b: Box): boolean => ((near(a, b) && sameLine(a, b)) || stacked(a, b)) && !ruledApart(a, b);
  const big = parts.map((c, i) => ({ c, i })).filter(({ c }) => heightOf(c) >= h / 2);
  const small = parts.map((c, i) => ({ c, i })).filter(({ c }) => heightOf(c) < h / 2);
  const bigParts = big.map((p) => p.c);
  const segments = groupsOf(bigParts, h * JOIN_GAP, (a, b) => near(a, b) && sameLine(a, b) && !ruledApart(a, b)).map((g) =>
    boxOf(
      parts,
      g.map((k) => big[k]!.i),
    ),
  );
  // Each small part joins the nearest segment on its line (the stroke under 查 the line of 查, not
  // the stroke over the next line's glyph, a fifth of a line below); a segment that grew may reach
  // further parts (the upper stroke of 二 once its lower stroke and 、 have joined), so a few rounds.
  let loose = small.map(({ c }) => ({ ...c, parts: [c.id] }) as Segment);
  for (let round = 0; round < 3 && loose.length > 0; round++) {
    const left: Segment[] = [];
    for (const g of loose) {
      const mid = (g.top + g.bottom) / 2;
      let home: Segment | undefined;
      let best = Infinity;
      for (const s of segments) {
        const gapX = Math.max(s.left - g.right, g.left - s.right, 0);
        if (gapX > h || ruledApart(g, s)) continue;
        const dy = mid < s.top ? s.top - mid : mid > s.bottom ? mid - s.bottom : 0;
        if (dy > h * 0.35) continue;
        // A segment does not grow taller than a line and a half.
        if (Math.max(s.bottom, g.bottom) - Math.min(s.top, g.top) > Math.max(h * 1.5, heightOf(s))) continue;
        const d = dy + gapX / 4;
        if (d < best) {
          best = d;
          home = s;
        }
      }
      if (!home) {
        left.push(g);
        continue;
      }
      home.left = Math.min(home.left, g.left);
      home.top = Math.min(home.top, g.top);
      home.right = Math.max(home.right, g.right);
      home.bottom = Math.max(home.bottom, g.bottom);
      home.ink += g.ink;
      home.parts.push(...g.parts);
    }
    if (left.length === loose.length) break;
    loose = left;
  }
  // Small parts far from any segment (a lone 一、, a dash) make segments of their own.
  const alone = groupsOf(loose, h * JOIN_GAP, together).map((g) => unionOf(loose, g));
  // Glyphs whose small parts joined a segment now stand close to it (亻 beside the strokes of 言): once more.
  // A segment that ends in a mark (、：，: a small part at its right end) stands apart from what follows
  // by the blank of the mark's square: up to {@link AFTER_MARK_GAP} text heights joins, so that
  // 其中：1、政府网站公开数 is read as one line and not as three (a lone "1、" is read as 工、).
  const byId = new Map(parts.map((c) => [c.id, c]));
  const endsInMark = new Set(
    segments.filter((s) => {
      const last = s.parts.map((id) => byId.get(id)!).reduce((a, b) => (b.right > a.right ? b : a));
      return heightOf(last) < h / 2 && widthOf(last) < h * 0.6 && last.top > s.top + h / 4;
    }),
  );
  const close = (a: Segment, b: Segment): boolean =>
    together(a, b) || (endsInMark.has(a) && b.left > a.right && b.left - a.right <= h * AFTER_MARK_GAP && sameLine(a, b) && !ruledApart(a, b));
  const merged = groupsOf(segments, h * AFTER_MARK_GAP, close).map((g) => unionOf(segments, g));
  merged.push(...alone);
  // Too little ink to be a glyph: what is left of specks.
  const minInk = Math.max(12, (h * h) / 40);
  return merged.filter((s) => s.ink >= minInk).sort((a, b) => a.top - b.top || a.left - b.left);
}

/** The page's layout: straightened, its glyphs, its segments. */
export function layoutOf(img: GreyImage): PageLayout {
  let image = img;
  let glyphs = glyphParts(image);
  const skewDegrees = skewOfParts(glyphs.parts, glyphs.textHeight);
  if (skewDegrees !== 0) {
    image = straighten(img, skewDegrees);
    glyphs = glyphParts(image);
  }
  return { image, labels: glyphs.labels, skewDegrees, textHeight: glyphs.textHeight, segments: segmentsOf(glyphs.parts, glyphs.textHeight, glyphs.rules) };
}

/** One segment covering the segments `group` picks out of `segments`: their box, glyph parts and ink. */
function unionOf(segments: readonly Segment[], group: readonly number[]): Segment {
  const box = { ...segments[group[0]!]!, parts: [] as number[], ink: 0 };
  for (const i of group) {
    const m = segments[i]!;
    box.left = Math.min(box.left, m.left);
    box.top = Math.min(box.top, m.top);
    box.right = Math.max(box.right, m.right);
    box.bottom = Math.max(box.bottom, m.bottom);
    box.parts.push(...m.parts);
    box.ink += m.ink;
  }
  return box;
}
