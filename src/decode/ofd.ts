/**
 * OFD (GB/T 33190, China's fixed-layout format; portals publish reports as OFD next to or instead
 * of PDF) → plain text, the way `pdfToText` reads a PDF: the text of every page, its pieces placed
 * where the page draws them and joined into lines (`lines.ts`), then read by the plain-text reader.
 *
 * An OFD is a zip (jszip, loaded on first use): `OFD.xml` names the document root, whose
 * `Document.xml` lists the pages (and template pages: running headers, page numbers); a page's
 * `Content.xml` holds layers of `TextObject`s, possibly inside `PageBlock`s. A text object has a
 * `Boundary` (its box on the page, mm, y downwards), an optional `CTM` (a matrix from the object's
 * own space into that box), a `Size`, and `TextCode`s: text drawn from (X, Y) with per-character
 * advances `DeltaX` (where `g N v` means N advances of v). Images, paths and signatures are not
 * read: a scanned OFD has no text.
 */
import type JSZipType from 'jszip';
import { load } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { BudgetMeter } from '../../parsers/budget.js';
import { DecodeError } from './errors.js';
import { checkZipBudget } from './inflate.js';
import { linesOf, type PositionedText } from './lines.js';

export interface OfdToTextOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
  /**
   * The document's budget account: every part is inflated and counted first (per part
   * `maxEntryBytes`, all together `maxInflatedBytes`), pages over `maxPages` and text pieces over
   * `maxTextItems` are refused, the deadline is checked between pages.
   * @default a meter of the default budget
   */
  meter?: BudgetMeter | undefined;
}

let jszipModule: Promise<typeof JSZipType> | undefined;
const loadJsZip = (): Promise<typeof JSZipType> => (jszipModule ??= import('jszip').then((m) => m.default));

type Matrix = [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

const localName = (el: Element): string => el.name.replace(/^.*:/, '');
const isElement = (n: AnyNode): n is Element => n.type === 'tag';
const childElements = (el: Element): Element[] => el.children.filter(isElement);
const textContent = (n: AnyNode): string =>
  n.type === 'text' ? (n as unknown as { data: string }).data : 'children' in n ? (n.children as AnyNode[]).map(textContent).join('') : '';
const numbers = (s: string | undefined): number[] =>
  (s ?? '')
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);

/** `DeltaX="g 3 4.2 5"` → [4.2, 4.2, 4.2, 5]. */
export function expandDeltas(attr: string | undefined): number[] {
  const words = (attr ?? '').trim().split(/\s+/).filter(Boolean);
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === 'g') {
      const n = Number(words[i + 1]);
      const v = Number(words[i + 2]);
      if (Number.isFinite(n) && Number.isFinite(v)) for (let k = 0; k < Math.min(n, 100_000); k++) out.push(v);
      i += 2;
    } else {
      const v = Number(words[i]);
      if (Number.isFinite(v)) out.push(v);
    }
  }
  return out;
}

/** The pieces of text one TextObject draws, in page space with y upwards (as `linesOf` wants it). */
function textObjectPieces(obj: Element, out: PositionedText[]): void {
  const [bx = 0, by = 0, bw = 0] = numbers(obj.attribs['Boundary']);
  const ctm = numbers(obj.attribs['CTM']);
  const [a, b, c, d, e, f] = ctm.length === 6 && ctm.every(Number.isFinite) ? (ctm as Matrix) : IDENTITY;
  const scale = Math.sqrt(Math.abs(a * d - b * c)) || 1;
  const size = Number(obj.attribs['Size']) || 3.5;
  let x = 0;
  let y = 0;
  for (const code of childElements(obj)) {
    if (localName(code) !== 'TextCode') continue;
    const text = textContent(code);
    if (code.attribs['X'] !== undefined) x = Number(code.attribs['X']) || 0;
    if (code.attribs['Y'] !== undefined) y = Number(code.attribs['Y']) || 0;
    const chars = [...text];
    const advances = expandDeltas(code.attribs['DeltaX']);
    let advance = 0;
    for (let k = 0; k < chars.length - 1; k++) advance += advances[k] ?? advances[advances.length - 1] ?? size;
    // DeltaX holds no width for the last character: a Chinese (full-width) one is as wide as the
    // font size, a Latin letter or digit about 0.6 of it; never past the object's box.
    const lastChar = chars[chars.length - 1] ?? '';
    const last = lastChar.charCodeAt(0) < 0x250 ? size * 0.6 : size;
    // The run's origin through the CTM, then into the page by the Boundary's origin.
    const px = bx + a * x + c * y + e;
    const py = by + b * x + d * y + f;
    let width = (advance + last) * Math.abs(a || scale);
    if (bw > 0) width = Math.min(width, Math.max(bx + bw - px, 0));
    out.push({ str: text, x: px, y: -py, width, height: size * scale });
    x += advance + last;
  }
}

