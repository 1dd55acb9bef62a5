/**
 * The skew of a page image and its undoing (pure): the skew is the angle at which the centres of
 * its glyphs line up best (the sharpest horizontal projection), and the grey image is turned back by it.
 */
import { heightOf, type Component } from './ocr-glyphs.js';
import type { GreyImage } from './ocr-ink.js';

/** Skews searched: ±this many degrees. */
const MAX_SKEW_DEGREES = 4;
/** …in steps of this. */
const SKEW_STEP = 0.05;
/** Skew below this is left alone. */
const MIN_SKEW_DEGREES = 0.1;

/** How sharply the centres of `points` line up at `deg` degrees: the sum of squares of their projection in bins of `bin` pixels. */
function lineUpScore(points: readonly Component[], deg: number, bin: number): number {
  const t = Math.tan((deg * Math.PI) / 180);
  const hist = new Map<number, number>();
  for (const c of points) {
    const k = Math.floor(((c.top + c.bottom) / 2 - t * ((c.left + c.right) / 2)) / bin);
    hist.set(k, (hist.get(k) ?? 0) + 1);
  }
  let score = 0;
  for (const n of hist.values()) score += n * n;
  return score;
}

/**
 * The skew (degrees, clockwise) at which the centres of `parts` line up best; 0 when none is clear.
 * Searched in steps of {@link SKEW_STEP} with bins of a quarter text height, then to a hundredth of a
 * degree around the best with bins of an eighth (a tenth of a degree off is 3 pixels over a table's
 * width: enough to move a number centred between two label lines onto one of them).
 */
export function skewOfParts(parts: readonly Component[], textHeight: number): number {
  const points = parts.filter((c) => heightOf(c) >= textHeight / 3 && heightOf(c) <= textHeight * 1.5);
  if (points.length < 20) return 0;
  const coarse = Math.max(2, textHeight / 4);
  let best = 0;
  let bestScore = -1;
  for (let deg = -MAX_SKEW_DEGREES; deg <= MAX_SKEW_DEGREES + 1e-9; deg += SKEW_STEP) {
    const score = lineUpScore(points, deg, coarse);
    if (score > bestScore) {
      bestScore = score;
      best = deg;
    }
  }
  // A page without clear lines scores alike at every angle: leave it.
  if (bestScore < lineUpScore(points, 0, coarse) * 1.05) return 0;
  const fine = Math.max(1, textHeight / 8);
  let refined = best;
  let refinedScore = -1;
  for (let deg = best - 2 * SKEW_STEP; deg <= best + 2 * SKEW_STEP + 1e-9; deg += 0.01) {
    const score = lineUpScore(points, deg, fine);
    if (score > refinedScore) {
      refinedScore = score;
      refined = deg;
    }
  }
  return Math.abs(refined) < MIN_SKEW_DEGREES ? 0 : Math.round(refined * 100) / 100;
}

/** The grey image turned by `degrees` counter to its skew (bilinear), blank corners white. */
export function straighten(img: GreyImage, skewDegrees: number): GreyImage {
  const { width: w, height: h, data } = img;
  const a = (skewDegrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  const [cx, cy] = [w / 2, h / 2];
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      // The straight page's pixel (x, y) was at this place on the skewed page.
      const sx = cx + dx * cos - dy * sin;
      const sy = cy + dx * sin + dy * cos;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= h - 1) {
        out[y * w + x] = 255;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * w + x0;
      const top = data[i]! * (1 - fx) + data[i + 1]! * fx;
      const bottom = data[i + w]! * (1 - fx) + data[i + w + 1]! * fx;
      out[y * w + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width: w, height: h, data: out };
}
