import { cpus, loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import { politenessBoundMs } from '../../bench/politeness-bound.js';
import { benchRounds, envInt, formatSpread, judgeLoad, machineLoad, median, runRounds, summarize } from '../../bench/rounds.js';

describe('bench rounds', () => {
  it('takes the median of an odd count, the mean of the middle two of an even one, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('summarizes every figure as median, min and max over the rounds that measured it', () => {
    const s = summarize([
      { a: 3, b: null, c: 10 },
      { a: 1, b: null, c: 30 },
      { a: 2, b: null, c: 20, d: 4 },
    ]);
    expect(s).toEqual({ a: 2, a_min: 1, a_max: 3, b: null, b_min: null, b_max: null, c: 20, c_min: 10, c_max: 30, d: 4, d_min: 4, d_max: 4 });
    expect(Object.keys(s).slice(0, 3)).toEqual(['a', 'a_min', 'a_max']);
  });

  it('runs a round function N times, in order, and summarizes what it measured', async () => {
    const seen: number[] = [];
    const lines: string[] = [];
    const s = await runRounds(
      'sum',
      (n) => {
        seen.push(n);
        // A real measurement: the time of a small computation, and its result.
        const t0 = performance.now();
        let x = 0;
        for (let i = 0; i < 1000 * n; i++) x += i;
        return { ms: performance.now() - t0, sum: x };
      },
      3,
      (l) => lines.push(l),
    );
    expect(seen).toEqual([1, 2, 3]);
    expect(lines).toHaveLength(3);
    expect(s['sum']).toBe((2000 * 1999) / 2);
    expect(s['sum_min']).toBe((1000 * 999) / 2);
    expect(s['sum_max']).toBe((3000 * 2999) / 2);
    expect(s['ms_min']!).toBeLessThanOrEqual(s['ms']!);
    expect(s['ms']!).toBeLessThanOrEqual(s['ms_max']!);
  });

  it('formats a figure as median (min–max), a single value when the rounds agree, n/a when unmeasured', () => {
    const s = summarize([{ r: 2.9 }, { r: 3.1 }, { r: 3.0 }, { k: null }]);
    expect(formatSpread(s, 'r', 2)).toBe('3.00 (2.90–3.10)');
    expect(formatSpread(summarize([{ r: 1 }, { r: 1 }]), 'r', 1)).toBe('1.0');
    expect(formatSpread(s, 'k')).toBe('n/a');
  });

  it('reads the rounds and sizes from the environment, refusing what is not a whole number', () => {
    expect(benchRounds({})).toBe(3);
    expect(benchRounds({ NIANBAO_BENCH_ROUNDS: '5' })).toBe(5);
    expect(() => benchRounds({ NIANBAO_BENCH_ROUNDS: '0' })).toThrow(/NIANBAO_BENCH_ROUNDS=0/);
    expect(() => envInt({ X: '2.5' }, 'X', 1)).toThrow(/X=2.5/);
    expect(envInt({ X: ' ' }, 'X', 7)).toBe(7);
  });

  it('says the machine was too busy when other work ran before, or every core was busy after', () => {
    const cores = 2;
    const quiet = judgeLoad({ load1: 0.2, cores }, { load1: 1.4, cores });
    expect(quiet.busy).toBe(false);
    expect(quiet.warnings).toEqual([]);
    const before = judgeLoad({ load1: 1.3, cores }, { load1: 1.2, cores });
    expect(before.busy).toBe(true);
    expect(before.warnings[0]).toMatch(/1\.30 on 2 cores before/);
    const after = judgeLoad({ load1: 0.5, cores }, { load1: 2.0, cores });
    expect(after.busy).toBe(true);
    expect(after.warnings.join('\n')).toMatch(/2\.00 on 2 cores after.*\n.*too busy to trust/);
  });

  it('reads the load of this machine', () => {
    const r = machineLoad();
    expect(r.cores).toBe(cpus().length);
    expect(r.load1).toBeGreaterThanOrEqual(0);
    expect(Math.abs(r.load1 - loadavg()[0]!)).toBeLessThan(1);
  });

  it('bounds a polite crawl by its busiest host: (n − 1) intervals before its last request', () => {
    expect(politenessBoundMs({ 'a:1': 13, 'b:2': 4, 'c:3': 9 }, 1000)).toEqual({ host: 'a:1', requests: 13, boundMs: 12_000 });
    expect(politenessBoundMs({ 'a:1': 1 }, 1000).boundMs).toBe(0);
    expect(politenessBoundMs({}, 1000)).toEqual({ host: null, requests: 0, boundMs: 0 });
  });
});
