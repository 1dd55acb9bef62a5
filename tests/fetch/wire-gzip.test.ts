/**
 * A gzip body is kept as it came on the wire (FetchResult.gzip) only when it is one whole gzip
 * stream of the decoded body, and a snapshot stores those bytes instead of compressing the page
 * again: over a real server on 127.0.0.1, into a real SQLite file. A stream cut short (it decodes
 * with Z_SYNC_FLUSH), one of several members, or a body the wire's bytes do not belong to is
 * compressed anew, and every stored snapshot reads back as the body.
 */
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createFetcher, wholeGzipOf, type Fetcher } from '../../src/fetch/index.js';
import { openDatabase } from '../../src/store/db.js';
import { SnapshotStore, sha256Hex } from '../../src/store/snapshots.js';
import { tempDir } from '../crawl/helpers.js';
import { startServer, type TestServer } from './server.js';

const PAGE = Buffer.from(`<html><body>${'政府信息公开工作年度报告 '.repeat(400)}</body></html>`, 'utf8');
const WHOLE = zlib.gzipSync(PAGE, { level: 9 });
/** The stream without its trailer: gunzip with Z_SYNC_FLUSH still yields the page. */
const CUT = WHOLE.subarray(0, WHOLE.length - 8);

/** A second gzip member's content: the body is PAGE + TAIL, the last trailer TAIL's alone. */
const TAIL = Buffer.from('<p>附件</p>', 'utf8');

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function serve(): Promise<{ s: TestServer; f: Fetcher }> {
  const s = await startServer((req, res) => {
    const body = req.url === '/cut' ? CUT : req.url === '/members' ? Buffer.concat([WHOLE, zlib.gzipSync(TAIL)]) : WHOLE;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', 'content-length': String(body.length) }).end(body);
  });
  const f = createFetcher({ retryBaseDelayMs: 10, retryMaxDelayMs: 50 });
  cleanup.push(
    () => s.close(),
    () => f.close(),
  );
  return { s, f };
}

describe('the wire gzip of a response', () => {
  it('is kept for a whole stream, and not for one cut short or of two members', async () => {
    const { s, f } = await serve();
    const whole = await f.fetch(s.url('/whole'));
    expect(whole.body.equals(PAGE)).toBe(true);
    expect(whole.gzip?.equals(WHOLE)).toBe(true);

    const cut = await f.fetch(s.url('/cut'));
    expect(cut.body.equals(PAGE)).toBe(true); // decoded all the same…
    expect(cut.gzip).toBeUndefined(); // …but no gunzip with Z_FINISH would read these bytes back
    expect(() => zlib.gunzipSync(CUT)).toThrow();

    // Two members: valid gzip, but the last trailer is not the whole body's; compressed anew.
    const members = await f.fetch(s.url('/members'));
    expect(members.body.equals(Buffer.concat([PAGE, TAIL]))).toBe(true);
    expect(members.gzip).toBeUndefined();
  });

  it('wholeGzipOf refuses bytes that are not this body’s gzip', () => {
    expect(wholeGzipOf(WHOLE, PAGE)).toBe(WHOLE);
    expect(wholeGzipOf(WHOLE, Buffer.concat([PAGE, Buffer.from('x')]))).toBeUndefined();
    const other = Buffer.from(PAGE);
    other[100] = other[100]! ^ 1; // same length, other bytes: the CRC-32 tells
    expect(wholeGzipOf(WHOLE, other)).toBeUndefined();
    expect(wholeGzipOf(Buffer.from('not gzip at all, not even close'), PAGE)).toBeUndefined();
  });

  it('a snapshot stores the wire bytes as they came, and reads back as the page', async () => {
    const tmp = tempDir();
    const db = openDatabase(`${tmp.dir}/s.db`);
    try {
      const { s, f } = await serve();
      const res = await f.fetch(s.url('/whole'));
      const store = new SnapshotStore(`${tmp.dir}/snaps`, { db });
      const sha = sha256Hex(res.body);
      const rel = await store.put(res.body, sha, res.gzip);
      const row = db.prepare('SELECT gz, size FROM snapshot_blobs WHERE sha256 = ?').get(sha) as { gz: Buffer; size: number };
      expect(row.gz.equals(WHOLE)).toBe(true);
      expect(row.size).toBe(PAGE.length);
      expect((await store.get(rel)).equals(PAGE)).toBe(true);
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});
