/**
 * `nianbao demo`: start the offline demo portal on 127.0.0.1 (with the fictional agencies), crawl
 * every site of it into a database with politeness suited to a local demo, switch the portal to
 * round 2 and crawl the fictional agencies again with `refresh`, run `check`, return the summary,
 * every finding and the example queries, stop the portal. The whole run takes well under a minute.
 */
import { startDemoPortal, type DemoPortal, type DemoPortalOptions } from '../demo/portal.js';
import type { Db } from '../store/db.js';
import { runCheck } from '../store/check.js';
import { formatTable } from '../store/format.js';
import { terminalSafe } from '../store/terminal-safe.js';
import { crawl, type CrawlEvent, type CrawlSummary } from './crawler.js';

/**
 * Default port of the demo hub (sites on the next sixteen ports). Stable ports keep the demo's pages
 * byte-identical from one run to the next (they name their own URL), so a second `nianbao demo`
 * finds everything unchanged; when a port is taken, free ports are used instead.
 */
export const DEFAULT_DEMO_PORT = 8700;

/** Starts the demo portal on `port`, or on DEFAULT_DEMO_PORT falling back to free ports. */
export async function startDemoOn(port: number | undefined, options: Omit<DemoPortalOptions, 'port'> = {}): Promise<DemoPortal> {
  if (port !== undefined) return startDemoPortal({ ...options, port });
  try {
    return await startDemoPortal({ ...options, port: DEFAULT_DEMO_PORT });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
    return startDemoPortal({ ...options, port: 0 });
  }
}

export interface DemoRunOptions {
  db: Db;
  snapshotsDir: string;
  /** Hub port (sites on the next ports); 0 = free ports. @default DEFAULT_DEMO_PORT (8700), else free ports */
  port?: number;
  onEvent?: (e: CrawlEvent) => void;
  /** Browser settings (tests point `env.NIANBAO_CHROMIUM` elsewhere). @default {} */
  browser?: { enabled?: boolean; env?: Record<string, string | undefined> };
  signal?: AbortSignal;
}

export interface DemoQuery {
  title: string;
  sql: string;
  columns: string[];
  rows: unknown[][];
}

/** One finding stored after the demo's crawls and check, as the summary prints it. */
export interface DemoFinding {
  rule: string;
  severity: string;
  agency: string | null;
  year: number | null;
  message: string;
  /** The report the finding is about; null for a report not found (`report.missing`) or not fetched (`report.not_fetched`). */
  reportId: number | null;
}

export interface DemoResult {
  /** Round 1: every site of the portal. */
  summary: CrawlSummary;
  /**
   * Round 2: the fictional agencies' sites crawled again with `refresh` (every known report URL
   * re-visited), after the portal switched to round 2 — two reports revised (one cell; the text only), one gone (404).
   */
  round2: CrawlSummary;
  /** What round 2 changed on the portal (report URLs). */
  changed: { revised: string[]; vanished: string[] };
  /** Every finding stored (parser and `check`, any rule), one line each. */
  findings: DemoFinding[];
  queries: DemoQuery[];
  /** Sites of the portal that only a browser can read. */
  browserSites: string[];
  portalOrigin: string;
}

/** The example queries (on views documented in docs/queries.md). */
export const DEMO_QUERIES: { title: string; sql: string }[] = [
  {
    title: 'Who received the most requests? (一、本年新收政府信息公开申请数量, latest report of each agency)',
    sql: `SELECT agency, year, new_received
FROM report_summary s
WHERE is_primary = 1 AND new_received IS NOT NULL
  AND year = (SELECT MAX(year) FROM report_summary t WHERE t.agency_id = s.agency_id AND t.is_primary = 1 AND t.new_received IS NOT NULL)
ORDER BY new_received DESC, agency
LIMIT 10`,
  },
  {
    title: 'How often do they answer "not held" (本机关不掌握相关政府信息) or refuse (不予公开)? (all years)',
    sql: `SELECT agency, SUM(results_total) AS handled, SUM(not_held) AS not_held, SUM(denied) AS denied,
       ROUND(100.0 * SUM(not_held) / NULLIF(SUM(results_total), 0), 1) AS not_held_pct
FROM report_summary
WHERE is_primary = 1 AND results_total > 0
GROUP BY agency_id
ORDER BY not_held_pct DESC, agency
LIMIT 10`,
  },
  {
    title: 'Who did not publish? (missing_reports: due, deadline passed, not found where the crawl looked)',
    sql: `SELECT agency, year, deadline, last_year_seen, site
FROM missing_reports
ORDER BY year DESC, agency
LIMIT 15`,
  },
  {
    title: 'Who published late, and whose tables do not add up? (deadline and its legal basis: docs/database.md#deadline; parser arithmetic checks)',
    sql: `SELECT agency, year, published, deadline, deadline_basis, timing, error_findings AS sums_that_fail
FROM report_summary
WHERE is_primary = 1 AND (days_late > 0 OR error_findings > 0 OR published IS NULL)
ORDER BY days_late DESC, error_findings DESC, agency, year
LIMIT 10`,
  },
];

