/**
 * One document, several places (issue 20): the same file ingested from two paths is stored once,
 * with both locations; ingesting it again counts it seen again. Its agency is the one its title
 * names, with that provenance; a file naming no body has none.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, runCli, tempDir } from './helpers.js';

describe('document locations of ingested files', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('stores a file found in two folders once, with both paths', () => {
    const a = join(tmp.dir, 'city');
    const b = join(tmp.dir, 'county');
    mkdirSync(a);
    mkdirSync(b);
    copyFileSync(join(CORPUS, 'fujian-pingtan-2021.html'), join(a, 'report.html'));
    copyFileSync(join(CORPUS, 'fujian-pingtan-2021.html'), join(b, '2021年报.html'));
    const dbFile = join(tmp.dir, 'loc.db');
    expect(runCli(['ingest', a, '--db', dbFile]).code).toBe(0);
    expect(runCli(['ingest', b, a, '--db', dbFile]).code).toBe(0);
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM documents').pluck().get()).toBe(1);
      const locs = db.prepare('SELECT place, times_seen, publisher_id FROM document_locations ORDER BY place').all();
      expect(locs).toEqual([
        { place: join(a, 'report.html'), times_seen: 2, publisher_id: null },
        { place: join(b, '2021年报.html'), times_seen: 1, publisher_id: null },
      ]);
      expect(db.prepare('SELECT a.name, r.agency_source, r.publisher_id FROM reports r JOIN agencies a ON a.id = r.agency_id').get()).toEqual({
        name: '平潭综合实验区',
        agency_source: 'title',
        publisher_id: null,
      });
    } finally {
      db.close();
    }
  });
});
