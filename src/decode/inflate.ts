/**
 * Counting what an archive or a PDF really inflates to, before a converter (mammoth, jszip,
 * pdf.js) is let loose on it: each deflated part is inflated here with a ceiling (zlib's
 * `maxOutputLength`: it stops at the ceiling, it never allocates past it) and the bytes are counted
 * against the document's {@link BudgetMeter}. The sizes an archive declares are never trusted: a
 * zip entry that says 1 KB and inflates to 1 GB is refused at the budget's limit, as is a PDF
 * stream of a few KB that inflates to 1 GiB.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import type { BudgetLimit, BudgetMeter } from '../../parsers/budget.js';

/** One entry of a zip's central directory: where its data starts and how it is stored. */
interface ZipEntry {
  name: string;
  method: number;
  dataStart: number;
  compressedSize: number;
}

/** The entries of a zip (central directory), or null when none can be found (the caller's reader then says what is wrong). */
function zipEntries(buf: Buffer): ZipEntry[] | null {
  // End of central directory: 22 bytes + a comment of up to 64 KiB, at the end of the file.
  const from = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= from; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let k = 0; k < count && p + 46 <= buf.length; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) break;
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, Math.min(buf.length, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== 0x04034b50) continue;
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    // A size the entry cannot have (ZIP64 marker, past the end): up to the end of the file.
    if (compressedSize === 0xffffffff || dataStart + compressedSize > buf.length) compressedSize = Math.max(0, buf.length - dataStart);
    out.push({ name, method, dataStart, compressedSize });
  }
  return out;
}

/** True when zlib stopped at the ceiling. */
const isCeiling = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';

/**
 * Inflates `data` (raw deflate, or zlib-wrapped with `zlib: true`) up to `ceiling` bytes. Returns
 * the size, `Infinity` past the ceiling, or -1 when the data is not a readable deflate stream
 * (then the converter that reads it says what is wrong). `look` is shown the inflated bytes.
 */
export function inflatedSize(data: Uint8Array, ceiling: number, zlib = false, look?: (text: string) => void): number {
  if (ceiling <= 0) return data.length > 0 ? Infinity : 0;
  try {
    const opts = { maxOutputLength: ceiling, finishFlush: 2 /* Z_SYNC_FLUSH: a cut-off stream still counts */ };
    const out = zlib ? inflateSync(data, opts) : inflateRawSync(data, opts);
    look?.(out.toString('latin1'));
    return out.length;
  } catch (err) {
    return isCeiling(err) ? Infinity : -1;
  }
}

/**
 * Counts what each entry of a zip (a .docx, an OFD) inflates to, against the meter: an entry past
 * its limit (`limitOf(name)`, `maxEntryBytes` unless told) or the document past `maxInflatedBytes`
 * throws `NB_PARSE_TOO_LARGE` naming the entry. A zip whose directory cannot be read is left to the
 * converter (which refuses it with its own code).
 */
export function checkZipBudget(bytes: Uint8Array, meter: BudgetMeter, limitOf: (name: string) => BudgetLimit = () => 'maxEntryBytes'): void {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = zipEntries(buf);
  if (!entries) return;
  for (const e of entries) {
    meter.checkTime('inflating its parts');
    const limit = limitOf(e.name);
    const data = buf.subarray(e.dataStart, e.dataStart + e.compressedSize);
    let size: number;
    if (e.method === 0) size = data.length;
    else if (e.method === 8) size = inflatedSize(data, meter.entryAllowance(limit) + 1);
    else continue; // another method: the converter refuses it
    if (size === Infinity || size > meter.budget[limit]) {
      if (meter.entryAllowance(limit) < meter.budget[limit])
        throw meter.tooLarge('maxInflatedBytes', `inflates (its parts together, ${JSON.stringify(e.name)} reached) past`);
      throw meter.tooLarge(limit, `its part ${JSON.stringify(e.name)} inflates past`);
    }
    if (size > 0) meter.addInflated(size);
  }
}
