/**
 * One politeness-off crawl round of bench/crawl-overhead.ts (`crawl_cpu_ms_per_page`,
 * `crawl_overhead_ratio`, …), after its warm-up rounds, in a process of its own, as `nianbao crawl`
 * runs:
 * - the CPU it counts is this process's, not that of a bench process that parsed and ingested
 *   thousands of reports before (its heap, and a parser the parse benchmark had warmed up, moved
 *   the ratio by a third);
 * - one process per round, because a process's own state moves the parse-only figure: in one run
 *   of three rounds in one process (fifteenth session) every round measured parse alone at
 *   2.04–2.24 ms a page, where the next process measured 1.22–1.53, so the ratio of the whole run
 *   was 2.12 instead of ≈ 2.8. The median of processes is not decided by one.
 *
 * Argument: the round's number. Prints one JSON line: its figures (bench/rounds.ts).
 */
import { warmCrawlRound } from './crawl-overhead.js';

process.stdout.write(`${JSON.stringify(await warmCrawlRound(Number(process.argv[2] ?? 1)))}\n`);
