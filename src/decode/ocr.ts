/**
 * OCR of scanned reports: page images (PNG, JPEG, TIFF, … or the pages of a PDF without a text
 * layer, rendered at 300 dpi by poppler's pdftoppm) read by Tesseract (`chi_sim`) as child
 * processes, each with a deadline. Tesseract's words (TSV) are straightened (`ocr-layout.ts`) and
 * go through the line builder of the PDF and OFD readers, so a table comes out as
 * "label 1 2 3" lines for the plain-text reader — and every word that holds a digit is kept with
 * its confidence, its line and its place on the line, for the `ocr.low_confidence` findings.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetMeter } from '../../parsers/budget.js';
import type { OcrCache } from './ocr-cache.js';
import { countOcrWork } from './ocr-work.js';
import type { OcrReading, OcrWordRef } from '../../parsers/ocr.js';
import { DecodeError } from './errors.js';
import type { DocumentKind } from './kind.js';
import { wordsOfLines, type PositionedText } from './lines.js';
import { readSegments } from './ocr-cells.js';
import { layoutOf } from './ocr-segment.js';
import { checkDigits, glyphInk, parsePgm, type GreyImage } from './ocr-ink.js';
import { parseTesseractHocr, piecesOfPage, skewOf, type OcrWord } from './ocr-layout.js';
import { runTool, ToolError } from './tool.js';

/** A page of a PDF with fewer visible characters than this in its text layer (none, or a page number) is an image page: read by OCR. */
const MIN_TEXT_LAYER_CHARS = 10;

/** Does this page's text (from the PDF's text layer) hold the page's text, or is the page an image? */
export const hasTextLayer = (pageText: string): boolean => pageText.replace(/\s/g, '').length >= MIN_TEXT_LAYER_CHARS;

export interface OcrOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
  /** The document's budget account: its deadline bounds every run; pages over `maxPages` are refused. @default a meter of the default budget */
  meter?: BudgetMeter | undefined;
  /** Where what Tesseract read is kept by crop (`ocr-cache.ts`). @default no cache */
  cache?: OcrCache | undefined;
}

/** Resolution PDF pages are rendered at for OCR. */
export const OCR_DPI = 300;
/** Longest a single page (render or OCR) may take, ms, within the document's deadline. */
export const OCR_PAGE_TIMEOUT_MS = 120_000;
/** Tesseract's language: simplified Chinese (its model reads digits and Latin letters too). */
export const OCR_LANGUAGE = 'chi_sim';
/** A page whose words average below this confidence, or with fewer words, is checked for a 90° turn. */
const ROTATION_CHECK_CONF = 60;
const ROTATION_CHECK_WORDS = 20;
/** Largest TSV or image output kept from one run. */
const MAX_TOOL_OUTPUT = 64 * 1024 * 1024;

const INSTALL_TESSERACT = 'apt-get install tesseract-ocr tesseract-ocr-chi-sim';

function unavailable(kind: DocumentKind, fileName: string | undefined, what: string, install: string): DecodeError {
  return new DecodeError(
    'NB_OCR_UNAVAILABLE',
    `is ${kind === 'pdf' ? 'a PDF without a text layer (a scan)' : 'an image'} and needs OCR, but ${what}; install it (\`${install}\`) or look for the HTML or text version of the report.`,
    { file: fileName, kind },
  );
}

