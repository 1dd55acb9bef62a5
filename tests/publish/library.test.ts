/**
 * The typed library (src/index.ts) as the README's "Library" section uses it: open a database,
 * ingest the corpus, check, search, export a view and publish — the same functions the CLI
 * commands call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import * as nianbao from '../../src/index.js';
import { runCheck } from '../../src/store/check.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { exportView } from '../../src/store/query.js';
import { searchReports } from '../../src/store/search.js';
import { CORPUS, tempDir } from '../store/helpers.js';

const tmp = tempDir('nianbao-library-');
afterAll(() => tmp.cleanup());

it('exports the functions the CLI calls, with their option schemas', () => {
  expect(nianbao.ingest).toBe(ingestPaths);
  expect(nianbao.check).toBe(runCheck);
  expect(nianbao.search).toBe(searchReports);
  expect(nianbao.exportView).toBe(exportView);
  for (const schema of [
    nianbao.IngestOptionsSchema,
    nianbao.CheckOptionsSchema,
    nianbao.SearchOptionsSchema,
    nianbao.ExportOptionsSchema,
    nianbao.PublishOptionsSchema,
    nianbao.CrawlOptionsSchema,
  ]) {
    expect(typeof schema.safeParse).toBe('function');
  }
  expect(nianbao.SearchOptionsSchema.parse({})).toMatchObject({ limit: 20, all: false, snippetLength: 80 });
  expect(nianbao.PublishOptionsSchema.parse({ outDir: 'x' })).toMatchObject({ name: 'nianbao', license: 'ODC-BY-1.0', force: false });
});

it('runs ingest → check → search → exportView → publish on the corpus', async () => {
  const file = join(tmp.dir, 'lib.db');
  const db = nianbao.openDatabase(file);
  try {
    const summary = await nianbao.ingest(db, [CORPUS], { snapshotsDir: `${file}.snapshots` });
    expect(summary.new).toBeGreaterThan(10);
    const checked = nianbao.check(db, { year: 2023 });
    expect(checked.reportsChecked).toBeGreaterThan(0);
    const hits = nianbao.search(db, '政府信息公开', { limit: 3 });
    expect(hits.hits.length).toBeGreaterThan(0);
    let csv = '';
    const sink = new nianbao.OutputSink(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          csv += chunk.toString('utf8');
          done();
        },
      }),
    );
    const rows = await nianbao.exportView(db, { view: 'report_summary', format: 'csv' }, sink);
    expect(csv.split('\r\n').filter(Boolean).length).toBe(rows + 1);
    const out = join(tmp.dir, 'pkg');
    const result = await nianbao.publish(db, { outDir: out, year: 2023 });
    expect(result.tables.find((t) => t.name === 'report_summary')?.rows).toBeGreaterThan(0);
    expect(existsSync(join(out, 'nianbao.db'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8')) as { 'nianbao:filters': { year: number } };
    expect(pkg['nianbao:filters'].year).toBe(2023);
    await expect(nianbao.publish(db, { outDir: out })).rejects.toMatchObject({ code: 'NB_PUBLISH_NOT_EMPTY' });
  } finally {
    db.close();
  }
}, 120_000);
