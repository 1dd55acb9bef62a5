/**
 * Crash safety at random points (issue 5 item 3): a crawl and an ingest are SIGKILLed at seeded
 * random moments — each kill on the database the previous kill left — then run to completion.
 * The result must equal an uninterrupted run: integrity_check ok, no duplicate or half-written
 * report. CI kills each at 4 points; `NIANBAO_CRASH_POINTS=20 npx vitest run tests/hardening/crash.test.ts`
 * is the nightly-size run.
 */
import { rngFor } from '../../src/demo/generate.js';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { BIN, ROOT, countRows, dbContent, ensureBuilt, runBin, tempDir } from '../crawl/helpers.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

const POINTS = Number(process.env['NIANBAO_CRASH_POINTS'] ?? 4);
const SITES = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'robots'];

/** Starts the CLI and SIGKILLs it once the database holds `threshold` reports (or it ends first). */
async function killAt(args: string[], dbFile: string, threshold: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NIANBAO_DB: '' }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 90_000;
  while (!done && Date.now() < deadline && countRows(dbFile, 'SELECT count(*) AS n FROM reports') < threshold) {
    await new Promise((r) => setTimeout(r, 5));
  }
  if (done) return 'finished';
  child.kill('SIGKILL');
  return (await exited) === 'SIGKILL' ? 'killed' : 'finished';
}

/** The database is consistent: integrity ok, every document has exactly one report, every ok report has its cells. */
function assertConsistent(file: string): void {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN reports r ON r.document_id = d.id WHERE r.id IS NULL').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM (SELECT document_id FROM reports GROUP BY document_id HAVING count(*) > 1)').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM reports r WHERE r.cell_count <> (SELECT count(*) FROM cells c WHERE c.report_id = r.id)').get()).toEqual({
      n: 0,
    });
  } finally {
    db.close();
  }
}

/** What an ingest stored, without ids, times or paths. */
function ingestContent(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return {
      reports: db
        .prepare(
          `SELECT d.sha256, d.file_name, r.year, r.format, r.title, r.agency_name, r.status, r.error_code, r.cell_count, r.is_primary
           FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY d.sha256`,
        )
        .all(),
      cells: db
        .prepare(
          'SELECT d.sha256, c.table_name, c.row_key, c.col_key, c.value, c.raw FROM cells c JOIN reports r ON r.id = c.report_id JOIN documents d ON d.id = r.document_id ORDER BY d.sha256, c.ord',
        )
        .all(),
      findings: db
        .prepare(
          "SELECT d.sha256, f.rule, f.severity, f.scope FROM findings f JOIN reports r ON r.id = f.report_id JOIN documents d ON d.id = r.document_id WHERE f.source = 'parser' ORDER BY 1, 2, 3, 4",
        )
        .all(),
    };
  } finally {
    db.close();
  }
}

describe(`SIGKILL at ${POINTS} random points`, () => {
  const tmp = tempDir('nianbao-crash-');
  let portal: DemoPortal;
  let registry: string;
  const crawlArgs = (db: string) => ['crawl', '--sites', registry, '--db', db, '--no-browser', '--interval-ms', '10', '--progress', 'none', '--json'];

  beforeAll(async () => {
    ensureBuilt();
    portal = await startDemoPortal({ sites: SITES, latencyMs: 40, faults: { flaky: false } });
    registry = join(tmp.dir, 'sites.json');
    writeFileSync(registry, JSON.stringify(portal.registry(), null, 2));
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  it('of a crawl: every restart resumes, and the end equals an uninterrupted crawl', async () => {
    const full = join(tmp.dir, 'crawl-full.db');
    const uninterrupted = await runBin(crawlArgs(full), {}, 120_000);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const total = countRows(full, 'SELECT count(*) AS n FROM reports');
    expect(total).toBeGreaterThan(10);

    const killed = join(tmp.dir, 'crawl-killed.db');
    const random = rngFor('crash:crawl'); // seeded, so a failing sequence can be replayed
    const thresholds = Array.from({ length: POINTS }, () => 1 + Math.floor(random() * (total - 2))).sort((a, b) => a - b);
    let kills = 0;
    for (const threshold of thresholds) {
      if ((await killAt(crawlArgs(killed), killed, threshold)) === 'killed') kills++;
      assertConsistent(killed);
    }
    expect(kills).toBeGreaterThan(0);
    const last = await runBin(crawlArgs(killed), {}, 120_000);
    expect(last.code, last.stderr).toBe(0);
    assertConsistent(killed);

    const comparable = (c: Record<string, unknown>) => ({
      ...c,
      // List pages were fetched again after each restart (answered 304 then).
      frontier: (c['frontier'] as Record<string, unknown>[]).map((f) =>
        ['entry', 'list', 'api'].includes(String(f['kind'])) ? { ...f, last_status: null } : f,
      ),
    });
    expect(comparable(dbContent(killed))).toEqual(comparable(dbContent(full)));
  }, 600_000);

  it('of an ingest: every restart completes it with no duplicate report', async () => {
    const input = join(tmp.dir, 'input');
    mkdirSync(input);
    const sources = readdirSync(CORPUS_DIR).filter((f) => /\.(html|txt)$/.test(f));
    for (let i = 0; i < 60; i++) {
      const f = sources[i % sources.length]!;
      const ext = f.endsWith('.html') ? 'html' : 'txt';
      const marker = ext === 'html' ? `\n<!-- copy ${i} -->\n` : `\n副本 ${i}\n`;
      writeFileSync(join(input, `${String(i).padStart(3, '0')}.${ext}`), readFileSync(join(CORPUS_DIR, f), 'utf8') + marker);
    }
    const args = (db: string) => ['ingest', input, '--db', db, '--progress', 'none', '--json'];
    const full = join(tmp.dir, 'ingest-full.db');
    const uninterrupted = await runBin(args(full), {}, 180_000);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    expect(countRows(full, 'SELECT count(*) AS n FROM reports')).toBe(60);

    const killed = join(tmp.dir, 'ingest-killed.db');
    const random = rngFor('crash:ingest');
    const thresholds = Array.from({ length: POINTS }, () => 1 + Math.floor(random() * 58)).sort((a, b) => a - b);
    let kills = 0;
    for (const threshold of thresholds) {
      // One transaction per report (--batch 1), so the count of reports climbs one by one and the
      // kill lands where the threshold says: the default group commits at most once a second, and
      // on a quick machine all 60 files land in one commit at the end, any kill after it.
      if ((await killAt([...args(killed), '--batch', '1'], killed, threshold)) === 'killed') kills++;
      assertConsistent(killed);
    }
    expect(kills).toBeGreaterThan(0);
    const last = await runBin(args(killed), {}, 180_000);
    expect(last.code, last.stderr).toBe(0);
    assertConsistent(killed);
    expect(ingestContent(killed)).toEqual(ingestContent(full));
  }, 600_000);
});
