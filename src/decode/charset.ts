/**
 * Bytes → text with the right character set.
 *
 * Precedence (see docs/decode.md):
 * 1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) always wins;
 * 2. the charset of the HTTP `Content-Type`;
 * 3. `<meta charset>` / `<meta http-equiv="Content-Type" content="…charset=…">` / `<?xml encoding>` in the
 *    first {@link META_SCAN_BYTES} bytes (HTML only);
 * 4. sniffing a sample of {@link SAMPLE_BYTES} bytes: valid UTF-8 first (also UTF-8 with a few stray
 *    bytes, see {@link isMostlyUtf8}), then jschardet;
 * 5. UTF-8.
 *
 * A declared charset (2, 3) is used only when it is *plausible* for the sample; a declaration that would
 * produce mojibake is skipped and the next candidate is tried, so `source` tells which one was used.
 * Only the sample is ever sniffed, never the whole document.
 */
import iconv from 'iconv-lite';
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type Jschardet from 'jschardet';
import { z } from 'zod';

/** Bytes sniffed (valid-UTF-8 test, replacement-character test, jschardet). */
export const SAMPLE_BYTES = 8 * 1024;
/** Bytes scanned for a `<meta>` charset declaration. */
export const META_SCAN_BYTES = 4 * 1024;
/**
 * A sample that is valid UTF-8 and holds at least this many multi-byte sequences is taken as UTF-8 even
 * when a legacy charset is declared (GBK text is practically never valid UTF-8 at that length; short
 * strings are: GBK 息维业 = CF A2 CE AC D2 B5 is valid UTF-8, hence the threshold).
 */
export const UTF8_EVIDENCE_SEQUENCES = 8;
/** {@link isMostlyUtf8}: valid multi-byte sequences needed per stray (invalid) byte. */
export const UTF8_STRAY_RATIO = 20;
/** jschardet results below this confidence are ignored (jschardet's own MINIMUM_THRESHOLD). */
const SNIFF_MIN_CONFIDENCE = 0.2;

/** Where the charset came from. */
export type CharsetSource = 'bom' | 'header' | 'meta' | 'sniff' | 'default';

export interface DecodeBytesOptions {
  /** HTTP `Content-Type` header of the response, e.g. `text/html; charset=GBK`. @default undefined */
  contentType?: string | undefined;
  /** Scan the head of the bytes for `<meta>` / `<?xml?>` charset declarations. @default false */
  isHtml?: boolean | undefined;
}

export interface DecodedBytes {
  text: string;
  /** Decoder used: WHATWG name when Node's TextDecoder knows it (`utf-8`, `gb18030` — also for gbk/gb2312 labels —, `big5`, …), else the iconv-lite label. */
  charset: string;
  source: CharsetSource;
}

const optionsSchema = z
  .object({
    contentType: z.string().optional(),
    isHtml: z.boolean().optional(),
  })
  .strict();

/**
 * Labels of the GBK family. They are all decoded with the GB18030 decoder, as browsers do (WHATWG: "the
 * gbk decoder is the gb18030 decoder"): GB18030 is a superset, and Node's ICU `gbk` converter is not the
 * WHATWG one — it maps 101 two-byte codes (e.g. A8BC ḿ, FE5x radicals) to the Private Use Area and cannot
 * read the 4-byte sequences that pages labelled gb2312/gbk do contain (rare characters in names).
 */
const GBK_ALIASES = new Set([
  'gb2312',
  'gb_2312',
  'gb_2312-80',
  'gbk',
  'x-gbk',
  'cp936',
  'ms936',
  'windows-936',
  '936',
  'chinese',
  'csgb2312',
  'csiso58gb231280',
  'iso-ir-58',
  'euc-cn',
  'x-euc-cn',
  'euccn',
  'gb2312-80',
]);
const BIG5_ALIASES = new Set(['big5', 'cp950', 'ms950', 'windows-950', '950', 'x-x-big5', 'big5-hkscs', 'cn-big5', 'csbig5']);
/** Multi-byte legacy encodings: a clean decode of a sample is decent evidence for them. */
const MULTIBYTE = new Set(['gb18030', 'gbk', 'big5', 'euc-jp', 'euc-kr', 'shift_jis', 'iso-2022-jp', 'cp949', 'johab', 'euc-tw']);

