/**
 * Reading a response body: its size caps (on the wire and decoded), its content-codings undone
 * (gzip, deflate with or without the zlib wrapper, br), truncation for robots.txt. Used by the
 * HTTP client (client.ts) for every exchange.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { BodyTooLargeError, DecompressionError, FetchError } from './errors.js';

const EMPTY: Buffer = Buffer.alloc(0);

/** Content-codings in the order they were applied, lower-case, `identity` removed. */
export function parseContentEncoding(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
}

function createDecoder(encoding: string, url: string): Transform {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate':
      return createInflateAuto();
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      throw new DecompressionError(encoding, 'unsupported content-encoding', { url });
  }
}

/**
 * `Content-Encoding: deflate` is meant to be zlib-wrapped, but many servers send raw deflate;
 * look at the first two bytes and pick the right inflater.
 */
function createInflateAuto(): Transform {
  let inner: zlib.Inflate | zlib.InflateRaw | undefined;
  let head: Buffer = EMPTY;
  const zopts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const start = (t: Transform, bytes: Buffer): zlib.Inflate | zlib.InflateRaw => {
    const z = isZlibHeader(bytes) ? zlib.createInflate(zopts) : zlib.createInflateRaw(zopts);
    z.on('data', (d: Buffer) => t.push(d));
    z.on('error', (e) => t.destroy(e));
    return z;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!inner) {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (head.length < 2) return cb();
        inner = start(this, head);
        chunk = head;
      }
      inner.write(chunk, () => cb());
    },
    flush(cb) {
      if (!inner) {
        if (head.length === 0) return cb();
        inner = start(this, head);
        inner.write(head);
      }
      inner.once('end', () => cb());
      inner.end();
    },
    destroy(err, cb) {
      inner?.destroy();
      cb(err);
    },
  });
}

/** Internal signal: the body reached `maxBytes` in truncate mode. */
class TruncatedSignal extends Error {}

/**
 * A body without content-coding (most pages): its chunks read in a loop, with the same limits as
 * {@link readBody} (the bytes on the wire are the decoded bytes) — no stream pipeline built per
 * response. Leaving the loop early (a limit, an error) destroys the body, which drops the connection.
 */
async function readPlainBody(
  body: Readable,
  maxBytes: number,
  truncate: boolean,
  url: string,
): Promise<{ body: Buffer; rawBytes: number; truncated: boolean }> {
  let raw = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (raw + chunk.length > maxBytes) {
      if (!truncate) throw new BodyTooLargeError('raw', maxBytes, raw + chunk.length, { url });
      chunks.push(chunk.subarray(0, maxBytes - raw));
      return { body: Buffer.concat(chunks, maxBytes), rawBytes: raw + chunk.length, truncated: true };
    }
    raw += chunk.length;
    chunks.push(chunk);
  }
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, raw), rawBytes: raw, truncated: false };
}

/**
 * Stream the body through counters and decoders, stopping as soon as a limit is crossed (the
 * pipeline is destroyed, which drops the connection). In truncate mode the first `maxBytes`
 * decoded bytes are kept instead.
 */
export async function readBody(
  body: Readable,
  encodings: string[],
  maxBytes: number,
  truncate: boolean,
  url: string,
): Promise<{ body: Buffer; rawBytes: number; truncated: boolean; gzip?: Buffer | undefined }> {
  if (encodings.length === 0) return readPlainBody(body, maxBytes, truncate, url);
  if (encodings.length === 1 && !truncate) {
    const head = await readHead(body, Math.min(ONE_SHOT_RAW_BYTES, maxBytes));
    if (head.ended) {
      const decoded = decodeWhole(encodings[0]!, head.bytes, maxBytes, url);
      const gzip = encodings[0] === 'gzip' || encodings[0] === 'x-gzip' ? wholeGzipOf(head.bytes, decoded) : undefined;
      return { body: decoded, rawBytes: head.bytes.length, truncated: false, gzip };
    }
    // Longer than that: decoded while it streams in (a bomb is stopped after little of it was read).
    body = Readable.from(replay(head.chunks, head.rest));
  }
  return streamBody(body, encodings, maxBytes, truncate, url);
}

/**
 * A body with one content-coding whose compressed size is at most this is read whole and decoded
 * in one call: for a page of a few KB on the wire, a decompression stream with its pipeline cost
 * more CPU than the decompression. The decoded size is capped all the same.
 */
const ONE_SHOT_RAW_BYTES = 64 * 1024;

