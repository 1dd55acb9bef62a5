/**
 * Publish benchmark: the corpus ingested, its cells multiplied to NIANBAO_BENCH_PUBLISH_CELLS rows
 * (default 200,000; copies of the real cells under new `ord`s), then `publish` run on it: rows
 * written per second (CSV + Parquet + XLSX of every table) and the peak RSS, sampled. Memory should
 * stay flat in the number of rows (every writer streams).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestLib, publishLib, store } from './shipped.js';

export async function benchPublish(): Promise<{ publish_cells: number; publish_rows_per_s: number; publish_seconds: number; publish_peak_rss_mb: number }> {
  const target = Number(process.env['NIANBAO_BENCH_PUBLISH_CELLS'] ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-publish-'));
  try {
    const file = join(dir, 'bench.db');
    const db = store.openDatabase(file);
    await ingestLib.ingestPaths(db, [join(import.meta.dirname, '..', 'snapshots', 'corpus')], { snapshotsDir: `${file}.snapshots` });
    const base = (db.prepare('SELECT count(*) AS n FROM cells').get() as { n: number }).n;
    const copy = db.prepare(
      `INSERT INTO cell_values SELECT report_id, ord + @k * 1000000, key_id, value, raw, unit, flags, table_index, grid_row, grid_col
       FROM cell_values WHERE ord < 1000000`,
    );
    db.transaction(() => {
      for (let k = 1; (k + 1) * base <= target; k++) copy.run({ k });
    })();
    const cells = (db.prepare('SELECT count(*) AS n FROM cells').get() as { n: number }).n;
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const t0 = performance.now();
    const result = await publishLib.publish(db, { outDir: join(dir, 'out') });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    db.close();
    const rows = result.tables.reduce((a, t) => a + t.rows, 0);
    return {
      publish_cells: cells,
      publish_rows_per_s: Math.round(rows / seconds),
      publish_seconds: Math.round(seconds * 10) / 10,
      publish_peak_rss_mb: Math.round(peak / 2 ** 20),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
