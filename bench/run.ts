/**
 * `npm run bench`: runs the benchmarks, prints a table and writes bench/results.json.
 * Benchmarks measure; they never fail the build (speed goals are not timed tests). They run the
 * compiled engine in dist/ (bench/shipped.ts), so the script builds it first.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCrawl } from './crawl.js';
import { benchOcr } from './ocr.js';
import { benchParse } from './parse.js';
import { benchPublish } from './publish.js';
import { ingestBench } from './shipped.js';

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const results: Record<string, unknown> = { machine, date: new Date().toISOString() };
const rows: [string, string, string][] = [];
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

const parse = benchParse();
Object.assign(results, parse);
rows.push(['parse: reports/s (corpus pages, validation included)', String(parse.parse_reports_per_s), '']);
rows.push(['parse: ms per report', parse.parse_ms_per_report.toFixed(2), '']);
rows.push(['parse: time ÷ bare cheerio.load(html)', parse.parse_time_ratio_to_cheerio_load.toFixed(2), 'goal ≤ 2']);
rows.push(['parse: time ÷ cheerio.load, htmlparser2 backend', parse.parse_time_ratio_to_htmlparser2_load.toFixed(2), '']);
rows.push([
  '  cheerio.load ms/page: htmlparser2 / parse5',
  `${parse.cheerio_load_ms_per_page.toFixed(2)} / ${parse.cheerio_parse5_load_ms_per_page.toFixed(2)}`,
  '',
]);

// Ingest: a generated set of reports (corpus pages with varied numbers). NIANBAO_BENCH_REPORTS sets its size.
const reports = Number(process.env['NIANBAO_BENCH_REPORTS'] ?? 10_000);
const ingest = await ingestBench.benchIngest({ reports, endToEndReports: Math.min(1000, reports) });
results['ingest_reports_per_s'] = ingest.storeOnly.reportsPerSecond;
results['ingest_cells_per_s'] = ingest.storeOnly.cellsPerSecond;
results['ingest_batch1_reports_per_s'] = ingest.storeOnlyPerReport.reportsPerSecond;
results['ingest_end_to_end_reports_per_s'] = ingest.endToEnd.reportsPerSecond;
results['ingest_end_to_end_1_worker_reports_per_s'] = ingest.endToEndOneWorker.reportsPerSecond;
results['ingest_sqlite_floor_reports_per_s'] = ingest.sqliteFloor.reportsPerSecond;
results['ingest_sqlite_floor_fts_ms_per_report'] = round3((ingest.sqliteFloor.ftsSeconds * 1000) / Math.max(1, ingest.sqliteFloor.reports));
rows.push([`ingest: reports/s, store only (${reports} files, --batch ${ingest.storeOnly.batch})`, String(ingest.storeOnly.reportsPerSecond), 'goal ≥ 1000']);
rows.push(['ingest: cells/s, store only', String(ingest.storeOnly.cellsPerSecond), '']);
rows.push([`ingest: reports/s, store only, --batch 1 (${ingest.storeOnlyPerReport.reports} files)`, String(ingest.storeOnlyPerReport.reportsPerSecond), '']);
rows.push([`ingest: reports/s end to end (read, parse, store; ${ingest.endToEnd.reports} files)`, String(ingest.endToEnd.reportsPerSecond), '']);
rows.push(['ingest: reports/s end to end, --parse-workers 1', String(ingest.endToEndOneWorker.reportsPerSecond), '']);
rows.push(['ingest: SQLite floor, reports/s (same rows by INSERT … SELECT)', String(ingest.sqliteFloor.reportsPerSecond), 'ceiling']);
rows.push(['  of which the trigram full-text index, ms/report', String(results['ingest_sqlite_floor_fts_ms_per_report']), '']);

// Crawl: the whole pipeline against local servers (politeness off), re-crawl, memory, browser launches.
const crawl = await benchCrawl();
Object.assign(results, crawl);
rows.push(['crawl: pages/s through the pipeline (politeness off)', String(crawl.crawl_pages_per_s), '']);
rows.push(['crawl: ratio to raw undici.request, same URLs and concurrency', crawl.crawl_ratio_to_raw_fetch.toFixed(3), 'goal ≥ 0.5']);
rows.push(['crawl: raw fetch time ÷ time to parse its reports alone', crawl.crawl_parse_only_ratio.toFixed(3), 'ceiling']);
rows.push(['crawl: peak RSS, MB (10,000 generated pages)', String(crawl.crawl_peak_rss_mb), 'goal ≤ 300, flat']);
rows.push(['crawl: re-crawl time ÷ first crawl (unchanged portal)', crawl.recrawl_time_ratio.toFixed(3), '']);
rows.push(['crawl: browser launches for static sites', String(crawl.browser_launches_static_sites), 'goal 0']);

// Publish: a data package of the corpus with its cells multiplied (NIANBAO_BENCH_PUBLISH_CELLS).
const pub = await benchPublish();
Object.assign(results, pub);
rows.push([`publish: table rows/s, CSV + Parquet + XLSX (${pub.publish_cells} cells)`, String(pub.publish_rows_per_s), '']);
rows.push(['publish: peak RSS, MB', String(pub.publish_peak_rss_mb), 'flat in rows']);
// OCR: a scanned report (300 dpi, image-only PDF) read end to end.
const ocr = await benchOcr();
Object.assign(results, ocr);
rows.push([
  `ocr: seconds per page (scan at 300 dpi, ${ocr.ocr_pages} pages)`,
  ocr.ocr_seconds_per_page === null ? 'n/a (no tesseract)' : ocr.ocr_seconds_per_page.toFixed(2),
  'goal ≤ 10',
]);
rows.push([
  'ocr: CPU seconds per page (this process and Tesseract)',
  ocr.ocr_cpu_seconds_per_page === null ? 'n/a' : ocr.ocr_cpu_seconds_per_page.toFixed(2),
  'load-free',
]);

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`machine: ${machine}`);
for (const [name, value, goal] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(12)}  ${goal}`);
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('written: bench/results.json');
