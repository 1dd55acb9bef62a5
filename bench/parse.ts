/**
 * Parse benchmark, one round: reports/s of the full parser (HTML → canonical report, validation
 * included) over the corpus pages, and its time relative to a bare `cheerio.load(html)` of the
 * same pages in the same round. The parser builds its DOM with htmlparser2 (cheerio's htmlparser2
 * backend, ~3× faster than the default parse5 one), so the honest baseline is a bare load with that
 * backend — what the parser cannot avoid doing — and `parse_time_ratio_to_htmlparser2_load` (goal
 * ≤ 3) says how much the parser does on top of building the tree. The parse5 ratio is kept as
 * information. Each pass of the parser is followed by a pass of the htmlparser2 load (interleaved,
 * so a machine that slows down mid-round slows both alike; the parse5 passes come after them); the
 * speeds are of the median pass, the ratios of the summed passes (wall time, and CPU time beside it).
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
  /** The same with CPU time (what a loaded machine does not inflate by making a pass wait for a core). */
  parse_cpu_ratio_to_htmlparser2_load: number;
}

/** The corpus pages (snapshots/corpus/*.html), read once. */
export function corpusPages(): string[] {
  const dir = join(import.meta.dirname, '..', 'snapshots', 'corpus');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

interface PassTimes {
  wall: number[];
  cpu: number[];
}

/** Runs one pass, adding its wall time and its CPU time (this process: user + system, GC threads included), ms. */
function timePass(fn: () => void, into: PassTimes): void {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  into.wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const c = process.cpuUsage(c0);
  into.cpu.push((c.user + c.system) / 1000);
}

const sum = (values: readonly number[]): number => values.reduce((a, v) => a + v, 0);

/** One round: `iterations` interleaved passes of parse, htmlparser2 load and parse5 load over `pages`. */
export function parseRound(pages: string[] = corpusPages(), iterations = envInt(process.env, 'NIANBAO_BENCH_PARSE_ITERATIONS', 30, 1)): ParseBenchResult {
  const passes = {
    parse: () => pages.forEach((p) => parseHtmlReport(p)),
    htmlparser2: () => pages.forEach((p) => loadHtml(p)),
    parse5: () => pages.forEach((p) => load(p)),
  };
  for (let i = 0; i < 3; i++) for (const fn of Object.values(passes)) fn(); // warm-up
  const t = { parse: { wall: [], cpu: [] } as PassTimes, htmlparser2: { wall: [], cpu: [] } as PassTimes, parse5: { wall: [], cpu: [] } as PassTimes };
  for (let i = 0; i < iterations; i++) {
    timePass(passes.parse, t.parse);
    timePass(passes.htmlparser2, t.htmlparser2);
  }
  // parse5 apart: its garbage, collected during the next pass, would be charged to the parser.
  for (let i = 0; i < iterations; i++) timePass(passes.parse5, t.parse5);
  const parseMs = median(t.parse.wall);
  return {
    parse_pages: pages.length,
    parse_reports_per_s: (pages.length / parseMs) * 1000,
    parse_ms_per_report: parseMs / pages.length,
    cheerio_load_ms_per_page: median(t.htmlparser2.wall) / pages.length,
    cheerio_parse5_load_ms_per_page: median(t.parse5.wall) / pages.length,
    // Ratios of the summed times of the round's passes: a machine busy with other work stretches
    // every pass by the same factor on average, while a median would favour the short load passes
    // (more often done within one time slice).
    parse_time_ratio_to_cheerio_load: sum(t.parse.wall) / sum(t.parse5.wall),
    parse_time_ratio_to_htmlparser2_load: sum(t.parse.wall) / sum(t.htmlparser2.wall),
    parse_cpu_ratio_to_htmlparser2_load: sum(t.parse.cpu) / sum(t.htmlparser2.cpu),
  };
}
