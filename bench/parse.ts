/**
 * Parse benchmark, one round: reports/s of the full parser (HTML → canonical report, validation
 * included) over the corpus pages, and its time relative to a bare `cheerio.load(html)` of the
 * same pages in the same round. The parser builds its DOM with htmlparser2 (cheerio's htmlparser2
 * backend, ~3× faster than the default parse5 one), so the honest baseline is a bare load with that
 * backend — what the parser cannot avoid doing — and `parse_time_ratio_to_htmlparser2_load` (goal
 * ≤ 3) says how much the parser does on top of building the tree. The parse5 ratio is kept as
 * information. Each pass of the parser is followed by a pass of each load (interleaved, so a
 * machine that slows down mid-round slows all three alike); each figure is the median pass.
 * `NIANBAO_BENCH_PARSE_ITERATIONS` (default 30) sets the passes per round.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { envInt, median } from './rounds.js';
import { htmlStream, reportParser } from './shipped.js';

const { loadHtml } = htmlStream;
const { parseHtmlReport } = reportParser;

export interface ParseBenchResult {
  [key: string]: number;
  parse_pages: number;
  parse_reports_per_s: number;
  parse_ms_per_report: number;
  cheerio_load_ms_per_page: number;
  cheerio_parse5_load_ms_per_page: number;
  /** Parse time ÷ bare `cheerio.load(html)` (default parse5 backend). */
  parse_time_ratio_to_cheerio_load: number;
  /** Parse time ÷ bare `cheerio.load` with the htmlparser2 backend the parser itself uses (goal ≤ 3). */
  parse_time_ratio_to_htmlparser2_load: number;
}

/** The corpus pages (snapshots/corpus/*.html), read once. */
export function corpusPages(): string[] {
  const dir = join(import.meta.dirname, '..', 'snapshots', 'corpus');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

function timePass(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** One round: `iterations` interleaved passes of parse, htmlparser2 load and parse5 load over `pages`. */
export function parseRound(pages: string[] = corpusPages(), iterations = envInt(process.env, 'NIANBAO_BENCH_PARSE_ITERATIONS', 30, 1)): ParseBenchResult {
  const passes = {
    parse: () => pages.forEach((p) => parseHtmlReport(p)),
    htmlparser2: () => pages.forEach((p) => loadHtml(p)),
    parse5: () => pages.forEach((p) => load(p)),
  };
  for (let i = 0; i < 3; i++) for (const fn of Object.values(passes)) fn(); // warm-up
  const ms = { parse: [] as number[], htmlparser2: [] as number[], parse5: [] as number[] };
  for (let i = 0; i < iterations; i++) {
    ms.parse.push(timePass(passes.parse));
    ms.htmlparser2.push(timePass(passes.htmlparser2));
    ms.parse5.push(timePass(passes.parse5));
  }
  const parseMs = median(ms.parse);
  const loadMs = median(ms.htmlparser2);
  const parse5Ms = median(ms.parse5);
  return {
    parse_pages: pages.length,
    parse_reports_per_s: (pages.length / parseMs) * 1000,
    parse_ms_per_report: parseMs / pages.length,
    cheerio_load_ms_per_page: loadMs / pages.length,
    cheerio_parse5_load_ms_per_page: parse5Ms / pages.length,
    parse_time_ratio_to_cheerio_load: parseMs / parse5Ms,
    parse_time_ratio_to_htmlparser2_load: parseMs / loadMs,
  };
}