/** Every finding stored, one per line: any rule, from the parser, `check` or any later source. */
export const DEMO_FINDINGS_SQL = `SELECT f.rule, f.severity, COALESCE(s.agency, r.agency_name) AS agency, r.year, f.message, f.report_id AS reportId
FROM findings f
JOIN reports r ON r.id = f.report_id
LEFT JOIN report_summary s ON s.report_id = r.id
WHERE r.is_primary = 1 OR f.source <> 'parser'
ORDER BY agency, r.year, f.rule, f.id`;

/**
 * Runs the demo against a freshly started portal: round 1 crawls every site; the portal then
 * switches to round 2 and the fictional agencies' sites are crawled again with `refresh` (every
 * known report URL fetched again, as `nianbao crawl --refresh` does); then `check`, the findings
 * and the example queries. Stops the portal.
 */
export async function runDemo(o: DemoRunOptions): Promise<DemoResult> {
  // A small stall and short timeouts keep the flaky site's faults visible but quick.
  const portal: DemoPortal = await startDemoOn(o.port, { faults: { stallMs: 1_000 }, fictional: true });
  try {
    forgetOldDemoPorts(o.db, portal);
    const ctx = {
      db: o.db,
      registry: portal.registry(),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      runArgs: { demo: true, portal: portal.origin },
    };
    const options = {
      snapshotsDir: o.snapshotsDir,
      intervalMs: 50,
      jitterRatio: 0,
      fetch: {
        connectTimeoutMs: 2_000,
        headersTimeoutMs: 5_000,
        bodyTimeoutMs: 5_000,
        requestTimeoutMs: 15_000,
        maxRetries: 3,
        retryBaseDelayMs: 200,
        retryMaxDelayMs: 2_000,
      },
      browser: {
        enabled: o.browser?.enabled ?? true,
        navigationTimeoutMs: 15_000,
        settleTimeoutMs: 2_000,
        ...(o.browser?.env ? { env: o.browser.env } : {}),
      },
    };
    const summary = await crawl({ ...ctx, runArgs: { ...ctx.runArgs, round: 1 } }, options);
    portal.round = 2;
    const fictional = portal.sites.filter((s) => s.expected.some((e) => e.generated)).map((s) => s.name);
    const round2 =
      summary.status === 'interrupted'
        ? summary
        : await crawl({ ...ctx, runArgs: { ...ctx.runArgs, round: 2 } }, { ...options, sites: fictional, refresh: true });
    const all = portal.expectedReports();
    const changed = {
      // A reworded report (its text alone changed) is a revision too.
      revised: all.filter((e) => e.generated?.round2 === 'revised' || e.generated?.round2 === 'reworded').map((e) => e.url),
      vanished: all.filter((e) => e.generated?.round2 === 'vanished').map((e) => e.url),
    };
    const checked = runCheck(o.db);
    const findings = [
      ...(o.db.prepare(DEMO_FINDINGS_SQL).all() as DemoFinding[]),
      // Reports not found where we looked, and reports listed but not fetched: no report to attach
      // them to (the expected_reports view).
      ...[...checked.notFetched, ...checked.absent].map((m): DemoFinding => ({
        rule: m.rule,
        severity: m.severity,
        agency: m.agency,
        year: m.year,
        message: m.message,
        reportId: null,
      })),
    ];
    const queries = DEMO_QUERIES.map((q) => {
      const stmt = o.db.prepare(q.sql);
      const columns = stmt.columns().map((c) => c.name);
      const rows = (stmt.raw(true).all() as unknown[][]).map((r) => r);
      return { ...q, columns, rows };
    });
    return {
      summary,
      round2,
      changed,
      findings,
      queries,
      browserSites: portal.sites.filter((s) => s.needsBrowser).map((s) => s.name),
      portalOrigin: portal.origin,
    };
  } finally {
    await portal.close();
  }
}

/**
 * Each demo run serves the sites on new ports: frontier rows of a demo site that point at an
 * earlier run's ports are dropped, so they are not retried against a closed port. (Stored reports
 * stay: their bytes are the same, so a repeated demo finds them already known.)
 */
function forgetOldDemoPorts(db: Db, portal: DemoPortal): void {
  const del = db.prepare("DELETE FROM frontier WHERE site = ? AND url NOT LIKE ? ESCAPE '!'");
  db.transaction(() => {
    for (const s of portal.sites) del.run(s.name, `${s.origin.replace(/[!%_]/g, '!$&')}/%`);
  })();
}

/** The example queries as text. */
export function formatDemoQueries(queries: DemoQuery[]): string {
  return queries
    .map((q, i) => {
      const body = q.rows.length ? formatTable(q.columns, q.rows).trimEnd() : '(no rows: every report was on time and every table adds up)';
      return `${i + 1}. ${q.title}\n\n${indent(q.sql)}\n\n${body}\n`;
    })
    .join('\n');
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** The findings, one line each: rule, agency, year, message. */
export function formatDemoFindings(findings: DemoFinding[]): string {
  if (findings.length === 0) return '(no findings)\n';
  const w = Math.max(...findings.map((f) => f.rule.length));
  return findings
    .map((f) => terminalSafe(`  ${f.rule.padEnd(w)}  ${f.agency ?? '(unknown agency)'}  ${f.year ?? '?'}  ${f.message}`, { oneLine: true }))
    .join('\n')
    .concat('\n');
}
