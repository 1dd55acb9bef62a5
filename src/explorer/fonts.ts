/**
 * The CJK font the explorer ships and serves itself (no CDN, no system font needed): Noto Sans SC,
 * regular weight, as the unicode-range slices of @fontsource/noto-sans-sc 5.3.0 that hold CJK
 * ideographs, CJK punctuation or full-width forms (87 WOFF2 files, 2.3 MB in all, 12,258
 * ideographs; SIL Open Font License, fonts/OFL.txt). A browser fetches only the slices whose
 * characters a page uses. The @font-face rules name the family "nianbao Noto Sans SC" and come
 * first in the page's font stack, limited by unicode-range to these characters, so Chinese text
 * renders the same on every machine while Latin text keeps the system font.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The font-family name the style sheet uses. */
export const CJK_FAMILY = 'nianbao Noto Sans SC';

/** The folder of the font files: beside this module in src/, or src/explorer/fonts from dist/. */
export function fontsDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [join(here, 'fonts'), join(here, '..', '..', '..', 'src', 'explorer', 'fonts')]) {
    if (existsSync(join(d, 'ranges.json'))) return d;
  }
  return null;
}

interface Slice {
  file: string;
  range: string;
}

export interface FontAssets {
  /** @font-face rules, one per slice, pointing at /assets/<file>. */
  css: string;
  /** File name → bytes. */
  files: Map<string, Buffer>;
}

/** Reads the slices (once, at start); an install without the folder serves no font (and says so in the CSS). */
export function loadFontAssets(): FontAssets {
  const dir = fontsDir();
  if (!dir) return { css: '/* nianbao: the CJK font files were not found */\n', files: new Map() };
  const slices = JSON.parse(readFileSync(join(dir, 'ranges.json'), 'utf8')) as Slice[];
  const present = new Set(readdirSync(dir));
  const files = new Map<string, Buffer>();
  const rules: string[] = [];
  for (const s of slices) {
    if (!/^[\w.-]+\.woff2$/.test(s.file) || !present.has(s.file) || !/^[U+0-9a-fA-F,\s-]+$/.test(s.range)) continue;
    files.set(s.file, readFileSync(join(dir, s.file)));
    rules.push(
      `@font-face{font-family:"${CJK_FAMILY}";font-style:normal;font-weight:400;font-display:swap;src:url(/assets/${s.file}) format("woff2");unicode-range:${s.range};}`,
    );
  }
  return { css: `${rules.join('\n')}\n`, files };
}
