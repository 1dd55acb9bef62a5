/**
 * The explorer's query cache: a repeated summary query is answered from memory until another
 * connection commits (PRAGMA data_version), then read again.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QueryCache } from '../../src/explorer/cache.js';
import { summarySql } from '../../src/explorer/summary.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'nianbao-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('QueryCache', () => {
  it('answers a repeated query from memory until another connection writes', async () => {
    const dbFile = join(tmp, 'a.db');
    const files = join(tmp, 'files');
    mkdirSync(files);
    for (const n of ['fujian-pingtan-2019.html', 'fujian-pingtan-2021.html']) copyFileSync(join(CORPUS_DIR, n), join(files, n));
    const writer = openDatabase(dbFile);
    await ingestPaths(writer, [files], { snapshotsDir: join(tmp, 'snaps') });

    const reader = openDatabase(dbFile, { readonly: true });
    const cache = new QueryCache(reader);
    const sql = `SELECT report_id, year, new_received FROM (${summarySql('r.is_primary = 1')}) ORDER BY year`;
    const first = cache.all<{ year: number }>(sql);
    expect(first.map((r) => r.year)).toEqual([2019, 2021]);
    first.pop(); // a caller changing its array does not change the cache
    expect(cache.all(sql)).toEqual(reader.prepare(sql).all());
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
    // Other parameters are another entry.
    const one = `SELECT year FROM (${summarySql('r.year = @y')})`;
    expect(cache.all(one, { y: 2021 })).toEqual([{ year: 2021 }]);
    expect(cache.all(one, { y: 2019 })).toEqual([{ year: 2019 }]);
    expect(cache.misses).toBe(3);

    // Another connection commits a report: the next read sees it.
    copyFileSync(join(CORPUS_DIR, 'fujian-pingtan-2023.html'), join(files, 'fujian-pingtan-2023.html'));
    await ingestPaths(writer, [files], { snapshotsDir: join(tmp, 'snaps') });
    expect(cache.all<{ year: number }>(sql).map((r) => r.year)).toEqual([2019, 2021, 2023]);
    expect(cache.misses).toBe(4);
    expect(cache.all<{ year: number }>(sql)).toHaveLength(3);
    expect(cache.hits).toBe(2);
    reader.close();
    writer.close();
  });

  it('keeps at most maxRows rows, dropping the least recently used result', () => {
    const db = openDatabase(':memory:');
    const cache = new QueryCache(db, { maxRows: 5 });
    const q = (n: number) => `WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ${n}) SELECT x FROM s`;
    cache.all(q(3));
    cache.all(q(2));
    cache.all(q(3)); // hit: now the most recent
    cache.all(q(4)); // 3 + 2 + 4 > 5: drops q(2), then q(3)
    expect(cache.misses).toBe(3);
    cache.all(q(4));
    expect(cache.hits).toBe(2);
    cache.all(q(2));
    expect(cache.misses).toBe(4);
    // A result larger than the whole budget is returned, not kept.
    expect(cache.all(q(9))).toHaveLength(9);
    expect(cache.all(q(9))).toHaveLength(9);
    expect(cache.misses).toBe(6);
    db.close();
  });
});