/** A resolved decoder. */
export interface Codec {
  /** Canonical name reported to callers. */
  readonly name: string;
  /** Decodes all bytes (invalid sequences become U+FFFD). */
  decode(bytes: Uint8Array): string;
  /** Decodes a sample, holding back an incomplete trailing sequence instead of emitting U+FFFD for it. */
  decodeSample(bytes: Uint8Array): string;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const codecCache = new Map<string, Codec | null>();

/** Normalises an encoding label (trim, lower case, strip quotes). */
function normaliseLabel(label: string): string {
  return label
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim()
    .toLowerCase();
}

/**
 * Resolves a charset label to a decoder: GBK/Big5 aliases first, then Node's TextDecoder (full ICU:
 * fast), then iconv-lite for labels TextDecoder does not know. Returns null for unknown labels.
 */
export function resolveCodec(label: string): Codec | null {
  let key = normaliseLabel(label);
  if (key === '') return null;
  const cached = codecCache.get(key);
  if (cached !== undefined) return cached;
  if (GBK_ALIASES.has(key)) key = 'gb18030';
  else if (BIG5_ALIASES.has(key)) key = 'big5';
  let codec: Codec | null = null;
  try {
    const name = new TextDecoder(key).encoding;
    codec = {
      name,
      decode: (bytes) => new TextDecoder(name, { ignoreBOM: true }).decode(bytes),
      decodeSample: (bytes) => new TextDecoder(name, { ignoreBOM: true }).decode(bytes, { stream: true }),
    };
  } catch {
    if (iconv.encodingExists(key)) {
      const name = key;
      codec = {
        name,
        decode: (bytes) => iconv.decode(toBuffer(bytes), name, { stripBOM: false }),
        decodeSample: (bytes) => iconv.getDecoder(name, { stripBOM: false }).write(toBuffer(bytes)),
      };
    }
  }
  codecCache.set(normaliseLabel(label), codec);
  return codec;
}

/** The `charset` parameter of a Content-Type value, or null. */
export function charsetFromContentType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s,]+))/i.exec(contentType);
  const label = m?.[1] ?? m?.[2] ?? m?.[3];
  return label ? normaliseLabel(label) : null;
}

