/**
 * Run rows as a lease: which `running` rows count as a live run of another process (pid alive on
 * this host, heartbeat fresh), and the exclusive start that refuses a second crawl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { StoreError } from '../../src/store/errors.js';
import { HEARTBEAT_STALE_MS, liveRunOf, markInterruptedRuns, startHeartbeat, startRun } from '../../src/store/runs.js';
import { tempDir } from '../crawl/helpers.js';

const tmp = tempDir('nianbao-runs-');
const open: Db[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => tmp.cleanup());

let n = 0;
function freshDb(): Db {
  const db = openDatabase(join(tmp.dir, `runs-${n++}.db`));
  open.push(db);
  return db;
}

/** A process that stays alive until the test ends: a real pid that is not ours. */
function otherProcess(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

/** A pid no process has (spawned, then waited for). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

function insertRunning(db: Db, row: { pid: number | null; host: string | null; heartbeatAgoMs: number | null; command?: string }): number {
  const now = Date.now();
  const info = db
    .prepare("INSERT INTO runs (command, args, started_at, status, pid, host, heartbeat_at) VALUES (?, 'null', ?, 'running', ?, ?, ?)")
    .run(
      row.command ?? 'crawl',
      new Date(now - 60 * 60_000).toISOString(),
      row.pid,
      row.host,
      row.heartbeatAgoMs === null ? null : new Date(now - row.heartbeatAgoMs).toISOString(),
    );
  return Number(info.lastInsertRowid);
}

describe('liveRunOf', () => {
  it('sees a running row of a live process on this host with a fresh heartbeat', () => {
    const db = freshDb();
    const id = insertRunning(db, { pid: otherProcess(), host: hostname(), heartbeatAgoMs: 10_000 });
    expect(liveRunOf(db, 'crawl')?.id).toBe(id);
    expect(liveRunOf(db, 'ingest')).toBeNull();
  });

  it('ignores a dead pid, a stale heartbeat, its own process, and a stale row from another host', async () => {
    const db = freshDb();
    insertRunning(db, { pid: await deadPid(), host: hostname(), heartbeatAgoMs: 1_000 });
    insertRunning(db, { pid: otherProcess(), host: hostname(), heartbeatAgoMs: HEARTBEAT_STALE_MS + 1_000 });
    insertRunning(db, { pid: process.pid, host: hostname(), heartbeatAgoMs: 1_000 });
    insertRunning(db, { pid: 1, host: 'elsewhere.example', heartbeatAgoMs: HEARTBEAT_STALE_MS + 1_000 });
    expect(liveRunOf(db, 'crawl')).toBeNull();
  });

  it('trusts the heartbeat alone for a run of another host, and the pid alone for a row written before heartbeats', () => {
    const db = freshDb();
    const remote = insertRunning(db, { pid: 999_999, host: 'elsewhere.example', heartbeatAgoMs: 5_000 });
    expect(liveRunOf(db, 'crawl')?.id).toBe(remote);
    const db2 = freshDb();
    const legacy = insertRunning(db2, { pid: otherProcess(), host: null, heartbeatAgoMs: null });
    expect(liveRunOf(db2, 'crawl')?.id).toBe(legacy);
  });

  it('markInterruptedRuns closes dead runs of this host only', async () => {
    const db = freshDb();
    const dead = insertRunning(db, { pid: await deadPid(), host: hostname(), heartbeatAgoMs: 1_000 });
    const remote = insertRunning(db, { pid: await deadPid(), host: 'elsewhere.example', heartbeatAgoMs: 1_000 });
    expect(markInterruptedRuns(db)).toBe(1);
    const status = (id: number) => (db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: string }).status;
    expect([status(dead), status(remote)]).toEqual(['interrupted', 'running']);
  });
});

describe('startRun', () => {
  it('exclusive: refuses while another live process runs the command, with a message naming it', () => {
    const db = freshDb();
    const pid = otherProcess();
    const id = insertRunning(db, { pid, host: hostname(), heartbeatAgoMs: 2_000 });
    let err: unknown;
    try {
      startRun(db, 'crawl', {}, 'test', { exclusive: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('NB_RUN_BUSY');
    expect((err as Error).message).toContain(`run ${id} (pid ${pid} on ${hostname()}`);
    expect((db.prepare("SELECT count(*) AS n FROM runs WHERE command = 'crawl'").get() as { n: number }).n).toBe(1);
    // Not exclusive, or another command: starts.
    expect(startRun(db, 'crawl', {}, 'test')).toBeGreaterThan(id);
    expect(startRun(db, 'ingest', {}, 'test', { exclusive: true })).toBeGreaterThan(id);
  });

  it('records host and heartbeat, and the heartbeat moves while the run lasts', async () => {
    const db = freshDb();
    const id = startRun(db, 'crawl', {}, 'test', { exclusive: true });
    const row = () => db.prepare('SELECT host, heartbeat_at FROM runs WHERE id = ?').get(id) as { host: string; heartbeat_at: string };
    const first = row();
    expect(first.host).toBe(hostname());
    const stop = startHeartbeat(db, id, 20);
    await new Promise((r) => setTimeout(r, 120));
    stop();
    const beaten = row().heartbeat_at;
    expect(Date.parse(beaten)).toBeGreaterThan(Date.parse(first.heartbeat_at));
    await new Promise((r) => setTimeout(r, 80));
    expect(row().heartbeat_at).toBe(beaten);
  });
});