/** A tool's failure as the decode error of this document. */
function toolFailure(err: unknown, kind: DocumentKind, opts: OcrOptions, page: number): Error {
  if (!(err instanceof ToolError)) return err instanceof Error ? err : new Error(String(err));
  const tesseract = err.message.startsWith('tesseract');
  if (err.reason === 'missing') {
    return tesseract
      ? unavailable(kind, opts.fileName, 'Tesseract is not installed', INSTALL_TESSERACT)
      : unavailable(kind, opts.fileName, "poppler's pdftoppm is not installed", 'apt-get install poppler-utils');
  }
  if (tesseract && /Failed loading language|Error opening data file/.test(err.message)) {
    return unavailable(kind, opts.fileName, `Tesseract has no ${OCR_LANGUAGE} or eng language data`, `${INSTALL_TESSERACT} tesseract-ocr-eng`);
  }
  if (err.reason === 'timeout') {
    return new DecodeError(
      'NB_PARSE_TIMEOUT',
      `page ${page} took longer than its OCR deadline (${err.message}); raise --parse-timeout for a long scanned report.`,
      {
        file: opts.fileName,
        kind,
      },
    );
  }
  if (kind === 'image') {
    // Bytes that look like an image but that no image reader can open: binary junk, as before OCR.
    return new DecodeError(
      'NB_PARSE_BINARY',
      `is an image that cannot be read (${err.message}); check that the file is complete and is a page of the report.`,
      {
        file: opts.fileName,
        kind,
        cause: err,
      },
    );
  }
  return new DecodeError('NB_PARSE_UNSUPPORTED', `page ${page} could not be read by OCR (${err.message}); check that the image is complete.`, {
    file: opts.fileName,
    kind,
    cause: err,
  });
}

/** Milliseconds the next run may take: the page's allowance, within the document's deadline. */
function allowance(meter: BudgetMeter, what: string): number {
  meter.checkTime(what);
  return Math.max(1, Math.min(OCR_PAGE_TIMEOUT_MS, meter.deadline - Date.now()));
}

const TESSERACT_ENV = { OMP_THREAD_LIMIT: '1' };

/**
 * Tesseract's page segmentation mode: 6, one uniform block of text. A report page is one column,
 * and in this mode the lines of a table are read across its cells — the automatic modes (3, 11)
 * drop most of a table's lone "0" cells as noise.
 */
const PAGE_SEGMENTATION = '6';

async function tesseractChars(image: Uint8Array, meter: BudgetMeter, page: number): Promise<OcrWord[]> {
  countOcrWork({ tesseractRuns: 1 });
  const hocr = await runTool('tesseract', ['stdin', 'stdout', '-l', OCR_LANGUAGE, '--psm', PAGE_SEGMENTATION, '-c', 'hocr_char_boxes=1', 'hocr'], {
    input: image,
    timeoutMs: allowance(meter, `reading page ${page} by OCR`),
    maxOutputBytes: MAX_TOOL_OUTPUT,
    env: TESSERACT_ENV,
  });
  return parseTesseractHocr(hocr.toString('utf8'));
}

/** Tesseract's orientation detection: the clockwise turn (0, 90, 180, 270) that makes the page upright. */
async function rotationOf(image: Uint8Array, meter: BudgetMeter, page: number): Promise<number> {
  countOcrWork({ tesseractRuns: 1 });
  try {
    const osd = await runTool('tesseract', ['stdin', 'stdout', '--psm', '0'], {
      input: image,
      timeoutMs: allowance(meter, `finding the orientation of page ${page}`),
      maxOutputBytes: 1024 * 1024,
      env: TESSERACT_ENV,
    });
    const m = /Rotate:\s*(\d+)/.exec(osd.toString('utf8'));
    const conf = /Orientation confidence:\s*([\d.]+)/.exec(osd.toString('utf8'));
    return m && conf && Number(conf[1]) >= 1 ? Number(m[1]) % 360 : 0;
  } catch {
    // Too little text to tell the orientation: read as it is.
    return 0;
  }
}

async function rotate(image: Uint8Array, degrees: number): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  return sharp(image).rotate(degrees).png().toBuffer();
}

/** The image as grey pixels: a PGM as it is, anything else decoded by sharp; null when it cannot be decoded. */
async function greyOf(image: Uint8Array): Promise<GreyImage | null> {
  const pgm = parsePgm(image);
  if (pgm) return pgm;
  try {
    const { default: sharp } = await import('sharp');
    const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: info.channels === 1 ? data : data.filter((_, i) => i % info.channels === 0) };
  } catch {
    return null;
  }
}

const meanConf = (confs: readonly number[]): number => (confs.length === 0 ? 0 : confs.reduce((a, c) => a + c, 0) / confs.length);

/** What was read on one page image: pieces for the line builder, every word's confidence, the skew undone. */
interface PageReading {
  pieces: PositionedText[];
  confs: number[];
  skewDegrees: number;
  /** Page of a multi-page image (TIFF) the pieces are on, 1-based. */
  page: number;
}

