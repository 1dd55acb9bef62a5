/**
 * The embedded Frontier on a real SQLite file: sites prepared, rows claimed in priority order
 * without the rows in flight, one page's writes kept or lost together, the run exclusive, leases.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PARSER_VERSION } from '../../../parsers/version.js';
import type { PageCommit } from '../../../src/crawl/stages/contracts.js';
import { SqliteFrontier } from '../../../src/crawl/stages/sqlite-frontier.js';
import type { Site } from '../../../src/sites/registry.js';
import { openDatabase, type Db } from '../../../src/store/db.js';
import { tempDir, testSiteRegistry } from '../helpers.js';

const ORIGIN = 'http://127.0.0.1:9';
let tmp: ReturnType<typeof tempDir>;
let db: Db;
let frontier: SqliteFrontier;
let site: Site;

beforeEach(() => {
  tmp = tempDir('nianbao-stage-frontier-');
  db = openDatabase(join(tmp.dir, 'f.db'));
  frontier = new SqliteFrontier(db, { commitEveryPages: 1 });
  site = testSiteRegistry(ORIGIN).sites[0]!;
});

afterEach(() => {
  frontier.commitNow();
  db.close();
  tmp.cleanup();
});

const prepare = { now: new Date().toISOString(), ignoreRobots: false, since: null, maxAttempts: 3, refresh: false };

function response(url: string, sha: string): NonNullable<PageCommit['response']> {
  return {
    url,
    method: 'GET',
    finalUrl: url,
    site: site.name,
    kind: 'entry',
    role: 'page',
    status: 200,
    headers: { 'content-type': 'text/html' },
    contentType: 'text/html',
    charset: 'utf-8',
    challenge: null,
    fetchMode: 'http',
    sha256: sha,
    size: 10,
    snapshotPath: `${sha.slice(0, 2)}/${sha}.gz`,
    documentId: null,
    fetchedAt: new Date().toISOString(),
  };
}

const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;

describe('SqliteFrontier', () => {
  it('claims the entry page, then lists before reports, leaving out the rows in flight', async () => {
    const runId = await frontier.startRun({}, PARSER_VERSION);
    await frontier.ensureAgency(site);
    await frontier.prepareSite(site, prepare);
    const [entry] = await frontier.claim(site.name, 5, new Set());
    expect(entry).toMatchObject({ kind: 'entry', url: site.entries[0], state: 'queued' });
    const { queued } = await frontier.commit({
      runId,
      site: site.name,
      row: entry!,
      response: response(entry!.url, 'a'.repeat(64)),
      discovered: [
        { key: `${ORIGIN}/r1.html`, url: `${ORIGIN}/r1.html`, site: site.name, kind: 'report', depth: 1, title: '2024年报' },
        { key: `${ORIGIN}/p2.html`, url: `${ORIGIN}/p2.html`, site: site.name, kind: 'list', depth: 1 },
        { key: `${ORIGIN}/old.html`, url: `${ORIGIN}/old.html`, site: site.name, kind: 'report', depth: 1, skip: { code: 'NB_CRAWL_SINCE', reason: 'old' } },
      ],
      finish: { state: 'done', status: 200, sha256: 'a'.repeat(64), fetchedAt: new Date().toISOString(), fetchMode: 'http' },
      errors: [
        { code: 'NB_CRAWL_SCHEME', message: 'file: link', counted: true },
        { code: 'NB_PARSE_X', message: 'not counted', counted: false },
      ],
      seen: true,
    });
    expect(queued).toBe(3);
    expect(await frontier.queued(site.name)).toBe(2);
    const rows = await frontier.claim(site.name, 5, new Set());
    expect(rows.map((r) => r.kind)).toEqual(['list', 'report']);
    const [list, report] = rows;
    expect((await frontier.claim(site.name, 5, new Set([list!.id]))).map((r) => r.id)).toEqual([report!.id]);
    expect(await frontier.claim(site.name, 5, new Set([list!.id, report!.id]))).toEqual([]);
    expect(db.prepare('SELECT state, last_status FROM frontier WHERE id = ?').get(entry!.id)).toEqual({ state: 'done', last_status: 200 });
    expect(count('SELECT count(*) AS n FROM responses')).toBe(1);
    expect(db.prepare('SELECT errors, files_seen FROM runs WHERE id = ?').get(runId)).toEqual({ errors: 1, files_seen: 1 });
    expect(db.prepare('SELECT code, message FROM run_errors ORDER BY id').all()).toEqual([
      { code: 'NB_CRAWL_SCHEME', message: '[test] file: link' },
      { code: 'NB_PARSE_X', message: '[test] not counted' },
    ]);
    // The same links found again are known.
    const again = await frontier.commit({
      runId,
      site: site.name,
      row: list!,
      discovered: [{ key: `${ORIGIN}/r1.html`, url: `${ORIGIN}/r1.html`, site: site.name, kind: 'report', depth: 2 }],
    });
    expect(again.queued).toBe(0);
    await frontier.finishRun(runId, { status: 'ok', durationMs: 5, counts: { pages: 1 } });
    expect(db.prepare('SELECT status, counts FROM runs WHERE id = ?').get(runId)).toEqual({ status: 'ok', counts: '{"pages":1}' });
  });

  it("keeps a page's writes together: a write that fails takes the page's earlier writes with it", async () => {
    const runId = await frontier.startRun({}, PARSER_VERSION);
    await frontier.prepareSite(site, prepare);
    const [entry] = await frontier.claim(site.name, 1, new Set());
    const bad = { key: `${ORIGIN}/bad`, url: null as unknown as string, site: site.name, kind: 'list' as const, depth: 1 };
    await expect(
      frontier.commit({
        runId,
        site: site.name,
        row: entry!,
        response: response(entry!.url, 'b'.repeat(64)),
        discovered: [{ key: `${ORIGIN}/ok.html`, url: `${ORIGIN}/ok.html`, site: site.name, kind: 'report', depth: 1 }, bad],
        finish: { state: 'done', status: 200 },
      }),
    ).rejects.toThrow();
    expect(count('SELECT count(*) AS n FROM responses')).toBe(0);
    expect(count('SELECT count(*) AS n FROM frontier')).toBe(1);
    expect((db.prepare('SELECT state FROM frontier WHERE id = ?').get(entry!.id) as { state: string }).state).toBe('queued');
  });

  it('a run is refused while another process runs a crawl of the same frontier', async () => {
    // A crawl of another live process (this test's parent), with a fresh heartbeat.
    const at = new Date().toISOString();
    const other = db
      .prepare(
        "INSERT INTO runs (command, args, started_at, status, pid, tool_version, parser_version, host, heartbeat_at) VALUES ('crawl', 'null', ?, 'running', ?, ?, ?, ?, ?)",
      )
      .run(at, process.ppid, PARSER_VERSION, PARSER_VERSION, hostname(), at);
    await expect(frontier.startRun({}, PARSER_VERSION)).rejects.toMatchObject({ code: 'NB_RUN_BUSY' });
    db.prepare("UPDATE runs SET status = 'ok' WHERE id = ?").run(other.lastInsertRowid);
    await expect(frontier.startRun({}, PARSER_VERSION)).resolves.toBeGreaterThan(Number(other.lastInsertRowid));
  });

  it('leases: one owner at a time, taken over once expired, renewed and released by the owner only', async () => {
    const a = await frontier.lease('site:test', 'w1', 1000, 0);
    expect(a).toEqual({ key: 'site:test', owner: 'w1', expiresAt: 1000 });
    expect(await frontier.lease('site:test', 'w2', 1000, 500)).toBeNull();
    expect(await frontier.renew(a!, 1000, 900)).toEqual({ key: 'site:test', owner: 'w1', expiresAt: 1900 });
    expect(await frontier.lease('site:test', 'w2', 1000, 1500)).toBeNull();
    const b = await frontier.lease('site:test', 'w2', 1000, 2000);
    expect(b?.owner).toBe('w2');
    expect(await frontier.renew(a!, 1000, 2100)).toBeNull();
    await frontier.release(a!); // not the holder: nothing happens
    expect(await frontier.lease('site:test', 'w3', 1000, 2200)).toBeNull();
    await frontier.release(b!);
    expect((await frontier.lease('site:test', 'w3', 1000, 2200))?.owner).toBe('w3');
  });
});