/** Every text object under an element (layers, page blocks), in document order. */
function collectText(root: Element, out: PositionedText[]): void {
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    const name = localName(el);
    if (name === 'TextObject') {
      textObjectPieces(el, out);
      continue;
    }
    if (name === 'ImageObject' || name === 'PathObject' || name === 'CompositeObject') continue;
    const kids = childElements(el);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/** Path of a `BaseLoc` inside the zip: absolute (`/Doc_0/…`) or relative to the referring file's folder. */
function resolveLoc(from: string, loc: string): string {
  if (loc.startsWith('/')) return loc.slice(1);
  const parts = from.split('/').slice(0, -1);
  for (const p of loc.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.' && p !== '') parts.push(p);
  }
  return parts.join('/');
}

/**
 * Extracts the text of an OFD, one line per text line, pages separated by a blank line (a page's
 * template — running header, page number — read with it). Throws {@link DecodeError}
 * `NB_PARSE_UNSUPPORTED` when the zip or its document structure cannot be read.
 */
export async function ofdToText(bytes: Uint8Array, opts: OfdToTextOptions = {}): Promise<string> {
  const fail = (reason: string, cause?: unknown): DecodeError =>
    new DecodeError(
      'NB_PARSE_UNSUPPORTED',
      `is an OFD document that cannot be read (${reason}); check that it is complete, or find the PDF or HTML version of the report.`,
      {
        file: opts.fileName,
        kind: 'ofd',
        bytes: bytes.byteLength,
        ...(cause === undefined ? {} : { cause }),
      },
    );
  const meter = opts.meter ?? new BudgetMeter(undefined, opts.fileName);
  // What the parts really inflate to (all pages together), counted before jszip inflates any.
  checkZipBudget(bytes, meter);
  const JSZip = await loadJsZip();
  let zip: JSZipType;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (cause) {
    throw fail(cause instanceof Error ? cause.message : String(cause), cause);
  }
  // Names are matched without case: producers differ (Doc_0/Pages vs doc_0/pages).
  const byLower = new Map(Object.keys(zip.files).map((n) => [n.toLowerCase(), n]));
  const readXml = async (path: string) => {
    const name = byLower.get(path.toLowerCase());
    const file = name ? zip.file(name) : null;
    if (!file) throw fail(`${path} is missing`);
    let xml: string;
    try {
      xml = await file.async('string');
    } catch (cause) {
      // A damaged entry (bad CRC or size, broken deflate stream).
      throw fail(`${path}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
    return load(xml, { xml: true });
  };
  const elementsOf = (doc: ReturnType<typeof load>): Element[] => doc('*').toArray().filter(isElement);
  const first = (doc: ReturnType<typeof load>, name: string): Element | undefined => elementsOf(doc).find((el) => localName(el) === name);

  const root = await readXml('OFD.xml');
  const docRoot = first(root, 'DocRoot');
  const docPath = docRoot ? resolveLoc('OFD.xml', textContent(docRoot).trim()) : '';
  if (!docPath) throw fail('OFD.xml names no DocRoot');
  const document = await readXml(docPath);
  const all = elementsOf(document);
  const templates = new Map<string, string>();
  for (const el of all) {
    if (localName(el) === 'TemplatePage' && el.attribs['ID'] && el.attribs['BaseLoc'])
      templates.set(el.attribs['ID'], resolveLoc(docPath, el.attribs['BaseLoc']));
  }
  const pageLocs = all.filter((el) => localName(el) === 'Page' && el.attribs['BaseLoc']).map((el) => resolveLoc(docPath, el.attribs['BaseLoc']!));
  // A template page (running header, page number) is read once, however many pages use it.
  const templateText = new Map<string, PositionedText[]>();
  const piecesOfTemplate = async (loc: string): Promise<PositionedText[]> => {
    let pieces = templateText.get(loc);
    if (!pieces) {
      pieces = [];
      const tplRoot = (await readXml(loc)).root().children().toArray().find(isElement);
      if (tplRoot) collectText(tplRoot, pieces);
      templateText.set(loc, pieces);
    }
    return pieces;
  };
  meter.check('maxPages', pageLocs.length, 'pages', true);
  const pages: string[] = [];
  let items = 0;
  for (const loc of pageLocs) {
    meter.checkTime('reading its pages');
    const page = await readXml(loc);
    const pageRoot = page.root().children().toArray().find(isElement);
    if (!pageRoot) continue;
    const pieces: PositionedText[] = [];
    for (const el of elementsOf(page)) {
      if (localName(el) !== 'Template') continue;
      const tpl = templates.get(el.attribs['TemplateID'] ?? '');
      if (tpl) pieces.push(...(await piecesOfTemplate(tpl)));
    }
    collectText(pageRoot, pieces);
    items += pieces.length;
    meter.check('maxPageTextItems', pieces.length, 'text pieces on one page');
    meter.check('maxTextItems', items, 'text pieces');
    pages.push(linesOf(pieces).join('\n'));
  }
  return pages.join('\n\n');
}
