/**
 * The politeness-off crawl rounds of bench/crawl-overhead.ts (`crawl_cpu_ms_per_page`,
 * `crawl_overhead_ratio`, …) in a process of their own, as `nianbao crawl` runs: the CPU they count
 * is this process's, not that of a bench process that parsed and ingested thousands of reports
 * before (its heap, and a parser the parse benchmark had warmed up, moved the ratio by a third).
 * Prints one JSON line: the rounds' summary (bench/rounds.ts).
 */
import { crawlRounds } from './crawl-overhead.js';

process.stdout.write(`${JSON.stringify(await crawlRounds())}\n`);
