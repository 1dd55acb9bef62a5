/**
 * SIGKILL during the search-index pass (text-index.ts): a real child process indexes a database
 * whose reports are all pending, a few reports per transaction, and is killed at several points,
 * each on the database the previous kill left. Every time the database opens, passes
 * `PRAGMA integrity_check` and the index's own check, and each report's text is either indexed
 * or still pending; the next writing command (`nianbao check`) finishes the index, and search
 * then answers exactly as LIKE does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { searchReports } from '../../src/store/search.js';
import { CORPUS, ROOT, corpusDocuments, runCli, tempDir } from './helpers.js';

const COPIES = 120;
const CHILD = join(ROOT, 'tests', 'store', 'index-child.ts');

const tmp = tempDir();
const dbFile = join(tmp.dir, 'index.db');
afterAll(() => tmp.cleanup());

const pendingOf = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM text_index_pending').pluck().get() as number;
  } finally {
    db.close();
  }
};

/** Runs the slowed index pass and SIGKILLs it once `pending` is at most `below` (or it ends first). */
async function killIndexAt(below: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbFile, '4', '40'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let code: number | null | undefined;
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (c, signal) => {
      code = c;
      resolve(signal);
    }),
  );
  const deadline = Date.now() + 90_000;
  while (code === undefined && Date.now() < deadline && pendingOf(dbFile) > below) await new Promise((r) => setTimeout(r, 5));
  if (code !== undefined) {
    expect(code, stderr).toBe(0);
    return 'finished';
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return 'killed';
}

/** The database a kill left: consistent, each text indexed xor pending. */
function expectConsistent(file: string): { pending: number; indexed: number } {
  const db = new Database(file);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
    expect(
      db
        .prepare(
          `SELECT count(*) FROM report_text t
           WHERE (t.report_id IN (SELECT report_id FROM text_index_pending)) = (t.report_id IN (SELECT rowid FROM reports_bigram))`,
        )
        .pluck()
        .get(),
    ).toBe(0);
    return {
      pending: db.prepare('SELECT count(*) FROM text_index_pending').pluck().get() as number,
      indexed: db.prepare('SELECT count(*) FROM reports_bigram').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('SIGKILL during the search-index pass', () => {
  let total = 0;
  beforeAll(() => {
    // Many distinct reports: corpus pages with varied bytes, ingested (and indexed) by the CLI ...
    const input = join(tmp.dir, 'many');
    mkdirSync(input);
    const pages = corpusDocuments().filter((d) => d.file.endsWith('.html') && d.expected.format !== 'unknown');
    for (let i = 0; i < COPIES; i++) {
      const page = pages[i % pages.length]!;
      writeFileSync(join(input, `${String(i).padStart(4, '0')}-${page.file}`), `${readFileSync(join(CORPUS, page.file), 'utf8')}\n<!-- copy ${i} -->\n`);
    }
    const r = runCli(['ingest', input, '--db', dbFile, '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    // ... then every one of them back to pending, as a run killed before its index pass leaves them.
    const db = new Database(dbFile);
    db.exec(`
      DELETE FROM reports_bigram;
      INSERT INTO text_index_pending (report_id) SELECT report_id FROM report_text;
    `);
    total = db.prepare('SELECT count(*) FROM text_index_pending').pluck().get() as number;
    db.close();
    expect(total).toBe(COPIES);
  }, 180_000);

  it('leaves a consistent database at every kill, and the next writing command finishes the index', async () => {
    const seen: number[] = [];
    for (const fraction of [0.85, 0.6, 0.3]) {
      const outcome = await killIndexAt(Math.floor(total * fraction));
      const state = expectConsistent(dbFile);
      expect(state.pending + state.indexed).toBe(total);
      if (outcome === 'killed') {
        expect(state.pending).toBeGreaterThan(0);
        expect(state.indexed).toBeGreaterThan(0);
      }
      seen.push(state.pending);
    }
    // The kills happened midway, and each pass went on from where the last one stopped.
    expect(seen.some((p) => p > 0 && p < total)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThanOrEqual(seen[i - 1]!);

    // A writing command opens the database and finishes the index.
    const r = runCli(['check', '--db', dbFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(pendingOf(dbFile)).toBe(0);
    const db = openDatabase(dbFile, { readonly: true });
    try {
      const like = (term: string): number[] =>
        db
          .prepare('SELECT report_id FROM report_text WHERE title LIKE @p OR agency LIKE @p OR text LIKE @p ORDER BY report_id')
          .pluck()
          .all({ p: `%${term}%` }) as number[];
      for (const term of ['复议', '费', '政府信息公开', '信息处理费', '2021年', '行政复议数']) {
        const hits = searchReports(db, term, { all: true, limit: 10_000 }).hits.map((h) => h.reportId);
        expect(
          hits.sort((a, b) => a - b),
          term,
        ).toEqual(like(term));
      }
    } finally {
      db.close();
    }
    const rw = new Database(dbFile);
    expect(() => rw.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
    rw.close();
  }, 240_000);
});
