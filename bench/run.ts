/**
 * `npm run bench`: runs the benchmarks, prints a table and writes bench/results.json.
 * Benchmarks measure; they never fail the build (speed goals are not timed tests). They run the
 * compiled engine in dist/ (bench/shipped.ts), so the script builds it first.
 *
 * Every benchmark is a round function returning a record of numbers, run `NIANBAO_BENCH_ROUNDS`
 * times (default 3) by bench/rounds.ts: results.json holds, per figure, `key` (the median of the
 * rounds), `key_min` and `key_max`. The 1-minute load average is read before and after; a machine
 * too busy to trust is said on the terminal and recorded (`load.busy`, `load.warnings`).
 *
 * Reduced runs (environment): NIANBAO_BENCH_ONLY=parse,ingest,crawl,publish,ocr (a subset),
 * NIANBAO_BENCH_ROUNDS, NIANBAO_BENCH_PARSE_ITERATIONS (30), NIANBAO_BENCH_REPORTS (10,000 ingested),
 * NIANBAO_BENCH_POLITE_INTERVAL_MS (1000), NIANBAO_BENCH_RSS_LISTS (100 list pages per generated
 * site: 10,000 pages), NIANBAO_BENCH_PUBLISH_CELLS.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCrawl } from './crawl.js';
import { benchOcr } from './ocr.js';
import { parseRound } from './parse.js';
import { benchPublish } from './publish.js';
import { benchRounds, envInt, formatSpread, judgeLoad, machineLoad, runRounds, type Summary } from './rounds.js';
import { benchIngest, benchIngestPeakRss } from './ingest.js';

const SECTIONS = ['parse', 'ingest', 'crawl', 'publish', 'ocr'] as const;
const only = (process.env['NIANBAO_BENCH_ONLY'] ?? '').split(',').filter(Boolean);
for (const name of only)
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`NIANBAO_BENCH_ONLY: unknown benchmark ${name} (${SECTIONS.join(', ')})`);
const wants = (name: (typeof SECTIONS)[number]): boolean => only.length === 0 || only.includes(name);

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const rounds = benchRounds();
const loadBefore = machineLoad();
const results: Record<string, unknown> = {
  machine,
  date: new Date().toISOString(),
  rounds,
  figures: 'key = median of the rounds; key_min and key_max beside it',
};
/** Printed rows: label, the figure's key in the summary (median and spread shown), digits, goal. */
const rows: [label: string, value: string, goal: string][] = [];
const row = (s: Summary, label: string, key: string, digits: number, goal = ''): void => {
  rows.push([label, formatSpread(s, key, digits), goal]);
};

if (wants('parse')) {
  const parse = await runRounds('parse', () => parseRound());
  Object.assign(results, parse);
  row(parse, `parse: reports/s (${parse['parse_pages']} corpus pages, validation included)`, 'parse_reports_per_s', 0);
  row(parse, 'parse: ms per report', 'parse_ms_per_report', 2);
  row(parse, 'parse: time ÷ bare cheerio.load, htmlparser2 backend (the one it uses)', 'parse_time_ratio_to_htmlparser2_load', 2, 'goal ≤ 3');
  row(parse, '  the same in CPU time', 'parse_cpu_ratio_to_htmlparser2_load', 2);
  row(parse, 'parse: time ÷ bare cheerio.load, default parse5 backend', 'parse_time_ratio_to_cheerio_load', 2);
  row(parse, '  cheerio.load ms/page, htmlparser2', 'cheerio_load_ms_per_page', 2);
  row(parse, '  cheerio.load ms/page, parse5', 'cheerio_parse5_load_ms_per_page', 2);
}

