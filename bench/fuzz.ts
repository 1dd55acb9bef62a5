/**
 * The nightly-size parser fuzz run (CI runs a bounded one in tests/fuzz/fuzz.test.ts).
 *
 *   node --import tsx bench/fuzz.ts                      # 10,000 cases, seed 1, 2 workers
 *   node --import tsx bench/fuzz.ts --cases 50000 --seed 7 --json fuzz.json
 *   node --import tsx bench/fuzz.ts --only 123,456 --out /tmp/fuzz   # rerun cases, keep their inputs
 *
 * Prints a summary (cases/s, failures by property, slowest parse, oracle counts) and every
 * failing case with what to rerun; exits 1 when a property failed. Case i of a seed is always
 * the same input, whatever the number of workers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generateCase, loadFuzzCorpus } from '../tests/fuzz/engine.js';
import { formatFailure, formatSummary, runFuzz, type FuzzOptions } from '../tests/fuzz/pool.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    workers: { type: 'string' },
    only: { type: 'string' },
    'max-parse-ms': { type: 'string', default: '2000' },
    'hang-ms': { type: 'string', default: '30000' },
    json: { type: 'string' },
    out: { type: 'string' },
    dump: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(`usage: node --import tsx bench/fuzz.ts [options]
  --cases N          cases to run (default 10000)
  --seed N           run seed (default 1); the same seed gives the same cases
  --start N          first case index (default 0)
  --workers N        worker threads (default min(2, cores))
  --only I,J,…       run only these case indices
  --max-parse-ms MS  the "no parse over" limit (default 2000)
  --hang-ms MS       kill a case after this long and record a hang (default 30000)
  --json FILE        write the summary (without per-case results) as JSON
  --out DIR          write the input of every failing case to DIR
  --dump             with --out: write the inputs of all selected cases, failing or not`);
  process.exit(0);
}

const int = z.coerce.number().int().nonnegative();
const options: FuzzOptions = {
  cases: int.parse(values.cases),
  seed: int.parse(values.seed),
  start: int.parse(values.start),
  maxParseMs: int.parse(values['max-parse-ms']),
  hangMs: int.parse(values['hang-ms']),
  ...(values.workers !== undefined && { workers: int.parse(values.workers) }),
  ...(values.only !== undefined && { only: values.only.split(',').map((s) => int.parse(s.trim())) }),
};

const summary = await runFuzz(options);
console.log(formatSummary(summary));
const ops = Object.entries(summary.operators).sort((a, b) => b[1].cases - a[1].cases);
console.log(`operators: ${ops.map(([op, o]) => `${op} ${o.cases}${o.failures ? ` (${o.failures} failed)` : ''}`).join(', ')}`);
for (const r of summary.failures) console.log(formatFailure(r));

if (values.out) {
  const keep = values.dump ? summary.results : summary.failures;
  if (keep.length > 0) {
    mkdirSync(values.out, { recursive: true });
    const docs = await loadFuzzCorpus();
    for (const r of keep) {
      const c = generateCase(docs, summary.seed, r.index);
      const ext = c.doc.kind === 'html' ? 'html' : 'txt';
      writeFileSync(join(values.out, `case-${summary.seed}-${r.index}.${ext}`), c.bytes);
      writeFileSync(
        join(values.out, `case-${summary.seed}-${r.index}.json`),
        `${JSON.stringify({ seed: summary.seed, index: r.index, doc: c.doc.name, fileName: c.fileName, contentType: c.contentType, mutations: c.mutations, failures: r.failures }, null, 2)}\n`,
      );
    }
    console.log(`inputs of ${keep.length} case(s) written to ${values.out}`);
  }
}
if (values.json) {
  const { results: _results, ...rest } = summary;
  writeFileSync(values.json, `${JSON.stringify({ ...rest, machine: process.arch, node: process.version }, null, 2)}\n`);
}
process.exitCode = summary.failures.length > 0 ? 1 : 0;
