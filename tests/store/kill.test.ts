/**
 * SIGKILL in the middle of an ingest: the database passes `PRAGMA integrity_check`, holds only
 * complete reports (each with its search text, indexed or marked pending), and a re-run completes
 * the ingest, and the search index, with no duplicate reports. (kill-index.test.ts kills the
 * index pass itself.)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, corpusDocuments, runCli, spawnCli, tempDir } from './helpers.js';

const COPIES = 200;

function storedReports(dbFile: string): number {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created or not migrated yet
  }
}

/** Many distinct documents: corpus pages with varied bytes (a numbered comment at the end). */
function writeCopies(input: string): void {
  mkdirSync(input);
  const pages = corpusDocuments().filter((d) => d.file.endsWith('.html') && d.expected.format !== 'unknown');
  for (let i = 0; i < COPIES; i++) {
    const page = pages[i % pages.length]!;
    const html = readFileSync(join(CORPUS, page.file), 'utf8');
    writeFileSync(join(input, `${String(i).padStart(4, '0')}-${page.file}`), `${html}\n<!-- copy ${i} -->\n`);
  }
}

/** Starts an ingest and sends `signal` once `atLeast` reports are stored. */
async function ingestAndSignal(args: string[], dbFile: string, signal: NodeJS.Signals, atLeast = 5) {
  const child = spawnCli(args);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, sig) => {
      gone = true;
      resolve({ code, signal: sig });
    }),
  );
  const deadline = Date.now() + 60_000;
  let seen = 0;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the ingest exited before it was signalled: ${stderr}`);
    seen = storedReports(dbFile);
    if (seen >= atLeast) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(seen, stderr).toBeGreaterThanOrEqual(atLeast);
  child.kill(signal);
  return { ...(await exited), stderr: () => stderr };
}

describe('SIGKILL during ingest', () => {
  const tmp = tempDir();
  const input = join(tmp.dir, 'many');
  afterAll(() => tmp.cleanup());

  it('leaves a consistent database that a re-run completes without duplicates', async () => {
    writeCopies(input);
    const dbFile = join(tmp.dir, 'killed.db');
    // One transaction per report (--batch 1): the default group of 500 commits at most once a
    // second, and on a quick machine all 200 copies land in that one commit before any kill can.
    const killed = await ingestAndSignal(['ingest', input, '--db', dbFile, '--batch', '1', '--progress', 'none'], dbFile, 'SIGKILL');
    expect(killed.signal, killed.stderr()).toBe('SIGKILL');

    const db = new Database(dbFile);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const partial = (db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n;
    expect(partial).toBeGreaterThanOrEqual(5);
    expect(partial).toBeLessThan(COPIES);
    // Every stored document has its report, cells and full-text row: nothing half-written.
    expect(db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN reports r ON r.document_id = d.id WHERE r.id IS NULL').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM reports r WHERE r.cell_count <> (SELECT count(*) FROM cells c WHERE c.report_id = r.id)').get()).toEqual({
      n: 0,
    });
    expect(db.prepare("SELECT count(*) AS n FROM reports WHERE status <> 'failed' AND id NOT IN (SELECT report_id FROM report_text)").get()).toEqual({ n: 0 });
    // Each stored text is either in the search index or marked pending: never both, never neither.
    expect(
      db
        .prepare(
          `SELECT count(*) AS n FROM report_text t
           WHERE (t.report_id IN (SELECT report_id FROM text_index_pending)) = (t.report_id IN (SELECT rowid FROM reports_bigram))`,
        )
        .get(),
    ).toEqual({ n: 0 });
    expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
    // ... and its raw bytes: snapshots are rows written no later than the documents naming them.
    expect(db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN snapshot_blobs b ON b.sha256 = d.sha256 WHERE b.sha256 IS NULL').get()).toEqual({
      n: 0,
    });
    const run = db.prepare("SELECT status, reports_new FROM runs WHERE command = 'ingest'").get() as { status: string; reports_new: number };
    expect(run.status).toBe('running');
    // The run's counters were written in the same transactions as the reports.
    expect(run.reports_new).toBe(partial);
    db.close();

    const r = runCli(['ingest', input, '--db', dbFile, '--json', '--progress', 'none']); // default groups
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.unchanged).toBe(partial);
    expect(s.new).toBe(COPIES - partial);

    const after = new Database(dbFile, { readonly: true });
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(after.prepare('SELECT count(*) AS n, count(DISTINCT document_id) AS d FROM reports').get()).toEqual({ n: COPIES, d: COPIES });
    expect(after.prepare('SELECT count(*) AS n, count(DISTINCT sha256) AS d FROM documents').get()).toEqual({ n: COPIES, d: COPIES });
    // The re-run indexed what the killed run left pending, with its own reports.
    expect(after.prepare('SELECT count(*) AS n FROM text_index_pending').get()).toEqual({ n: 0 });
    expect(after.prepare('SELECT count(*) AS n FROM reports_bigram').get()).toEqual(after.prepare('SELECT count(*) AS n FROM report_text').get());
    // The killed run is recognised as interrupted once another run starts.
    expect(after.prepare("SELECT status FROM runs WHERE command = 'ingest' ORDER BY id").pluck().all()).toEqual(['interrupted', 'ok']);
    after.close();
  }, 180_000);

  it('with --batch, a SIGKILL loses at most the open group and a re-run completes it', async () => {
    const dbFile = join(tmp.dir, 'batched.db');
    const killed = await ingestAndSignal(['ingest', input, '--db', dbFile, '--batch', '25', '--progress', 'none'], dbFile, 'SIGKILL');
    expect(killed.signal, killed.stderr()).toBe('SIGKILL');
    const db = new Database(dbFile);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const partial = (db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n;
    expect(db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN reports r ON r.document_id = d.id WHERE r.id IS NULL').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN snapshot_blobs b ON b.sha256 = d.sha256 WHERE b.sha256 IS NULL').get()).toEqual({
      n: 0,
    });
    db.close();
    const s = JSON.parse(runCli(['ingest', input, '--db', dbFile, '--batch', '25', '--json', '--progress', 'none']).stdout);
    expect(s.new + s.unchanged).toBe(COPIES);
    expect(s.unchanged).toBe(partial);
    const after = new Database(dbFile, { readonly: true });
    expect(after.prepare('SELECT count(*) AS n, count(DISTINCT document_id) AS d FROM reports').get()).toEqual({ n: COPIES, d: COPIES });
    after.close();
  }, 180_000);

  it('Ctrl-C (SIGINT) stops after the current report and marks the run interrupted', async () => {
    const dbFile = join(tmp.dir, 'interrupted.db');
    const stopped = await ingestAndSignal(['ingest', input, '--db', dbFile, '--batch', '10', '--progress', 'none'], dbFile, 'SIGINT');
    expect(stopped.code, stopped.stderr()).toBe(130);
    expect(stopped.stderr()).toMatch(/interrupted; run the same command again/);
    const db = new Database(dbFile, { readonly: true });
    const run = db.prepare("SELECT status, reports_new, finished_at FROM runs WHERE command = 'ingest'").get() as {
      status: string;
      reports_new: number;
      finished_at: string;
    };
    expect(run.status).toBe('interrupted');
    expect(run.finished_at).not.toBeNull();
    // Nothing of the open group was lost: the run's count is what the database holds.
    expect(db.prepare('SELECT count(*) AS n FROM reports').get()).toEqual({ n: run.reports_new });
    expect(run.reports_new).toBeLessThan(COPIES);
    db.close();
  }, 180_000);
});