if (wants('ingest')) {
  // Ingest: a generated set of reports (corpus pages with varied numbers). NIANBAO_BENCH_REPORTS sets its size.
  const reports = envInt(process.env, 'NIANBAO_BENCH_REPORTS', 10_000, 1);
  let batch = 0;
  let searchMode = '';
  const ingest = await runRounds('ingest', async () => {
    const r = await benchIngest({ reports, endToEndReports: Math.min(1000, reports) });
    batch = r.storeOnly.batch;
    searchMode = r.shortTermSearch.mode;
    const rowsSeconds = Math.max(1e-9, r.storeOnly.seconds - r.storeOnly.indexSeconds);
    return {
      ingest_reports_per_s: r.storeOnly.reportsPerSecond,
      ingest_rows_reports_per_s: Math.round(r.storeOnly.reports / rowsSeconds),
      ingest_index_seconds: r.storeOnly.indexSeconds,
      ingest_no_index_thread_reports_per_s: r.storeOnlyNoIndexThread.reportsPerSecond,
      ingest_no_index_thread_index_seconds: r.storeOnlyNoIndexThread.indexSeconds,
      ingest_cells_per_s: r.storeOnly.cellsPerSecond,
      ingest_batch1_reports_per_s: r.storeOnlyPerReport.reportsPerSecond,
      ingest_end_to_end_reports_per_s: r.endToEnd.reportsPerSecond,
      ingest_end_to_end_1_worker_reports_per_s: r.endToEndOneWorker.reportsPerSecond,
      ingest_sqlite_floor_reports_per_s: r.sqliteFloor.reportsPerSecond,
      ingest_sqlite_floor_fts_ms_per_report: (r.sqliteFloor.ftsSeconds * 1000) / Math.max(1, r.sqliteFloor.reports),
      search_short_term_ms: r.shortTermSearch.ms,
    };
  });
  Object.assign(results, ingest);
  row(ingest, `ingest: reports/s, store only (${reports} files, --batch ${batch}; search index included)`, 'ingest_reports_per_s', 0, 'goal ≥ 1000');
  row(ingest, "  up to the last report (the index's end excluded)", 'ingest_rows_reports_per_s', 0);
  row(ingest, "  the index's end (the index thread's last group, the pass), s", 'ingest_index_seconds', 2);
  row(ingest, '  the same with --no-index-thread (the index in a pass at the end)', 'ingest_no_index_thread_reports_per_s', 0);
  row(ingest, '    that pass, s', 'ingest_no_index_thread_index_seconds', 1);
  row(ingest, 'ingest: cells/s, store only', 'ingest_cells_per_s', 0);
  row(ingest, 'ingest: reports/s, store only, --batch 1', 'ingest_batch1_reports_per_s', 0);
  row(ingest, 'ingest: reports/s end to end (read, parse, store)', 'ingest_end_to_end_reports_per_s', 0);
  row(ingest, 'ingest: reports/s end to end, --parse-workers 1', 'ingest_end_to_end_1_worker_reports_per_s', 0);
  row(ingest, 'ingest: SQLite floor, reports/s (same rows by INSERT … SELECT, index inside)', 'ingest_sqlite_floor_reports_per_s', 0);
  row(ingest, '  of which the search index (bigram pieces), ms/report', 'ingest_sqlite_floor_fts_ms_per_report', 3);
  row(ingest, `search: ms for a 2-character term (${reports} reports, ${searchMode})`, 'search_short_term_ms', 2, 'goal ≤ 5');
  const rss = await runRounds('ingest-rss', async () => ({ ingest_peak_rss_mb: (await benchIngestPeakRss(reports)).peakRssMb }));
  Object.assign(results, rss);
  row(rss, `ingest: peak RSS, MB (${reports} reports, store only, own process)`, 'ingest_peak_rss_mb', 0, 'goal ≤ 300');
}

