/**
 * Progress reporting for long commands (ingest, reparse, crawl): a cli-progress bar with counts
 * and rate when stderr is a terminal; otherwise one JSON line per interval on stderr
 * (`{"event":"progress","label":"ingest","done":10,"total":100,"rate":12.5,…}`), so logs of
 * unattended runs stay machine-readable.
 */
import cliProgress from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'json' | 'none';

export interface ProgressOptions {
  /** Shown in the bar and in the `label` field of JSON lines. */
  label: string;
  /** Items expected; 0 or undefined when unknown. */
  total?: number;
  /**
   * `auto`: a bar when the stream is a TTY, JSON lines otherwise.
   * @default 'auto'
   */
  mode?: ProgressMode;
  /** @default process.stderr */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /**
   * Minimum time between two JSON lines, in milliseconds.
   * @default 1000
   */
  intervalMs?: number;
}

/** Counters shown next to the bar / added to the JSON lines (e.g. `{ new: 3, failed: 1 }`). */
export type ProgressFields = Record<string, number | string>;

export interface Progress {
  /** Advances by `delta` items (default 1) and merges `fields` into the shown counters. */
  tick(delta?: number, fields?: ProgressFields): void;
  /** Changes the expected total. */
  setTotal(total: number): void;
  /** Ends the display (a final JSON line in JSON mode). */
  stop(): void;
}

/** Items per second since `startedAt`. */
function rateOf(done: number, startedAt: number, now: number): number {
  const s = (now - startedAt) / 1000;
  return s > 0 ? Math.round((done / s) * 10) / 10 : 0;
}

/** Creates a progress display; see {@link ProgressOptions}. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const mode = options.mode ?? 'auto';
  const resolved: Exclude<ProgressMode, 'auto'> = mode === 'auto' ? (stream.isTTY ? 'bar' : 'json') : mode;
  const startedAt = Date.now();
  let total = options.total ?? 0;
  let done = 0;
  let fields: ProgressFields = {};

  if (resolved === 'none') {
    return { tick: () => {}, setTotal: () => {}, stop: () => {} };
  }

  if (resolved === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} [{bar}] {value}/{total} | {rate}/s | {counts} | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = () => ({
      rate: rateOf(done, startedAt, Date.now()),
      counts: Object.entries(fields)
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · '),
    });
    bar.start(total, 0, payload());
    return {
      tick(delta = 1, f) {
        done += delta;
        if (f) fields = { ...fields, ...f };
        bar.update(done, payload());
      },
      setTotal(t) {
        total = t;
        bar.setTotal(t);
      },
      stop() {
        bar.update(done, payload());
        bar.stop();
      },
    };
  }

  const intervalMs = options.intervalMs ?? 1000;
  let lastAt = 0;
  const emit = (event: 'progress' | 'done'): void => {
    const now = Date.now();
    lastAt = now;
    stream.write(
      `${JSON.stringify({
        event,
        label: options.label,
        done,
        total,
        rate: rateOf(done, startedAt, now),
        elapsed_ms: now - startedAt,
        ...fields,
      })}\n`,
    );
  };
  return {
    tick(delta = 1, f) {
      done += delta;
      if (f) fields = { ...fields, ...f };
      if (Date.now() - lastAt >= intervalMs) emit('progress');
    },
    setTotal(t) {
      total = t;
    },
    stop() {
      emit('done');
    },
  };
}
