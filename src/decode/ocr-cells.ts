/**
 * Reads the segments of a page (`ocr-segment.ts`) with Tesseract, each as one line of text
 * (`--psm 7`), and puts what it read back at their places on the page as pieces for the line
 * builder.
 *
 * - Every segment is cut out of the straightened page with a white margin, ruling lines and specks
 *   whitened, and enlarged ×2 when the text is small (a 150-dpi image); the crops are written as
 *   PGM files and read by as few Tesseract runs as there are workers ({@link OCR_WORKERS}), each
 *   given a list of files — Tesseract loads its model once per run, not once per crop.
 * - Tesseract's words within a segment become one piece, except where a number meets text or
 *   another number across a blank (a label's cell, then its number's).
 * - Every piece keeps its confidence: the lowest of its words'.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcrCache, tesseractVersion, type CropWord } from './ocr-cache.js';
import { countOcrWork } from './ocr-work.js';
import type { GreyImage } from './ocr-ink.js';
import type { PageLayout, Segment } from './ocr-segment.js';
import { runTool, type ToolRun } from './tool.js';

/** Tesseract runs at once for one page (the machine kind this runs on has 2 cores). */
export const OCR_WORKERS = 2;
/** Text lower than this (pixels) is enlarged ×2 before it is read. */
const SMALL_TEXT = 32;
/** A blank of this share of the text height between a number and text (or two numbers) parts them. */
const NUMBER_GAP = 0.2;

/** A piece of text read on the page: its box (pixels of the straightened page, y downwards), its text, its confidence. */
export interface OcrPiece {
  text: string;
  left: number;
  right: number;
  /** Bottom of the segment it was read in (its baseline, near enough). */
  bottom: number;
  conf: number;
  /** Index of the segment in the layout. */
  segment: number;
}

/** A crop as a binary PGM. */
function pgm(width: number, height: number, data: Uint8Array): Buffer {
  const head = Buffer.from(`P5\n${width} ${height}\n255\n`, 'latin1');
  return Buffer.concat([head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** The segment cut out of the page with a margin: its glyphs' ink kept, any other dark pixel (rulings, specks, other lines) whitened; enlarged `scale` times. */
export function cropOf(
  image: GreyImage,
  owner: (pixel: number) => boolean,
  s: Segment,
  margin: number,
  scale: number,
  binary = false,
): { width: number; height: number; data: Uint8Array } {
  const w = s.right - s.left + 1 + 2 * margin;
  const h = s.bottom - s.top + 1 + 2 * margin;
  const base = new Uint8Array(w * h).fill(255);
  for (let y = s.top; y <= s.bottom; y++) {
    if (y < 0 || y >= image.height) continue;
    for (let x = s.left; x <= s.right; x++) {
      if (x < 0 || x >= image.width) continue;
      const i = y * image.width + x;
      const v = image.data[i]!;
      // A dark pixel that is not the segment's glyphs' (a ruling line, a speck, a glyph of the line
      // above) is left out; light anti-aliasing around glyphs is kept.
      base[(y - s.top + margin) * w + (x - s.left + margin)] = v >= 160 || owner(i) ? v : 255;
    }
  }
  if (scale === 1) return { width: w, height: h, data: binary ? base.map((v) => (v < 160 ? 0 : 255)) : base };
  const [W, H] = [w * scale, h * scale];
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, (y + 0.5) / scale - 0.5);
    const y0 = Math.max(0, Math.floor(sy));
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = Math.max(0, sy - y0);
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, (x + 0.5) / scale - 0.5);
      const x0 = Math.max(0, Math.floor(sx));
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = Math.max(0, sx - x0);
      const top = base[y0 * w + x0]! * (1 - fx) + base[y0 * w + x1]! * fx;
      const bottom = base[y1 * w + x0]! * (1 - fx) + base[y1 * w + x1]! * fx;
      const v = Math.round(top * (1 - fy) + bottom * fy);
      out[y * W + x] = binary ? (v < 160 ? 0 : 255) : v;
    }
  }
  return { width: W, height: H, data: out };
}

/** One word of Tesseract's TSV (level 5), in the crop's pixels. */
interface TsvWord {
  /** 1-based index of the image in the list. */
  image: number;
  left: number;
  width: number;
  conf: number;
  text: string;
}

