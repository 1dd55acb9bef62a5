/**
 * Charset labels → decoders. A label is normalised, the GBK and Big5 families are mapped to the
 * decoders browsers use for them (GB18030, Big5), then Node's TextDecoder is tried (full ICU:
 * fast) and iconv-lite for the labels it does not know. Also how cleanly a decode went (U+FFFD
 * count) and which legacy encodings are multi-byte.
 */
import iconv from 'iconv-lite';

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
export const MULTIBYTE = new Set(['gb18030', 'gbk', 'big5', 'euc-jp', 'euc-kr', 'shift_jis', 'iso-2022-jp', 'cp949', 'johab', 'euc-tw']);

/** A resolved decoder. */
export interface Codec {
  /** Canonical name reported to callers. */
  readonly name: string;
  /** Decodes all bytes (invalid sequences become U+FFFD). */
  decode(bytes: Uint8Array): string;
  /** Decodes a sample, holding back an incomplete trailing sequence instead of emitting U+FFFD for it. */
  decodeSample(bytes: Uint8Array): string;
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const codecCache = new Map<string, Codec | null>();

/** Normalises an encoding label (trim, lower case, strip quotes). */
export function normaliseLabel(label: string): string {
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

export function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}
