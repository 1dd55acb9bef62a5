/**
 * Sniffing the charset of bytes that declare none (or whose declaration is not believable): the
 * sample that is sniffed — never the whole document — and jschardet's candidates that decode it
 * cleanly. jschardet is loaded on first use.
 */
import { createRequire } from 'node:module';
import type Jschardet from 'jschardet';
import { countReplacements, resolveCodec, type Codec } from './charset-codecs.js';

/** Bytes sniffed (valid-UTF-8 test, replacement-character test, jschardet). */
export const SAMPLE_BYTES = 8 * 1024;
/** jschardet results below this confidence are ignored (jschardet's own MINIMUM_THRESHOLD). */
const SNIFF_MIN_CONFIDENCE = 0.2;

function firstHighByte(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return i;
  return -1;
}

/**
 * The bytes that are sniffed: the first {@link SAMPLE_BYTES} bytes, or — when those are pure ASCII (long
 * scripts and styles in the head) — {@link SAMPLE_BYTES} bytes from the first non-ASCII byte on. Null
 * when the whole document is ASCII (every ASCII-compatible charset decodes it the same way).
 */
export function pickSample(bytes: Uint8Array): Uint8Array | null {
  const first = firstHighByte(bytes, 0);
  if (first < 0) return null;
  return first < SAMPLE_BYTES ? bytes.subarray(0, SAMPLE_BYTES) : bytes.subarray(first, first + SAMPLE_BYTES);
}

export interface SniffResult {
  codec: Codec;
  confidence: number;
}

const require = createRequire(import.meta.url);
let jschardetModule: typeof Jschardet | undefined;
/** jschardet, loaded on first use (its tables cost ~10 MB; UTF-8 portals never need them). */
const jschardet = (): typeof Jschardet => (jschardetModule ??= require('jschardet') as typeof Jschardet);

/** jschardet on the sample: supported encodings above the threshold that decode the sample cleanly, best first. */
export function sniffLegacy(sample: Uint8Array): SniffResult[] {
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
