/**
 * The snapshot archive on a real folder: temp files killed writers left are removed at the next
 * store's first write (but not a live writer's), and paths read from a database row cannot lead
 * outside the folder (`..`, absolute, symlink).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths, reparseStored } from '../../src/ingest/index.js';
import { SnapshotStore, sha256Hex, snapshotRelPath } from '../../src/store/snapshots.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { pidAlive } from '../../src/store/snapshot-temps.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  expect(pidAlive(pid)).toBe(false);
  return pid;
}

function ageFile(path: string, ageMs: number): void {
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(path, t, t);
}

describe('SnapshotStore temp files', () => {
  it("removes temp files of dead writers at the first write, keeps live writers' ones and fresh ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-snap-'));
    mkdirSync(join(dir, 'ab'));
    mkdirSync(join(dir, 'cd'));
    const dead = deadPid();
    const live = process.ppid; // the test runner: alive for the whole test
    const files = {
      deadOld: join(dir, 'ab', `${'a'.repeat(64)}.gz.tmp-${dead}-0a1b2c3d`),
      deadOld2: join(dir, 'cd', `${'c'.repeat(64)}.gz.tmp-${dead}-deadbeef`),
      deadFresh: join(dir, 'ab', `${'b'.repeat(64)}.gz.tmp-${dead}-00112233`),
      liveOld: join(dir, 'ab', `${'d'.repeat(64)}.gz.tmp-${live}-44556677`),
      liveAncient: join(dir, 'cd', `${'e'.repeat(64)}.gz.tmp-${live}-8899aabb`),
      snapshot: join(dir, 'ab', `${'f'.repeat(64)}.gz`),
    };
    for (const f of Object.values(files)) writeFileSync(f, 'partial');
    ageFile(files.deadOld, 60_000);
    ageFile(files.deadOld2, 60_000);
    ageFile(files.liveOld, 60_000);
    ageFile(files.liveAncient, 2 * 3_600_000);
    ageFile(files.snapshot, 2 * 3_600_000);

    const store = new SnapshotStore(dir);
    const bytes = Buffer.from('报告 body');
    const rel = await store.put(bytes);
    expect(rel).toBe(snapshotRelPath(sha256Hex(bytes)));
    expect((await store.get(rel)).equals(bytes)).toBe(true);

    expect(existsSync(files.deadOld)).toBe(false);
    expect(existsSync(files.deadOld2)).toBe(false);
    expect(existsSync(files.liveAncient)).toBe(false); // a reused pid cannot keep a temp file forever
    expect(existsSync(files.deadFresh)).toBe(true); // may belong to a writer in another pid namespace
    expect(existsSync(files.liveOld)).toBe(true); // a live writer may be mid-write
    expect(existsSync(files.snapshot)).toBe(true); // snapshots are never touched
    // The write itself leaves no temp file behind.
    const prefix = rel.slice(0, 2);
    expect(readdirSync(join(dir, prefix)).filter((n) => n.includes('.tmp-') && n.includes(sha256Hex(bytes)))).toEqual([]);
  });

  it('10 writers killed mid-put leave 10 temp files; the next run removes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-snap-'));
    // A child that starts a put and is SIGKILLed between the temp write and the rename (simulated
    // by writing the temp file as put names it, then dying).
    for (let i = 0; i < 10; i++) {
      const r = spawnSync(
        process.execPath,
        [
          '-e',
          `const fs=require('fs');fs.mkdirSync(${JSON.stringify(join(dir, '0' + i))},{recursive:true});fs.writeFileSync(${JSON.stringify(join(dir, '0' + i))}+'/'+'0${i}'.padEnd(64,'0')+'.gz.tmp-'+process.pid+'-0badc0de','x');process.kill(process.pid,'SIGKILL')`,
        ],
        { encoding: 'utf8' },
      );
      expect(r.signal).toBe('SIGKILL');
    }
    const temps = () => readdirSync(dir, { recursive: true }).filter((n) => String(n).includes('.tmp-'));
    expect(temps()).toHaveLength(10);
    const store = new SnapshotStore(dir, { deadAfterMs: 0 });
    await store.put(Buffer.from('next run'));
    expect(temps()).toEqual([]);
  });
});

/** libfaketime's wrapper: runs a process whose clock is shifted while the kernel stamps files by the real one. */
const FAKETIME = spawnSync('faketime', ['-f', '+0', 'true']).status === 0;

