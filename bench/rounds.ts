/**
 * The rounds of `npm run bench`: every benchmark is a function returning one round's figures (a
 * record of numbers); {@link runRounds} calls it N times (`NIANBAO_BENCH_ROUNDS`, default 3) and
 * {@link summarize} keeps, per figure, the median with the min and max beside it. In
 * bench/results.json a figure `key` is written flat as `key` (the median), `key_min` and `key_max`;
 * a figure that is null in a round (not measurable there, e.g. no tesseract) is left out of that
 * figure's rounds, and is null when no round measured it.
 *
 * {@link machineLoad} and {@link judgeLoad} tell when the machine was too busy to trust the run:
 * the 1-minute load average against the core count, read before the benchmarks start and after they
 * end. Before, the bench itself runs nothing yet, so more than half the cores busy means other work;
 * after, the bench's own last minute (one core, at times two) is in the average, so only a load of
 * at least every core is taken as other work beside it.
 */
import { cpus, loadavg } from 'node:os';

/** One round's figures: a number, or null when the round could not measure it. */
export type Figures = Record<string, number | null>;

/** Per figure: the median of the rounds (key), and key_min, key_max. */
export type Summary = Record<string, number | null>;

/** Rounds per benchmark: `NIANBAO_BENCH_ROUNDS` (a whole number ≥ 1), default 3. */
export function benchRounds(env: NodeJS.ProcessEnv = process.env): number {
  return envInt(env, 'NIANBAO_BENCH_ROUNDS', 3, 1);
}

/** A whole number from the environment, `fallback` when unset; a value that is not one (or below `min`) is an error naming the variable. */
export function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected a whole number ≥ ${min}`);
  return n;
}

/** Median of the values (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The rounds' figures summarized: for every key any round has, `key` = median, `key_min`,
 * `key_max` over the rounds that measured it (null when none did). Keys keep their first order.
 */
export function summarize(rounds: readonly Figures[]): Summary {
  const keys: string[] = [];
  for (const r of rounds) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const out: Summary = {};
  for (const k of keys) {
    const values = rounds.map((r) => r[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    out[k] = values.length > 0 ? median(values) : null;
    out[`${k}_min`] = values.length > 0 ? Math.min(...values) : null;
    out[`${k}_max`] = values.length > 0 ? Math.max(...values) : null;
  }
  return out;
}

/** Calls `round` (1-based round number) `rounds` times, one after the other, and summarizes the figures. */
export async function runRounds(
  name: string,
  round: (n: number) => Figures | Promise<Figures>,
  rounds: number = benchRounds(),
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Summary> {
  const all: Figures[] = [];
  for (let n = 1; n <= rounds; n++) {
    const figures = await round(n);
    log(`bench ${name}: round ${n}/${rounds}: ${formatFigures(figures)}`);
    all.push(figures);
  }
  return summarize(all);
}

function formatFigures(f: Figures): string {
  return Object.entries(f)
    .map(([k, v]) => `${k}=${v === null ? 'n/a' : Number(v.toPrecision(4))}`)
    .join(' ');
}

/** A summary's figure as "median (min–max)", `digits` after the point; "n/a" when unmeasured. */
export function formatSpread(s: Summary, key: string, digits = 2): string {
  const m = s[key];
  if (m === null || m === undefined) return 'n/a';
  const lo = s[`${key}_min`];
  const hi = s[`${key}_max`];
  const f = (n: number): string => n.toFixed(digits);
  return lo === null || lo === undefined || hi === null || hi === undefined || lo === hi ? f(m) : `${f(m)} (${f(lo)}–${f(hi)})`;
}

/** The 1-minute load average and the cores, now. */
export interface LoadReading {
  load1: number;
  cores: number;
}

export function machineLoad(): LoadReading {
  return { load1: loadavg()[0] ?? 0, cores: cpus().length };
}

/** What results.json records about the machine's load, and the warning printed when it was too busy. */
export interface LoadVerdict {
  before: number;
  after: number;
  cores: number;
  busy: boolean;
  warnings: string[];
}

/** Before the bench: other work uses more than this share of the cores → busy. */
export const BUSY_BEFORE_SHARE = 0.5;
/** After the bench (its own minute included): a load of at least this share of the cores → busy. */
export const BUSY_AFTER_SHARE = 1;

/** Judges the readings taken before and after the benchmarks (see the module's comment). */
export function judgeLoad(before: LoadReading, after: LoadReading): LoadVerdict {
  const cores = before.cores;
  const warnings: string[] = [];
  const r = (n: number): string => n.toFixed(2);
  if (before.load1 > cores * BUSY_BEFORE_SHARE) {
    warnings.push(`load average ${r(before.load1)} on ${cores} cores before the bench (over ${r(cores * BUSY_BEFORE_SHARE)}): other work was running`);
  }
  if (after.load1 >= cores * BUSY_AFTER_SHARE) {
    warnings.push(
      `load average ${r(after.load1)} on ${cores} cores after the bench (its own included; ${r(cores * BUSY_AFTER_SHARE)} or more): other work was running`,
    );
  }
  if (warnings.length > 0) warnings.push('the machine was too busy to trust these figures: measure again on a quiet machine');
  return { before: before.load1, after: after.load1, cores, busy: warnings.length > 0, warnings };
}
