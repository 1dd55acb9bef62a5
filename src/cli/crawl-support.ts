/**
 * Pieces shared by the `crawl`, `demo` and `sites` commands: where the site registry comes from,
 * the live progress / JSON log of a crawl, exit codes and signal handling.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { NianbaoError } from '../../parsers/errors.js';
import { createProgress, type ProgressMode } from './progress.js';
import { projectRoot } from '../demo/corpus.js';
import { loadRegistry, parseRegistry, RegistryError, type Registry } from '../sites/registry.js';
import { terminalSafe } from '../store/terminal-safe.js';
import type { CrawlEvent } from '../crawl/crawler.js';

/** Exit codes of `nianbao crawl` (and `demo`). */
export const EXIT = {
  /** The crawl ran (per-site problems are in the summary and in run_errors). */
  OK: 0,
  /** Fatal: bad registry or options, database cannot be opened or written. Nothing was crawled, or the run stopped. */
  FATAL: 1,
  /** Another crawl is running on the same database (`NB_RUN_BUSY`); nothing was done. Try again later (EX_TEMPFAIL). */
  BUSY: 75,
  /** Interrupted by SIGINT (Ctrl-C): requests in flight aborted, the run closed as `interrupted`; the next run resumes. */
  INTERRUPTED: 130,
  /** The same, after SIGTERM (128 + 15). */
  TERMINATED: 143,
} as const;

/** The exit code for an error that stopped a crawl before or while it ran: BUSY for `NB_RUN_BUSY`, else FATAL. */
export function exitCodeFor(err: unknown): number {
  return err instanceof NianbaoError && err.code === 'NB_RUN_BUSY' ? EXIT.BUSY : EXIT.FATAL;
}

/**
 * The registry to use: `--sites` (a file, or an http(s) URL such as a demo portal's
 * `/sites.json`), else `$NIANBAO_SITES`, else `./sites/registry.json`, else the one shipped with
 * nianbao.
 */
export function registrySource(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return option;
  const fromEnv = env['NIANBAO_SITES'];
  if (fromEnv) return fromEnv;
  const local = resolve('sites', 'registry.json');
  if (existsSync(local)) return local;
  return join(projectRoot(), 'sites', 'registry.json');
}

/** Loads and validates the registry from a file or URL. Throws `RegistryError`. */
export async function loadRegistryFrom(source: string): Promise<Registry> {
  if (/^https?:\/\//i.test(source)) {
    let text: string;
    try {
      const res = await request(source, { method: 'GET', headersTimeout: 15_000, bodyTimeout: 15_000 });
      text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    } catch (err) {
      throw new RegistryError('NB_REGISTRY_READ', source, [{ path: '', message: `cannot fetch: ${(err as Error).message}` }], { cause: err });
    }
    return parseRegistry(text, source);
  }
  return loadRegistry(source);
}

/** Site names from repeated or comma-separated `--site` values. */
export function collectSites(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export interface CrawlReporter {
  onEvent: (e: CrawlEvent) => void;
  stop: () => void;
}

/**
 * Live progress of a crawl on stderr: a bar with sites, pages, reports new/updated, errors and
 * the rate on a terminal; otherwise JSON lines (a progress line per second, plus one line per
 * site finished, per error and per warning).
 */
export function crawlReporter(mode: ProgressMode, queued: () => number, stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): CrawlReporter {
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'json') : mode;
  if (resolved === 'none') return { onEvent: () => undefined, stop: () => undefined };
  const bar = createProgress({ label: 'crawl', mode: resolved, stream });
  const c = { sites: 0, sitesDone: 0, pages: 0, new: 0, updated: 0, known: 0, failed: 0, errors: 0, browser: 0 };
  let lastTotalAt = 0;
  const line = (obj: Record<string, unknown>): void => {
    if (resolved === 'json') stream.write(`${JSON.stringify(obj)}\n`);
  };
  const fields = () => ({
    sites: `${c.sitesDone}/${c.sites}`,
    new: c.new,
    updated: c.updated,
    failed: c.failed,
    errors: c.errors,
    browser: c.browser,
  });
  return {
    onEvent(e) {
      switch (e.type) {
        case 'run-start':
          c.sites = e.sites.length;
          line({ event: 'start', run: e.runId, sites: e.sites, user_agent: e.userAgent, time: new Date().toISOString() });
          break;
        case 'site-done':
          c.sitesDone++;
          line({ event: 'site', ...e.summary, time: new Date().toISOString() });
          bar.tick(0, fields());
          break;
        case 'page': {
          c.pages++;
          if (e.outcome === 'new') c.new++;
          else if (e.outcome === 'updated') c.updated++;
          else if (e.outcome === 'known') c.known++;
          else if (e.outcome === 'failed' && (e.kind === 'report' || e.kind === 'attachment')) c.failed++;
          if (e.mode === 'browser') c.browser++;
          const now = Date.now();
          if (now - lastTotalAt > 500) {
            lastTotalAt = now;
            bar.setTotal(c.pages + queued());
          }
          bar.tick(1, fields());
          break;
        }
        case 'error':
          c.errors++;
          line({ event: 'error', site: e.site, url: e.url, code: e.code, message: e.message, time: new Date().toISOString() });
          break;
        case 'warning':
          if (resolved === 'json') line({ event: 'warning', ...e, time: new Date().toISOString() });
          else stream.write(`nianbao crawl: warning: ${terminalSafe(e.message)}\n`);
          break;
        default:
          break;
      }
    },
    stop() {
      bar.setTotal(c.pages);
      bar.stop();
    },
  };
}

/** After the first signal, how long a crawl has to wind down before the process exits anyway. */
export const STOP_GRACE_MS = 8_000;

/** What {@link abortOnSignals} gives a command. */
export interface SignalStop {
  /** Fires on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The exit code for the signal received: 130 (SIGINT) or 143 (SIGTERM); 130 before any. */
  readonly exitCode: number;
  /**
   * Runs synchronously just before a forced exit (second signal, or the grace period over), e.g.
   * to close the run row as `interrupted`. Errors are ignored.
   */
  beforeForcedExit(fn: () => void): void;
  dispose(): void;
}

/**
 * Turns the first SIGINT/SIGTERM into an abort: requests in flight are aborted, no new page is
 * started, the run is closed as `interrupted`. If the command has not finished `graceMs` later, or
 * on a second signal, the process exits at once (after `beforeForcedExit`) with 130 / 143.
 */
export function abortOnSignals(onFirst?: (signal: NodeJS.Signals) => void, graceMs: number = STOP_GRACE_MS): SignalStop {
  const ac = new AbortController();
  let code: number = EXIT.INTERRUPTED;
  let before: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const force = (): never => {
    try {
      before?.();
    } catch {
      // exiting anyway
    }
    process.exit(code);
  };
  const handler = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) force();
    code = sig === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
    onFirst?.(sig);
    ac.abort(new Error(`received ${sig}`));
    timer = setTimeout(force, graceMs);
    timer.unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    get exitCode() {
      return code;
    },
    beforeForcedExit(fn) {
      before = fn;
    },
    dispose: () => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