/** More segments than this is no page of text (a photo, a halftone): read as a whole by Tesseract. */
const MAX_SEGMENTS = 3000;

/**
 * The page read segment by segment (`ocr-segment.ts`, `ocr-cells.ts`); null when the image cannot be
 * decoded here, holds several pages, or does not look like a page of text.
 */
async function readBySegments(image: Uint8Array, meter: BudgetMeter, page: number, cache: OcrCache | undefined): Promise<PageReading | null> {
  const grey = await greyOf(image);
  if (!grey) return null;
  const layout = layoutOf(grey);
  if (layout.segments.length === 0 || layout.segments.length > MAX_SEGMENTS) return null;
  const pieces = await readSegments(layout, {
    language: OCR_LANGUAGE,
    timeoutMs: () => allowance(meter, `reading page ${page} by OCR`),
    env: TESSERACT_ENV,
    cache,
  });
  return {
    pieces: pieces.map((p) => ({ str: p.text, x: p.left, y: -p.bottom, width: Math.max(1, p.right - p.left), height: layout.textHeight, conf: p.conf })),
    confs: pieces.map((p) => p.conf),
    skewDegrees: layout.skewDegrees,
    page: 1,
  };
}

/** Tesseract's characters of a (single-page) image, digits checked against its ink; one reading per page of the image. */
async function readWholeImage(image: Uint8Array, meter: BudgetMeter, page: number): Promise<PageReading[]> {
  let words = await tesseractChars(image, meter, page);
  const grey = words.some((w) => w.page > 1) ? null : await greyOf(image);
  if (grey) words = checkDigits(words, glyphInk(grey), grey);
  const pages = new Map<number, OcrWord[]>();
  for (const w of words) pages.set(w.page, [...(pages.get(w.page) ?? []), w]);
  return [...pages.keys()]
    .sort((a, b) => a - b)
    .map((p) => {
      const onPage = pages.get(p)!;
      const skew = skewOf(onPage);
      return {
        pieces: piecesOfPage(onPage, skew),
        confs: onPage.map((w) => w.conf),
        skewDegrees: Math.round((Math.atan(skew) * 180 * 100) / Math.PI) / 100,
        page: p,
      };
    });
}

/** A single-page image read segment by segment, any other read by Tesseract as a whole. */
async function readImage(image: Uint8Array, meter: BudgetMeter, page: number, cache: OcrCache | undefined): Promise<PageReading[]> {
  if ((await imagePages(image)) === 1) {
    const reading = await readBySegments(image, meter, page, cache);
    if (reading) return [reading];
  }
  return readWholeImage(image, meter, page);
}

/** Pages of an image (a TIFF may hold several); 1 when sharp cannot tell. */
async function imagePages(image: Uint8Array): Promise<number> {
  if (parsePgm(image)) return 1;
  try {
    const { default: sharp } = await import('sharp');
    return (await sharp(image).metadata()).pages ?? 1;
  } catch {
    return 1;
  }
}

const confsOf = (readings: readonly PageReading[]): number[] => readings.flatMap((r) => r.confs);

/** The readings of one page image, turned upright when Tesseract's orientation detection says it lies on its side or upside down. */
async function wordsOfImage(
  image: Uint8Array,
  meter: BudgetMeter,
  page: number,
  cache: OcrCache | undefined,
): Promise<{ readings: PageReading[]; rotated: number }> {
  const readings = await readImage(image, meter, page, cache);
  const confs = confsOf(readings);
  if (confs.length >= ROTATION_CHECK_WORDS && meanConf(confs) >= ROTATION_CHECK_CONF) return { readings, rotated: 0 };
  const turn = await rotationOf(image, meter, page);
  if (turn === 0) return { readings, rotated: 0 };
  const upright = await readImage(await rotate(image, turn), meter, page, cache);
  return meanConf(confsOf(upright)) > meanConf(confs) ? { readings: upright, rotated: turn } : { readings, rotated: 0 };
}

const HAN_WORD = /\p{Script=Han}/u;