/** The first chunks of `body`, up to `limit` bytes: all of it (`ended`) or the iterator to go on with. */
async function readHead(
  body: Readable,
  limit: number,
): Promise<{ ended: true; bytes: Buffer } | { ended: false; chunks: Buffer[]; rest: AsyncIterator<Buffer> }> {
  const it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let n = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) return { ended: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n) };
    chunks.push(next.value);
    n += next.value.length;
    if (n > limit) return { ended: false, chunks, rest: it };
  }
}

async function* replay(chunks: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* chunks;
  try {
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** Decodes a whole body of one content-coding (as the streaming decoders of {@link createDecoder} would). */
function decodeWhole(encoding: string, raw: Buffer, maxBytes: number, url: string): Buffer {
  const zopts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxBytes };
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        return zlib.gunzipSync(raw, zopts);
      case 'deflate':
        if (raw.length === 0) return EMPTY;
        return isZlibHeader(raw) ? zlib.inflateSync(raw, zopts) : zlib.inflateRawSync(raw, zopts);
      case 'br':
        return zlib.brotliDecompressSync(raw, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, maxOutputLength: maxBytes });
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyTooLargeError('decoded', maxBytes, maxBytes + 1, { url });
    throw new DecompressionError(encoding, (err as Error).message, { url, cause: err });
  }
  throw new DecompressionError(encoding, 'unsupported content-encoding', { url });
}

/**
 * `raw` when it is a gzip stream of exactly `decoded` that any gunzip reads back whole: it starts
 * with the gzip magic and ends with the trailer of `decoded` (CRC-32 and size, RFC 1952). A
 * stream cut short (read with Z_SYNC_FLUSH, it decodes without error) or followed by other bytes
 * has no such trailer. A snapshot keeps such bytes as they came instead of compressing the page
 * again (SnapshotStore.put's `gzipped`).
 */
export function wholeGzipOf(raw: Buffer, decoded: Buffer): Buffer | undefined {
  if (raw.length < 18 || raw[0] !== 0x1f || raw[1] !== 0x8b) return undefined;
  if (raw.readUInt32LE(raw.length - 4) !== decoded.length % 2 ** 32) return undefined;
  return raw.readUInt32LE(raw.length - 8) === zlib.crc32(decoded) ? raw : undefined;
}

/** `Content-Encoding: deflate` with the zlib wrapper (RFC 1950), not raw deflate. */
function isZlibHeader(bytes: Buffer): boolean {
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  return bytes.length >= 2 && (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
}

/** The streaming path of {@link readBody}. */
async function streamBody(
  body: Readable,
  encodings: string[],
  maxBytes: number,
  truncate: boolean,
  url: string,
): Promise<{ body: Buffer; rawBytes: number; truncated: boolean }> {
  let raw = 0;
  let decoded = 0;
  const chunks: Buffer[] = [];
  const decoders = [...encodings].reverse().map((e) => ({ encoding: e, stream: createDecoder(e, url) }));
  let decoderFailure: { encoding: string; error: Error } | undefined;
  for (const d of decoders) {
    d.stream.once('error', (error) => {
      decoderFailure ??= { encoding: d.encoding, error };
    });
  }
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      raw += chunk.length;
      // In truncate mode the decoded-size check cuts the body; the raw limit only guards against
      // endless junk that decodes to nothing.
      if (raw <= (truncate ? 2 * maxBytes + 65_536 : maxBytes)) cb(null, chunk);
      else if (truncate) cb(new TruncatedSignal());
      else cb(new BodyTooLargeError('raw', maxBytes, raw, { url }));
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (decoded + chunk.length > maxBytes) {
        if (!truncate) return cb(new BodyTooLargeError('decoded', maxBytes, decoded + chunk.length, { url }));
        chunks.push(chunk.subarray(0, maxBytes - decoded));
        decoded = maxBytes;
        return cb(new TruncatedSignal());
      }
      decoded += chunk.length;
      chunks.push(chunk);
      cb();
    },
  });
  try {
    await pipeline([body, counter, ...decoders.map((d) => d.stream), sink]);
  } catch (err) {
    if (err instanceof TruncatedSignal) return { body: Buffer.concat(chunks, decoded), rawBytes: raw, truncated: true };
    if (err instanceof FetchError) throw err;
    if (decoderFailure && decoderFailure.error === err) {
      throw new DecompressionError(decoderFailure.encoding, decoderFailure.error.message, { url, cause: err });
    }
    throw err;
  }
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, decoded), rawBytes: raw, truncated: false };
}