describe.skipIf(!FAKETIME)('SnapshotStore temp files on a folder whose clock differs from this machine', () => {
  const snapshotsModule = join(import.meta.dirname, '../../src/store/snapshots.ts');
  /** A put into `dir` by a process whose clock runs 2 h ahead of the clock stamping the folder's files. */
  const putAheadOfFolder = (dir: string, withLocalClock: boolean): void => {
    const script = `const { SnapshotStore } = await import(${JSON.stringify(snapshotsModule)});
      await new SnapshotStore(${JSON.stringify(dir)}, ${withLocalClock ? '{ now: Date.now }' : '{}'}).put(Buffer.from('skewed'));`;
    const r = spawnSync('faketime', ['-f', '+2h', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  };
  const setUp = (): { dir: string; fresh: string; ancient: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-snap-'));
    mkdirSync(join(dir, 'ab'));
    const live = process.pid; // this test process: alive throughout
    const fresh = join(dir, 'ab', `${'a'.repeat(64)}.gz.tmp-${live}-0a1b2c3d`);
    const ancient = join(dir, 'ab', `${'b'.repeat(64)}.gz.tmp-${live}-44556677`);
    writeFileSync(fresh, 'mid-write');
    writeFileSync(ancient, 'left over');
    ageFile(ancient, 3 * 3_600_000);
    return { dir, fresh, ancient };
  };

  it("keeps a live writer's fresh temp file when this machine's clock runs ahead, and still removes an old one", () => {
    const { dir, fresh, ancient } = setUp();
    putAheadOfFolder(dir, false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(ancient)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.clock-'))).toEqual([]); // the probe is gone
  });

  it("by this machine's clock the same fresh file would look 2 h old and be removed (what the folder's clock prevents)", () => {
    const { dir, fresh } = setUp();
    putAheadOfFolder(dir, true);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('SnapshotStore paths stay inside the folder', () => {
  it('refuses .., absolute paths and symlinks leading out (NB_SNAPSHOT_PATH)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nianbao-snap-'));
    const dir = join(root, 'db.snapshots');
    mkdirSync(join(dir, 'ab'), { recursive: true });
    const secret = join(root, 'secret.gz');
    writeFileSync(secret, gzipSync('SECRET'));
    symlinkSync(secret, join(dir, 'ab', 'link.gz'));
    const store = new SnapshotStore(dir);
    for (const bad of ['../secret.gz', 'ab/../../secret.gz', secret, 'ab/link.gz']) {
      await expect(store.get(bad), bad).rejects.toMatchObject({ code: 'NB_SNAPSHOT_PATH' });
    }
    expect(() => store.pathOf('../../x.gz')).toThrow(/outside the snapshots folder/);
    await expect(store.get('ab/missing.gz')).rejects.toMatchObject({ code: 'NB_SNAPSHOT_MISSING' });
    // A symlinked snapshots folder itself is fine: only what leads out of it is refused.
    const rel = await store.put(Buffer.from('ok'));
    const linkedDir = join(root, 'linked');
    symlinkSync(dir, linkedDir);
    expect((await new SnapshotStore(linkedDir).get(rel)).toString()).toBe('ok');
  });
});

describe('reparse with a tampered snapshot_path', () => {
  it('records NB_SNAPSHOT_PATH for that document and reads nothing outside the folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nianbao-snap-'));
    const dbFile = join(root, 'nianbao.db');
    const snapshotsDir = `${dbFile}.snapshots`;
    writeFileSync(join(root, 'secret.gz'), gzipSync('<html>SECRET</html>'));
    const db = openDatabase(dbFile);
    try {
      await ingestPaths(db, [join(CORPUS_DIR, 'fujian-pingtan-2019.html'), join(CORPUS_DIR, 'fujian-pingtan-2021.pipe.txt')], { snapshotsDir });
      db.prepare("UPDATE documents SET snapshot_path = '../secret.gz' WHERE file_name = 'fujian-pingtan-2019.html'").run();
      const s = await reparseStored(db, { snapshotsDir, all: true });
      expect(s.errors.map((e) => e.code)).toEqual(['NB_SNAPSHOT_PATH']);
      expect(s.errors[0]!.message).toMatch(/outside the snapshots folder/);
      expect(s.files).toBe(2);
    } finally {
      db.close();
    }
  });
});

describe('snapshots in the database (schema 14) and files of older schemas', () => {
  it('moves the snapshot files of an older database into it at the next writing run, leaving a file that does not match its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-pack-'));
    const dbFile = join(dir, 'old.db');
    const snapshotsDir = `${dbFile}.snapshots`;
    // An "older" database: its snapshots are files (a store without a database writes those).
    const fileStore = new SnapshotStore(snapshotsDir);
    const db = openDatabase(dbFile);
    try {
      await ingestPaths(db, [join(CORPUS_DIR, 'fujian-pingtan-2019.html'), join(CORPUS_DIR, 'fujian-pingtan-2021.html')], { snapshotsDir });
      const docs = db.prepare('SELECT sha256, snapshot_path FROM documents ORDER BY id').all() as { sha256: string; snapshot_path: string }[];
      expect(docs).toHaveLength(2);
      const inDb = new SnapshotStore(snapshotsDir, { db });
      for (const d of docs) await fileStore.put(await inDb.get(d.snapshot_path), d.sha256);
      db.prepare('DELETE FROM snapshot_blobs').run();
      // A file whose bytes do not match its name stays where it is.
      const wrong = snapshotRelPath('ab'.repeat(32));
      mkdirSync(join(snapshotsDir, 'ab'), { recursive: true });
      writeFileSync(join(snapshotsDir, wrong), gzipSync('not what the name says'));

      // Read before moving: from the files.
      for (const d of docs) expect((await inDb.get(d.snapshot_path)).length).toBeGreaterThan(1000);
      await ingestPaths(db, [join(CORPUS_DIR, 'fujian-pingtan-2023.html')], { snapshotsDir });
      const blobs = db.prepare('SELECT sha256 FROM snapshot_blobs ORDER BY sha256').pluck().all() as string[];
      expect(blobs).toEqual(expect.arrayContaining(docs.map((d) => d.sha256)));
      expect(blobs).toHaveLength(3);
      for (const d of docs) {
        expect(existsSync(join(snapshotsDir, d.snapshot_path))).toBe(false);
        expect((await new SnapshotStore(snapshotsDir, { db }).get(d.snapshot_path)).toString('utf8')).toContain('政府信息公开');
      }
      expect(existsSync(join(snapshotsDir, wrong))).toBe(true);
      // reparse reads every stored snapshot back from the database.
      const r = await reparseStored(db, { snapshotsDir, all: true });
      expect(r.errors).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('opening a database of schema 7 read-only as it is reads its snapshot files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-pack-'));
    const dbFile = join(dir, 'v7.db');
    const snapshotsDir = `${dbFile}.snapshots`;
    const db = openDatabase(dbFile);
    await ingestPaths(db, [join(CORPUS_DIR, 'fujian-pingtan-2019.html')], { snapshotsDir });
    const doc = db.prepare('SELECT sha256, snapshot_path FROM documents').get() as { sha256: string; snapshot_path: string };
    const bytes = await new SnapshotStore(snapshotsDir, { db }).get(doc.snapshot_path);
    await new SnapshotStore(snapshotsDir).put(bytes, doc.sha256);
    db.exec('DROP TABLE snapshot_blobs');
    db.pragma('user_version = 7');
    db.close();
    const { default: Database } = await import('better-sqlite3');
    const ro = new Database(dbFile, { readonly: true });
    try {
      expect((await new SnapshotStore(snapshotsDir, { db: ro }).get(doc.snapshot_path)).equals(bytes)).toBe(true);
    } finally {
      ro.close();
    }
  });
});