/** Collects pages of words into the reading: text lines, digit words with their places, figures. */
class ReadingBuilder {
  readonly lines: string[] = [];
  readonly digitWords: OcrWordRef[] = [];
  readonly labelWords: OcrWordRef[] = [];
  readonly skewDegrees: number[] = [];
  readonly rotated: number[] = [];
  #conf = 0;
  #words = 0;

  /** A page of a PDF read from its text layer, between pages read by OCR. */
  addText(text: string): void {
    if (this.lines.length > 0) this.lines.push('');
    this.lines.push(...text.split('\n'));
  }

  addPage(reading: PageReading, rotated: number): void {
    if (this.lines.length > 0) this.lines.push('');
    this.skewDegrees.push(reading.skewDegrees);
    this.rotated.push(rotated);
    this.#conf += reading.confs.reduce((a, c) => a + c, 0);
    this.#words += reading.confs.length;
    for (const line of wordsOfLines(reading.pieces)) {
      const texts = line.map((pieces) => pieces.map((p) => p.str).join(''));
      line.forEach((pieces, i) => {
        const word = { line: this.lines.length, word: i, text: texts[i]!, conf: Math.min(...pieces.map((p) => p.conf ?? 100)) };
        if (/\d/.test(word.text)) this.digitWords.push(word);
        else if (HAN_WORD.test(word.text)) this.labelWords.push(word);
      });
      this.lines.push(texts.join(' '));
    }
  }

  reading(pages: number): OcrReading {
    return {
      text: this.lines.join('\n'),
      pages,
      words: this.#words,
      meanConfidence: this.#words === 0 ? 0 : Math.round((this.#conf / this.#words) * 10) / 10,
      digitWords: this.digitWords,
      labelWords: this.labelWords,
      skewDegrees: this.skewDegrees,
      rotated: this.rotated,
    };
  }
}

/** OCR of an image file (PNG, JPEG, TIFF — every page of a multi-page TIFF —, GIF, BMP, WEBP). */
export async function ocrImage(bytes: Uint8Array, opts: OcrOptions = {}): Promise<OcrReading> {
  const meter = opts.meter ?? new BudgetMeter(undefined, opts.fileName);
  let found: { readings: PageReading[]; rotated: number };
  try {
    found = await wordsOfImage(bytes, meter, 1, opts.cache);
  } catch (err) {
    throw toolFailure(err, 'image', opts, 1);
  }
  meter.check('maxPages', found.readings.length, 'pages', true);
  const builder = new ReadingBuilder();
  for (const reading of found.readings) builder.addPage(reading, found.rotated);
  return builder.reading(Math.max(1, found.readings.length));
}

/**
 * OCR of the pages of a PDF without a text layer: each rendered at {@link OCR_DPI} dpi (grey, PGM)
 * by pdftoppm, then read. With `pageTexts` (the text layer of each page), pages that have one are
 * taken as they are and only the others are read: the reading's text is the whole document's, its
 * `pages` the pages OCR read.
 */
export async function ocrPdf(bytes: Uint8Array, pageCount: number, opts: OcrOptions & { pageTexts?: readonly string[] } = {}): Promise<OcrReading> {
  const meter = opts.meter ?? new BudgetMeter(undefined, opts.fileName);
  meter.check('maxPages', pageCount, 'pages', true);
  let read = 0;
  const dir = await mkdtemp(join(tmpdir(), 'nianbao-ocr-'));
  try {
    const file = join(dir, 'scan.pdf');
    await writeFile(file, bytes);
    const builder = new ReadingBuilder();
    for (let page = 1; page <= pageCount; page++) {
      const layer = opts.pageTexts?.[page - 1];
      if (layer !== undefined && hasTextLayer(layer)) {
        builder.addText(layer);
        continue;
      }
      read++;
      try {
        const image = await runTool('pdftoppm', ['-r', String(OCR_DPI), '-gray', '-f', String(page), '-l', String(page), '-singlefile', file], {
          timeoutMs: allowance(meter, `rendering page ${page} for OCR`),
          maxOutputBytes: MAX_TOOL_OUTPUT,
        });
        const found = await wordsOfImage(image, meter, page, opts.cache);
        for (const reading of found.readings) builder.addPage(reading, found.rotated);
      } catch (err) {
        throw toolFailure(err, 'pdf', opts, page);
      }
    }
    return builder.reading(read);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
