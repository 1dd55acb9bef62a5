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
 *
 * The steps live in their own modules: labels → decoders (charset-codecs.ts), BOM / header / meta
 * declarations (charset-declarations.ts), UTF-8 evidence (utf8-evidence.ts), the sample and
 * jschardet (charset-sniff.ts). This module decides between them.
 */
import { z } from 'zod';
import { MULTIBYTE, countReplacements, resolveCodec, type Codec } from './charset-codecs.js';
import { charsetFromContentType, charsetFromMeta, detectBom } from './charset-declarations.js';
import { pickSample, sniffLegacy, type SniffResult } from './charset-sniff.js';
import { isMostlyUtf8, UTF8_EVIDENCE_SEQUENCES, utf8Sequences } from './utf8-evidence.js';

export { resolveCodec } from './charset-codecs.js';
export type { Codec } from './charset-codecs.js';
export { META_SCAN_BYTES, charsetFromContentType, charsetFromMeta } from './charset-declarations.js';
export { SAMPLE_BYTES } from './charset-sniff.js';
export { UTF8_EVIDENCE_SEQUENCES, UTF8_STRAY_RATIO, isMostlyUtf8, utf8Sequences } from './utf8-evidence.js';

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

/**
 * A decode already made of some bytes: {@link decodeBytes} with these options, and what it gave.
 * Whoever holds one and reads the same bytes again (the crawl parses the page it decoded for its
 * own checks) passes it on instead of decoding twice; `decodeBytes` is pure, so reusing it changes nothing.
 */
export interface PriorDecode {
  contentType: string | undefined;
  isHtml: boolean;
  result: DecodedBytes;
}

/** Whether `v` has the shape of a {@link PriorDecode}. */
export function isPriorDecode(v: unknown): v is PriorDecode {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<PriorDecode>;
  return (
    (p.contentType === undefined || typeof p.contentType === 'string') &&
    typeof p.isHtml === 'boolean' &&
    typeof p.result === 'object' &&
    p.result !== null &&
    typeof p.result.text === 'string' &&
    typeof p.result.charset === 'string'
  );
}

const optionsSchema = z
  .object({
    contentType: z.string().optional(),
    isHtml: z.boolean().optional(),
  })
  .strict();

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