/** Parses Tesseract's TSV output: its words (level 5) with the image they are on. */
export function parseTsv(tsv: string): TsvWord[] {
  const out: TsvWord[] = [];
  for (const line of tsv.split('\n')) {
    const f = line.split('\t');
    if (f[0] !== '5' || f.length < 12) continue;
    const text = f.slice(11).join('\t').trim();
    if (text === '') continue;
    out.push({ image: Number(f[1]), left: Number(f[6]), width: Number(f[8]), conf: Number(f[10]), text });
  }
  return out;
}

/** ASCII punctuation Tesseract writes for the full-width marks of Chinese text. */
const FULL_WIDTH: Record<string, string> = { ':': '：', '(': '（', ')': '）', ',': '，', ';': '；' };
const HAN_CHAR = /\p{Script=Han}/u;

/** The full-width mark for an ASCII one next to a Chinese character (其中: → 其中：), as the report has it. */
export function fullWidthMarks(text: string): string {
  return text.replace(/[:(),;]/g, (m, i: number) => (HAN_CHAR.test(text[i - 1] ?? '') || HAN_CHAR.test(text[i + 1] ?? '') ? FULL_WIDTH[m]! : m));
}

/** A piece ending in a full-width mark: its square reaches past the mark's ink by this share of the text height. */
const MARK_SQUARE = 0.6;
const ENDS_IN_MARK = /[：、，；。]$/;

const DIGIT_END = /\d$/;
const DIGIT_START = /^\d/;

/** Tesseract's words of one segment (page pixels) as pieces: joined, but parted where a number meets text or a number across a blank. */
export function piecesOfSegment(
  words: readonly { left: number; right: number; conf: number; text: string }[],
  seg: Segment,
  index: number,
  textHeight: number,
): OcrPiece[] {
  const pieces: OcrPiece[] = [];
  let piece: OcrPiece | undefined;
  for (const w of [...words].sort((a, b) => a.left - b.left)) {
    const numberEdge = piece !== undefined && (DIGIT_END.test(piece.text) || DIGIT_START.test(w.text));
    if (piece && !(numberEdge && w.left - piece.right > textHeight * NUMBER_GAP)) {
      piece.text += w.text;
      piece.right = Math.max(piece.right, w.right);
      piece.conf = Math.min(piece.conf, w.conf);
      continue;
    }
    piece = { text: w.text, left: w.left, right: w.right, bottom: seg.bottom, conf: w.conf, segment: index };
    pieces.push(piece);
  }
  for (const p of pieces) {
    p.text = fullWidthMarks(p.text);
    // The blank after 、 or ： is its own square's, not a gap between cells (其中：1、政府网站公开数).
    if (ENDS_IN_MARK.test(p.text)) p.right += textHeight * MARK_SQUARE;
  }
  return pieces;
}

export interface ReadSegmentsOptions {
  language: string;
  /** Milliseconds each Tesseract run may take. */
  timeoutMs: () => number;
  env?: Record<string, string>;
  /** Where the words read in each crop are kept and looked up (`ocr-cache.ts`). @default no cache */
  cache?: OcrCache | undefined;
}

type SegmentWord = { left: number; right: number; conf: number; text: string };

/** Characters a number cell is read with on the second reading. */
const NUMBER_CHARS = '0123456789.-';
/**
 * The digit reading uses Tesseract's English model: the Chinese one, held to digits, reads a lone
 * "1" as nothing (and unheld as 工, 荆 or 】).
 */
const NUMBER_LANGUAGE = 'eng';
/** …as one word (`--psm 8`): as a line (7) it reads a lone 5 as nothing. */
const NUMBER_SEGMENTATION = '8';
/** A segment read as this (no Chinese, a letter or digit, short) is read again as a number. */
const NUMBER_LIKE = /^[^\p{Script=Han}]{1,20}$/u;
const HAS_ALNUM = /[0-9A-Za-z]/;
/** A number as either reading may give it. */
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const HAN = /\p{Script=Han}/gu;
/** A segment the Chinese model read nothing in, no wider than this share of the text height (a number of up to four digits), is read as digits. */
const UNREAD_WIDTH = 2;
/** A segment narrower than this share of the text height holds no Chinese character (they are about square): a digit or two. */
const NARROW = 0.6;
/**
 * A point before the digits, or a point or dash after them, in the digit reading: a number (a
 * minus aside) begins and ends with a digit, so such a mark is a speck the reading held to digits
 * and marks took for one (135 read "135.").
 */
const LOOSE_MARKS = /^\.+(?=\d)|(?<=\d)[.-]+$/g;
/** Text with a word read below this confidence (0–100) is read again as a raw line. */
const RETRY_BELOW = 60;
/** Tesseract's page segmentation mode for that second reading: the crop is one raw line of text. */
const RAW_LINE = '13';
const minConf = (words: readonly SegmentWord[]): number => Math.min(...words.map((w) => w.conf));