const ATTR_RE = /([^\s"'=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

function parseAttributes(source: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of source.matchAll(ATTR_RE)) {
    const name = m[1]?.toLowerCase();
    if (name && !attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/**
 * The first charset declared in the head of an HTML document: `<meta charset>`, `<meta http-equiv=
 * "Content-Type" content="…; charset=…">`, or an `<?xml … encoding="…"?>` declaration. Comments are
 * skipped. Only the first {@link META_SCAN_BYTES} bytes are read.
 */
export function charsetFromMeta(bytes: Uint8Array): string | null {
  const head = toBuffer(bytes.subarray(0, META_SCAN_BYTES))
    .toString('latin1')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  for (const m of head.matchAll(/<meta\b([^>]*)>?/gi)) {
    const attrs = parseAttributes(m[1] ?? '');
    const charset = attrs.get('charset');
    if (charset !== undefined && charset.trim() !== '') return normaliseLabel(charset);
    const httpEquiv = attrs.get('http-equiv');
    const content = attrs.get('content');
    if (httpEquiv && /content-type/i.test(httpEquiv) && content) {
      const c = /charset\s*=\s*["']?([^\s"';,]+)/i.exec(content);
      if (c?.[1]) return normaliseLabel(c[1]);
    }
  }
  const xml = /^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  return xml?.[1] ? normaliseLabel(xml[1]) : null;
}

/** BOM at the start of the bytes → encoding and BOM length. */
function detectBom(bytes: Uint8Array): { name: 'utf-8' | 'utf-16le' | 'utf-16be'; length: number } | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { name: 'utf-8', length: 3 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { name: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { name: 'utf-16be', length: 2 };
  return null;
}

function firstHighByte(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return i;
  return -1;
}

/**
 * The bytes that are sniffed: the first {@link SAMPLE_BYTES} bytes, or — when those are pure ASCII (long
 * scripts and styles in the head) — {@link SAMPLE_BYTES} bytes from the first non-ASCII byte on. Null
 * when the whole document is ASCII (every ASCII-compatible charset decodes it the same way).
 */
function pickSample(bytes: Uint8Array): Uint8Array | null {
  const first = firstHighByte(bytes, 0);
  if (first < 0) return null;
  return first < SAMPLE_BYTES ? bytes.subarray(0, SAMPLE_BYTES) : bytes.subarray(first, first + SAMPLE_BYTES);
}

/**
 * Where a UTF-8 sequence cut off by the end of `bytes` starts (its lead byte among the last three
 * bytes, fewer bytes left than it needs), or `bytes.length` when the last sequence is whole.
 */
function cutSequenceStart(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= Math.max(0, n - 3); i--) {
    const b = bytes[i] as number;
    if (b < 0x80) return n;
    if (b < 0xc0) continue; // a continuation byte: the lead is further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return n - i < need ? i : n;
  }
  return n;
}

/** Whether the bytes of a cut-off sequence are a valid start of one (the second byte's range depends on the lead). */
function validUtf8Start(t: Uint8Array): boolean {
  const b0 = t[0] as number;
  if (b0 < 0xc2 || b0 > 0xf4) return false;
  if (t.length === 1) return true;
  const b1 = t[1] as number;
  const lo = b0 === 0xe0 ? 0xa0 : b0 === 0xf0 ? 0x90 : 0x80;
  const hi = b0 === 0xed ? 0x9f : b0 === 0xf4 ? 0x8f : 0xbf;
  if (b1 < lo || b1 > hi) return false;
  return t.length === 2 || ((t[2] as number) >= 0x80 && (t[2] as number) <= 0xbf);
}

/**
 * Number of UTF-8 multi-byte sequences when the sample is valid UTF-8 (a cut-off last sequence is
 * fine), else -1. Validated natively (`buffer.isUtf8`) rather than by decoding the sample: the same
 * answer as a fatal `TextDecoder` in streaming mode, without a decoder and a string per call.
 */
export function utf8Sequences(sample: Uint8Array): number {
  const cut = cutSequenceStart(sample);
  if (!isUtf8(sample.subarray(0, cut)) || (cut < sample.length && !validUtf8Start(sample.subarray(cut)))) return -1;
  let leads = 0;
  for (let i = 0; i < sample.length; i++) if ((sample[i] as number) >= 0xc0) leads++;
  return leads;
}

/**
 * A sample that is UTF-8 with a few stray bytes: at least {@link UTF8_EVIDENCE_SEQUENCES} valid
 * multi-byte sequences, and at most one invalid byte per {@link UTF8_STRAY_RATIO} valid sequences.
 * Legacy CJK text is far from this: most of its two-byte pairs are not valid UTF-8, so a page in
 * GBK has more invalid bytes than valid sequences.
 */
export function isMostlyUtf8(sample: Uint8Array): boolean {
  let valid = 0;
  let invalid = 0;
  const n = sample.length;
  for (let i = 0; i < n;) {
    const b = sample[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Expected length and the range of the second byte (RFC 3629: no overlongs, no surrogates).
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    }
    if (len === 0) {
      invalid++;
      i++;
      continue;
    }
    if (i + len > n) break; // cut off by the end of the sample
    let ok = (sample[i + 1] as number) >= lo && (sample[i + 1] as number) <= hi;
    for (let k = 2; ok && k < len; k++) ok = ((sample[i + k] as number) & 0xc0) === 0x80;
    if (ok) {
      valid++;
      i += len;
    } else {
      invalid++;
      i++;
    }
  }
  return valid >= UTF8_EVIDENCE_SEQUENCES && invalid * UTF8_STRAY_RATIO <= valid;
}

function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

interface SniffResult {
  codec: Codec;
  confidence: number;
}

const require = createRequire(import.meta.url);
let jschardetModule: typeof Jschardet | undefined;
/** jschardet, loaded on first use (its tables cost ~10 MB; UTF-8 portals never need them). */
const jschardet = (): typeof Jschardet => (jschardetModule ??= require('jschardet') as typeof Jschardet);

/** jschardet on the sample: supported encodings above the threshold that decode the sample cleanly, best first. */
function sniffLegacy(sample: Uint8Array): SniffResult[] {
  const out: SniffResult[] = [];
  for (const r of jschardet().detectAll(sample)) {
    if (!r.encoding || r.confidence < SNIFF_MIN_CONFIDENCE) continue;
    const codec = resolveCodec(r.encoding);
    if (!codec || codec.name === 'utf-8' || /^(?:us-)?ascii$/i.test(r.encoding)) continue;
    if (countReplacements(codec.decodeSample(sample)) > 0) continue;
    out.push({ codec, confidence: r.confidence });
  }
  return out;
}

/**
 * Is a declared charset believable for this sample?
 * - UTF-8: the sample must be valid UTF-8, or UTF-8 with a few stray bytes ({@link isMostlyUtf8}).
 * - UTF-16 without BOM: the sample must contain NUL bytes (ASCII text in UTF-16 does).
 * - anything else: the sample must not be (mostly) valid UTF-8 with {@link UTF8_EVIDENCE_SEQUENCES}+
 *   multi-byte sequences, must decode without U+FFFD, and — for single-byte charsets (ISO-8859-1, windows-1252…,
 *   a common server default) — jschardet's best guess must not be a multi-byte CJK encoding.
 */
function isPlausible(codec: Codec, sample: Uint8Array | null, sniff: () => SniffResult[]): boolean {
  if (sample === null) return !codec.name.startsWith('utf-16');
  if (codec.name === 'utf-8') return utf8Sequences(sample) >= 0 || isMostlyUtf8(sample);
  if (codec.name.startsWith('utf-16')) return sample.includes(0);
  if (utf8Sequences(sample) >= UTF8_EVIDENCE_SEQUENCES || isMostlyUtf8(sample)) return false;
  if (countReplacements(codec.decodeSample(sample)) > 0) return false;
  if (!MULTIBYTE.has(codec.name)) {
    const best = sniff()[0];
    if (best && MULTIBYTE.has(best.codec.name)) return false;
  }
  return true;
}

/**
 * Decodes bytes to text. See the module comment for the precedence; `source` says which rule chose the
 * charset. An unknown declared label is ignored (as browsers do). A meta declaring UTF-16 means UTF-8
 * (WHATWG: the bytes were readable as ASCII, so they are not UTF-16).
 */
export function decodeBytes(bytes: Uint8Array, opts: DecodeBytesOptions = {}): DecodedBytes {
  const { contentType, isHtml } = optionsSchema.parse(opts);

  const bom = detectBom(bytes);
  if (bom) {
    return {
      text: new TextDecoder(bom.name, { ignoreBOM: true }).decode(bytes.subarray(bom.length)),
      charset: bom.name,
      source: 'bom',
    };
  }

  const declared: { codec: Codec; source: 'header' | 'meta' }[] = [];
  const headerLabel = charsetFromContentType(contentType);
  const headerCodec = headerLabel ? resolveCodec(headerLabel) : null;
  if (headerCodec) declared.push({ codec: headerCodec, source: 'header' });
  if (isHtml) {
    const metaLabel = charsetFromMeta(bytes);
    let metaCodec = metaLabel ? resolveCodec(metaLabel) : null;
    if (metaCodec?.name.startsWith('utf-16')) metaCodec = resolveCodec('utf-8');
    else if (metaLabel === 'x-user-defined') metaCodec = resolveCodec('windows-1252');
    if (metaCodec && !declared.some((d) => d.codec.name === metaCodec.name)) declared.push({ codec: metaCodec, source: 'meta' });
  }

  const sample = pickSample(bytes);
  let sniffed: SniffResult[] | undefined;
  const sniff = (): SniffResult[] => (sniffed ??= sample ? sniffLegacy(sample) : []);
  const use = (codec: Codec, source: CharsetSource): DecodedBytes => ({ text: codec.decode(bytes), charset: codec.name, source });
  const utf8 = resolveCodec('utf-8') as Codec;

  for (const d of declared) if (isPlausible(d.codec, sample, sniff)) return use(d.codec, d.source);

  if (sample === null) return use(utf8, 'default');
  if (utf8Sequences(sample) >= 0) return use(utf8, 'sniff');
  // UTF-8 with a few damaged bytes stays UTF-8 (the damage becomes U+FFFD), not a clean-looking
  // decode in a legacy charset: GB18030 maps almost any byte pair to some character.
  if (isMostlyUtf8(sample)) return use(utf8, 'sniff');
  const best = sniff()[0];
  if (best) return use(best.codec, 'sniff');

  // Nothing fits cleanly: take the candidate with the fewest replacement characters on the sample.
  // Candidates, in order of preference on ties: the declarations, GB18030 (the usual legacy charset of
  // Chinese government sites), UTF-8.
  const fallbacks: { codec: Codec; source: CharsetSource }[] = [
    ...declared,
    { codec: resolveCodec('gb18030') as Codec, source: 'default' },
    { codec: utf8, source: 'default' },
  ];
  let chosen = fallbacks[0] as { codec: Codec; source: CharsetSource };
  let fewest = Number.POSITIVE_INFINITY;
  for (const f of fallbacks) {
    const n = countReplacements(f.codec.decodeSample(sample));
    if (n < fewest) {
      fewest = n;
      chosen = f;
    }
  }
  return use(chosen.codec, chosen.source);
}