if (wants('crawl')) {
  // Crawl: the demo portal (served by a process of its own), politeness off and on; memory of a long crawl.
  const crawl = await benchCrawl();
  Object.assign(results, crawl);
  row(crawl, 'crawl: CPU ms per page (politeness off; portal in its own process)', 'crawl_cpu_ms_per_page', 2);
  row(crawl, '  parsing its reports alone, CPU ms per crawl page', 'parse_only_cpu_ms_per_page', 2);
  row(crawl, 'crawl: CPU ÷ CPU of parsing its reports alone', 'crawl_overhead_ratio', 2, 'goal ≤ 1.5');
  row(crawl, '  floor: (parse + bare undici requests) CPU ÷ parse CPU (information)', 'crawl_overhead_floor_ratio', 2);
  row(crawl, '  bare undici requests, CPU ms per page (information)', 'raw_fetch_cpu_ms_per_page', 2);
  row(crawl, '  storing floor: + bodies gunzipped and hashed + rows, blobs, index written, ÷ parse (information)', 'crawl_storing_floor_ratio', 2);
  row(crawl, '    bodies gunzipped and hashed, CPU ms per page (information)', 'bodies_floor_cpu_ms_per_page', 3);
  row(crawl, '    rows, blobs and index written from JavaScript values, CPU ms per page (information)', 'rows_floor_cpu_ms_per_page', 3);
  row(crawl, 'crawl: polite crawl time ÷ busiest host bound ((n − 1) × interval)', 'polite_crawl_bound_ratio', 3, 'goal ≤ 1.05');
  row(crawl, '  polite crawl, seconds', 'polite_crawl_seconds', 2);
  row(crawl, '  busiest host bound, seconds', 'polite_crawl_bound_seconds', 2);
  row(crawl, 'crawl: pages/s (politeness off)', 'crawl_pages_per_s', 1);
  row(crawl, 'crawl: rate ÷ raw undici.request of the same requests (information)', 'crawl_ratio_to_raw_fetch', 3);
  row(crawl, 'crawl: raw fetch time ÷ time to parse its reports alone (information)', 'crawl_parse_only_ratio', 3);
  row(crawl, `crawl: peak RSS, MB (${crawl['crawl_rss_pages']} generated pages)`, 'crawl_peak_rss_mb', 0, 'goal ≤ 300, flat');
  row(crawl, 'crawl: re-crawl time ÷ first crawl (unchanged portal)', 'recrawl_time_ratio', 3);
  row(crawl, 'crawl: browser launches for static sites', 'browser_launches_static_sites', 0, 'goal 0');
}

if (wants('publish')) {
  // Publish: a data package of the corpus with its cells multiplied (NIANBAO_BENCH_PUBLISH_CELLS).
  const pub = await runRounds('publish', async () => ({ ...(await benchPublish()) }));
  Object.assign(results, pub);
  row(pub, `publish: table rows/s, CSV + Parquet + XLSX (${pub['publish_cells']} cells)`, 'publish_rows_per_s', 0);
  row(pub, 'publish: peak RSS, MB', 'publish_peak_rss_mb', 0, 'flat in rows');
}

if (wants('ocr')) {
  // OCR: a scanned report (300 dpi, image-only PDF) read end to end; n/a without tesseract.
  const ocr = await runRounds('ocr', async () => ({ ...(await benchOcr()) }));
  Object.assign(results, ocr);
  row(ocr, `ocr: seconds per page (scan at 300 dpi, ${ocr['ocr_pages'] ?? 0} pages)`, 'ocr_seconds_per_page', 2, 'goal ≤ 10');
  row(ocr, '  CPU seconds per page (this process and Tesseract; load-free)', 'ocr_cpu_seconds_per_page', 2);
}

const load = judgeLoad(loadBefore, machineLoad());
results['load'] = load;

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`machine: ${machine}; ${rounds} round(s) per figure: median (min–max)`);
for (const [name, value, goal] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(24)}  ${goal}`);
console.log(`load average (1 min) on ${load.cores} cores: ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after`);
for (const w of load.warnings) console.warn(`WARNING: ${w}`);
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('written: bench/results.json');
