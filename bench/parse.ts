/**
 * Parse benchmark: reports/s of the full parser (HTML → canonical report, validation included)
 * over the corpus pages, and its time relative to a bare `cheerio.load(html)` of the same pages
 * in the same run. The parser loads pages with cheerio's htmlparser2 backend, which is ~3× faster
 * than the default parse5 one, so the ratio to a bare load with that backend is reported too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { htmlStream, reportParser } from './shipped.js';

const { loadHtml } = htmlStream;
const { parseHtmlReport } = reportParser;

export interface ParseBenchResult {
  pages: number;
  iterations: number;
  parse_reports_per_s: number;
  parse_ms_per_report: number;
  cheerio_load_ms_per_page: number;
  cheerio_parse5_load_ms_per_page: number;
  /** Parse time ÷ bare `cheerio.load(html)` (default parse5 backend). */
  parse_time_ratio_to_cheerio_load: number;
  /** Parse time ÷ bare `cheerio.load` with the htmlparser2 backend the parser itself uses. */
  parse_time_ratio_to_htmlparser2_load: number;
}

function timeIt(fn: () => void, iterations: number): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!; // median ms per pass
}

export function benchParse(iterations = 30): ParseBenchResult {
  const dir = join(import.meta.dirname, '..', 'snapshots', 'corpus');
  const pages = readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  const parseMs = timeIt(() => pages.forEach((p) => parseHtmlReport(p)), iterations);
  const loadMs = timeIt(() => pages.forEach((p) => loadHtml(p)), iterations);
  const parse5Ms = timeIt(() => pages.forEach((p) => load(p)), iterations);
  return {
    pages: pages.length,
    iterations,
    parse_reports_per_s: Math.round((pages.length / parseMs) * 1000),
    parse_ms_per_report: parseMs / pages.length,
    cheerio_load_ms_per_page: loadMs / pages.length,
    cheerio_parse5_load_ms_per_page: parse5Ms / pages.length,
    parse_time_ratio_to_cheerio_load: parseMs / parse5Ms,
    parse_time_ratio_to_htmlparser2_load: parseMs / loadMs,
  };
}
