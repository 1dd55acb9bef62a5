/**
 * The CI fuzz run: a bounded number of mutated corpus documents through `parseReport`, on a
 * worker thread (a hung parse is killed and reported, not a hung CI job). The nightly-size run
 * is `node --import tsx bench/fuzz.ts` (10,000 cases); see docs/parts/fuzz.md.
 *
 * FUZZ_CASES, FUZZ_SEED and FUZZ_WORKERS override the defaults (400 cases, a fixed seed, 1 worker).
 */
import { describe, expect, it } from 'vitest';
import { HTML_OPERATORS, TEXT_OPERATORS } from './mutators.js';
import { formatFailure, formatSummary, runFuzz, type FuzzSummary } from './pool.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 400);
// The draw depends on the corpus: with shanghai-szfbgt-2025.txt added, seed 20251126 no longer drew the
// rare bigFiller operator in 400 cases; 20251127 draws every operator.
const SEED = Number(process.env['FUZZ_SEED'] ?? 20251127);
const WORKERS = Number(process.env['FUZZ_WORKERS'] ?? 1);

describe(`parser fuzzing: ${CASES} mutated corpus documents (seed ${SEED})`, () => {
  let summary: FuzzSummary;

  it('runs every case without breaking a property', async () => {
    summary = await runFuzz({ seed: SEED, cases: CASES, workers: WORKERS });
    console.log(formatSummary(summary));
    expect(summary.cases).toBe(CASES);
    // No uncaught exception, no parse over 2 s, schema-valid output, no unflagged wrong number or
    // lost cell, every identity-breaking edit reported as an error, deterministic output.
    expect(summary.failures.map(formatFailure)).toEqual([]);
    expect(summary.outcomes.crashed).toBe(0);
  }, 180_000);

  it('exercised every operator and gave the oracle real work', () => {
    expect(summary, 'the run did not complete').toBeDefined();
    const used = new Set(Object.keys(summary.operators));
    const all = new Set(['editValue', ...HTML_OPERATORS.map(([n]) => n), ...TEXT_OPERATORS.map(([n]) => n)]);
    expect([...all].filter((op) => !used.has(op))).toEqual([]);
    // Mutations did move numbers (all flagged), and value edits broke identities (all reported).
    expect(summary.oracle.wrongCells).toBeGreaterThan(0);
    expect(summary.oracle.wrongFlagged).toBe(summary.oracle.wrongCells);
    expect(summary.oracle.edits.detectable).toBeGreaterThan(0);
    expect(summary.outcomes.report).toBeGreaterThan(CASES * 0.9);
  });
});
