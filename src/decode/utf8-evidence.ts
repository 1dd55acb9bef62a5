/**
 * Evidence that a sample is UTF-8: valid UTF-8 (a sequence cut off by the end of the sample is
 * fine) with its count of multi-byte sequences, or UTF-8 with a few stray bytes. Legacy CJK text
 * rarely passes either test once it holds enough multi-byte characters.
 */
import { isUtf8 } from 'node:buffer';

/**
 * A sample that is valid UTF-8 and holds at least this many multi-byte sequences is taken as UTF-8 even
 * when a legacy charset is declared (GBK text is practically never valid UTF-8 at that length; short
 * strings are: GBK 息维业 = CF A2 CE AC D2 B5 is valid UTF-8, hence the threshold).
 */
export const UTF8_EVIDENCE_SEQUENCES = 8;
/** {@link isMostlyUtf8}: valid multi-byte sequences needed per stray (invalid) byte. */
export const UTF8_STRAY_RATIO = 20;

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