/** Confidence given to a number the two readings disagree on (below `LOW_CONFIDENCE`: flagged). */
const DISAGREED = 40;

/** Reads every segment of the page: the pieces of text, placed on the straightened page. */
export async function readSegments(layout: PageLayout, opts: ReadSegmentsOptions): Promise<OcrPiece[]> {
  const { segments, textHeight: h } = layout;
  if (segments.length === 0) return [];
  const scale = h < SMALL_TEXT ? 2 : 1;
  const margin = Math.max(4, Math.round(h / 3));
  const dir = await mkdtemp(join(tmpdir(), 'nianbao-ocr-cells-'));
  try {
    const segmentOfPart = new Map<number, number>();
    segments.forEach((s, i) => {
      for (const p of s.parts) segmentOfPart.set(p, i);
    });
    const files: string[] = [];
    const areas: number[] = [];
    const crops: Buffer[] = [];
    for (const [i, s] of segments.entries()) {
      const crop = cropOf(layout.image, (pixel) => segmentOfPart.get(layout.labels[pixel]! - 1) === i, s, margin, scale);
      files.push(join(dir, `s${i}.pgm`));
      areas.push(crop.width * crop.height);
      crops.push(pgm(crop.width, crop.height, crop.data));
      await writeFile(files[i]!, crops[i]!);
    }
    /** Tesseract's words of the segments `which`, in page pixels, by segment (from the cache where it has them). */
    const read = async (which: number[], pass: string, extra: string[], language = opts.language, psm = '7'): Promise<Map<number, SegmentWord[]>> => {
      const args = ['-l', language, '--psm', psm, ...extra];
      const inCrop = new Map<number, CropWord[]>();
      const keys = new Map<number, string>();
      if (opts.cache) {
        const tesseract = await tesseractVersion();
        for (const i of which) {
          const key = OcrCache.key(tesseract, args, crops[i]!);
          const hit = await opts.cache.get(key);
          if (hit) inCrop.set(i, hit);
          else keys.set(i, key);
        }
      }
      const todo = which.filter((i) => !inCrop.has(i));
      countOcrWork({ crops: which.length, cropsCached: which.length - todo.length });
      // Crops shared out over the workers, by area, so that they finish about together.
      const lists = Array.from({ length: OCR_WORKERS }, () => ({ index: [] as number[], area: 0 }));
      for (const i of [...todo].sort((a, b) => areas[b]! - areas[a]!)) {
        const list = lists.reduce((a, b) => (b.area < a.area ? b : a));
        list.index.push(i);
        list.area += areas[i]!;
      }
      await Promise.all(
        lists
          .filter((l) => l.index.length > 0)
          .map(async (l, k) => {
            const listFile = join(dir, `${pass}${k}.txt`);
            await writeFile(listFile, l.index.map((i) => files[i]).join('\n') + '\n');
            const run: ToolRun = { timeoutMs: opts.timeoutMs(), maxOutputBytes: 64 * 1024 * 1024, ...(opts.env ? { env: opts.env } : {}) };
            countOcrWork({ tesseractRuns: 1 });
            const tsv = await runTool('tesseract', [listFile, 'stdout', ...args, 'tsv'], run);
            for (const i of l.index) inCrop.set(i, []);
            for (const w of parseTsv(tsv.toString('utf8'))) {
              const seg = l.index[w.image - 1];
              if (seg !== undefined) inCrop.get(seg)!.push({ left: w.left, width: w.width, conf: w.conf, text: w.text });
            }
          }),
      );
      // A cache that cannot be written is a miss next time, never a failed reading.
      if (opts.cache) for (const [i, key] of keys) if (!(await opts.cache.trySet(key, inCrop.get(i) ?? []))) countOcrWork({ cacheWriteErrors: 1 });
      const bySegment = new Map<number, SegmentWord[]>();
      for (const [seg, words] of inCrop) {
        if (words.length === 0) continue;
        bySegment.set(
          seg,
          words.map((w) => {
            // A word's box is held to its segment's ink: Tesseract's boxes may reach over the crop's
            // margin (as a raw line, `--psm 13`, they do), up to the next cell's number.
            const s = segments[seg]!;
            const left = s.left - margin + w.left / scale;
            const right = Math.min(s.right, left + w.width / scale);
            return { left: Math.min(Math.max(s.left, left), right), right, conf: w.conf, text: w.text };
          }),
        );
      }
      return bySegment;
    };
    const first = await read(
      segments.map((_, i) => i),
      'text',
      [],
    );
    // Text read with a word OCR was unsure of is read again as a raw line (`--psm 13`: no layout
    // analysis): a character it misread in context (信函 read 信上盟, 减免 read 碱免) it often reads
    // right. The reading whose least sure word is surer is kept.
    const unsure = [...first].filter(([, words]) => words.some((w) => HAN_CHAR.test(w.text)) && minConf(words) < RETRY_BELOW).map(([i]) => i);
    if (unsure.length > 0) {
      const raw = await read(unsure, 'raw', [], opts.language, RAW_LINE);
      for (const i of unsure) {
        const again = raw.get(i);
        // …unless it parts the segment otherwise (行政机关不0: a number the line mode read apart, glued to the text before it).
        const same = again && piecesOfSegment(again, segments[i]!, i, h).length === piecesOfSegment(first.get(i)!, segments[i]!, i, h).length;
        if (again && same && minConf(again) > minConf(first.get(i)!)) first.set(i, again);
      }
    }
    // Segments read as something like a number are read again, as digits only: a lone 5 read as
    // "D" by the Chinese model is a 5 to the digit reading. Where the two readings differ, the
    // digits are taken and their confidence lowered, so that the cell is flagged.
    // …and so are small segments the Chinese model read nothing in (a lone 0 at 150 dpi).
    const numberLike = segments
      .map((seg, i): [number, SegmentWord[]] => [i, first.get(i) ?? []])
      .filter(([i, words]) => {
        const seg = segments[i]!;
        const width = seg.right - seg.left + 1;
        if (words.length === 0) return width <= h * UNREAD_WIDTH && seg.bottom - seg.top + 1 >= h / 2;
        const text = words.map((w) => w.text).join('');
        const narrow = width <= h * NARROW && (text.match(HAN)?.length ?? 0) <= 2;
        return narrow || (NUMBER_LIKE.test(text) && HAS_ALNUM.test(text));
      });
    if (numberLike.length > 0) {
      const digits = await read(
        numberLike.map(([i]) => i),
        'digits',
        ['-c', `tessedit_char_whitelist=${NUMBER_CHARS}`],
        NUMBER_LANGUAGE,
        NUMBER_SEGMENTATION,
      );
      for (const [i, words] of numberLike) {
        const again = digits
          .get(i)
          ?.map((w) => ({ ...w, text: w.text.replace(LOOSE_MARKS, '') }))
          .filter((w) => w.text !== '');
        if (!again || !again.some((w) => /\d/.test(w.text))) continue;
        const agreed = again.map((w) => w.text).join('') === words.map((w) => w.text).join('');
        // …unless the Chinese model read a number too, and was surer of it: a blurred lone 0 (a turned
        // 150-dpi page, straightened) is a 0 to it at 95 and a 9 to the digit reading at 0.
        const surer = words.length > 0 && NUMBER.test(words.map((w) => w.text).join('')) && minConf(words) > minConf(again) ? words : again;
        first.set(i, agreed ? words : surer.map((w) => ({ ...w, conf: Math.min(w.conf, DISAGREED) })));
      }
    }
    // A lone glyph neither reading read anything in (a 0 at 150 dpi, blurred by the straightening of
    // a turned page) is read once more as digits from its crop held to ink or blank, and flagged.
    const unread = numberLike.filter(([i, words]) => words.length === 0 && !first.has(i)).map(([i]) => i);
    if (unread.length > 0) {
      for (const i of unread) {
        const crop = cropOf(layout.image, (pixel) => segmentOfPart.get(layout.labels[pixel]! - 1) === i, segments[i]!, margin, scale, true);
        crops[i] = pgm(crop.width, crop.height, crop.data);
        await writeFile(files[i]!, crops[i]!);
      }
      const binary = await read(unread, 'binary', ['-c', `tessedit_char_whitelist=${NUMBER_CHARS}`], NUMBER_LANGUAGE, NUMBER_SEGMENTATION);
      for (const i of unread) {
        const again = binary
          .get(i)
          ?.map((w) => ({ ...w, text: w.text.replace(LOOSE_MARKS, ''), conf: Math.min(w.conf, DISAGREED) }))
          .filter((w) => /^\d+$/.test(w.text));
        if (again && again.length > 0) first.set(i, again);
      }
    }
    return [...first].flatMap(([seg, words]) => piecesOfSegment(words, segments[seg]!, seg, h)).sort((a, b) => a.segment - b.segment || a.left - b.left);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
