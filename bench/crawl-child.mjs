// The crawl of `bench/crawl.ts`'s peak-RSS benchmark, in a process of its own that runs the
// compiled engine (dist/) without tsx, as `nianbao crawl` does. Args: registry file, db file,
// crawl options (JSON). Prints one JSON line: pages, reports, ms, peakRssMb.
const [regFile, dbFile, optionsJson] = process.argv.slice(2);
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { crawl } = await import(dist('src/crawl/crawler.js'));
const { defaultSnapshotsDir, openDatabase } = await import(dist('src/store/db.js'));
const { loadRegistry } = await import(dist('src/sites/registry.js'));

const db = openDatabase(dbFile);
const t0 = performance.now();
const s = await crawl({ db, registry: loadRegistry(regFile) }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...JSON.parse(optionsJson) });
const ms = performance.now() - t0;
db.close();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ pages: s.totals.pages, reports: s.totals.reportsNew, ms, peakRssMb })}\n`);
