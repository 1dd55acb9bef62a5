/**
 * Files read, hashed and gzipped on a worker thread (src/ingest/read-pool.ts) store the same
 * documents, reports, cells and snapshots as files read on the writing thread; a file that cannot
 * be read is reported the same way by both.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingestPaths, READ_POOL_MIN_FILES } from '../../src/ingest/index.js';
import { ReadPool } from '../../src/ingest/read-pool.js';
import { openDatabase } from '../../src/store/db.js';
import { sha256Hex } from '../../src/store/snapshots.js';
import { CORPUS, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Corpus pages (each with a numbered marker, so each is a new document) until `count` files. */
function inputs(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const pages = readdirSync(CORPUS)
    .filter((n) => n.endsWith('.html') || n.endsWith('.txt'))
    .sort();
  for (let i = 0; i < count; i++) {
    const name = pages[i % pages.length]!;
    writeFileSync(join(dir, `${String(i).padStart(3, '0')}-${name}`), Buffer.concat([readFileSync(join(CORPUS, name)), Buffer.from(`\n<!-- ${i} -->\n`)]));
  }
}

const rows = (file: string): string => {
  const db = openDatabase(file, { readonly: true });
  const q = (sql: string): unknown[] => db.prepare(sql).raw().all();
  const out = JSON.stringify([
    q('SELECT id, sha256, size, kind, snapshot_path, file_name FROM documents ORDER BY id'),
    q('SELECT id, document_id, agency_id, year, format, status, cell_count, is_primary FROM reports ORDER BY id'),
    q('SELECT * FROM cells ORDER BY report_id, ord'),
    q('SELECT report_id, rule, message FROM findings ORDER BY id'),
    q('SELECT sha256, size FROM snapshot_blobs ORDER BY sha256'),
  ]);
  db.close();
  return out;
};

describe('ReadPool', () => {
  it('stores the same rows as reading on the writing thread', async () => {
    const dir = join(tmp.dir, 'in');
    inputs(dir, READ_POOL_MIN_FILES + 8);
    const dbs: string[] = [];
    for (const readWorkers of [0, 1]) {
      const file = join(tmp.dir, `w${readWorkers}.db`);
      const db = openDatabase(file);
      const s = await ingestPaths(db, [dir], { snapshotsDir: `${file}.snapshots`, readWorkers });
      expect(s.new).toBe(READ_POOL_MIN_FILES + 8);
      expect(s.errors).toEqual([]);
      // Every snapshot reads back as the bytes of its file.
      const blobs = db.prepare('SELECT sha256, gz FROM snapshot_blobs').all() as { sha256: string; gz: Buffer }[];
      for (const b of blobs) expect(sha256Hex(gunzipSync(b.gz))).toBe(b.sha256);
      db.close();
      dbs.push(file);
    }
    expect(rows(dbs[1]!)).toBe(rows(dbs[0]!));
  });

  it('reads, hashes and gzips on its thread; a missing or unreadable file rejects like readFile', async () => {
    const pool = new ReadPool(1);
    try {
      const path = join(
        CORPUS,
        readdirSync(CORPUS).find((n) => n.endsWith('.html'))!,
      );
      const bytes = readFileSync(path);
      const r = await pool.read(path);
      expect(r.sha).toBe(sha256Hex(bytes));
      expect(r.bytes.equals(bytes)).toBe(true);
      expect(gunzipSync(r.gz!).equals(bytes)).toBe(true);
      await expect(pool.read(join(tmp.dir, 'nope.html'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(pool.read(tmp.dir)).rejects.toMatchObject({ code: 'EISDIR' });
    } finally {
      await pool.close();
    }
  });

  it('reads on the calling thread once closed (a thread gone hands its files back)', async () => {
    const pool = new ReadPool(1);
    await pool.close();
    const path = join(
      CORPUS,
      readdirSync(CORPUS).find((n) => n.endsWith('.html'))!,
    );
    const r = await pool.read(path);
    expect(r.sha).toBe(sha256Hex(readFileSync(path)));
    expect(r.gz).toBeNull();
  });
});
