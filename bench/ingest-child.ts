/**
 * The store-only ingest of `benchIngestPeakRss` (bench/ingest.ts), in a process of its own: the
 * engine compiled (dist/), the generated files written first, then one ingest of all of them.
 * Args: work folder, number of reports. Prints one JSON line: reports, seconds, peakRssMb.
 */
import { join } from 'node:path';
import { benchStoreOnly, corpusPages, writeGeneratedSet } from './ingest.js';

const [work, count] = process.argv.slice(2);
const set = writeGeneratedSet(await corpusPages(), join(work!, 'rss.files'), Number(count));
const r = await benchStoreOnly(set, join(work!, 'rss.db'));
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ reports: r.reports, seconds: r.seconds, peakRssMb })}\n`);
