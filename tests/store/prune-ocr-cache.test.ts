/**
 * `nianbao prune` and the OCR cache (src/decode/ocr-cache-evict.ts): entries not used for
 * `--keep-days` are removed, recently used ones kept; a hit on an old entry records its use; a dry
 * run removes nothing; links and files not the cache's are never touched, whatever their age; a
 * missing folder is nothing to do; a file that cannot be removed is a warning; another user's hit
 * on an old entry it may not touch writes it again as its own. Real SQLite files, real folders,
 * mtimes set with utimes, the other user a real one (nobody, when the tests run as root).
 */
import { spawnSync, type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OcrCache, TOUCH_EVERY_MS } from '../../src/decode/ocr-cache.js';
import { openDatabase } from '../../src/store/db.js';
import { pruneHistory } from '../../src/store/prune.js';
import { recordLiveRun } from '../crawl/helpers.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const DAY = 86_400_000;
const WORDS = [{ left: 3, width: 40, conf: 91.5, text: '历年累计' }];
/** A key of the shard folder `shard` (two hex digits): the shard's digits, then `fill` 62 times. */
const keyOf = (shard: string, fill = '0'): string => `${shard}${fill.repeat(62)}`;

describe('prune: the OCR cache', () => {
  const tmp = tempDir('nianbao-prune-ocr-');
  let n = 0;
  let dbFile: string;
  let cacheDir: string;
  let cache: OcrCache;
  let db: Database.Database;
  const entry = (key: string): string => join(cacheDir, key.slice(0, 2), `${key}.json`);
  /** An entry written now, then last used `daysAgo` days ago. */
  const put = async (key: string, daysAgo: number): Promise<string> => {
    await cache.set(key, WORDS);
    const at = new Date(Date.now() - daysAgo * DAY);
    utimesSync(entry(key), at, at);
    return entry(key);
  };

  beforeEach(() => {
    const dir = join(tmp.dir, `case-${++n}`);
    mkdirSync(dir);
    dbFile = join(dir, 'nb.db');
    cacheDir = `${dbFile}.ocr-cache`;
    cache = new OcrCache(cacheDir);
    db = openDatabase(dbFile);
  });
  afterEach(() => db?.close());
  afterAll(() => tmp.cleanup());

  it('removes an entry unused for --keep-days and keeps one used since, and records it in the run', async () => {
    const old = await put(keyOf('a1'), 200);
    const recent = await put(keyOf('a2'), 10);
    // A write that never finished, long ago: removed too.
    const tmpFile = `${entry(keyOf('a3'))}.4242.tmp`;
    mkdirSync(join(cacheDir, keyOf('a3').slice(0, 2)), { recursive: true });
    writeFileSync(tmpFile, '[{"left"');
    utimesSync(tmpFile, new Date(Date.now() - 100 * DAY), new Date(Date.now() - 100 * DAY));
    const bytes = statSync(old).size + statSync(tmpFile).size;

    const r = pruneHistory(db, {});
    expect(r.ocrCache).toMatchObject({ dir: cacheDir, missing: false, examined: 3, removed: 2, bytes, kept: 1, skipped: 0 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(tmpFile)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(JSON.parse(readFileSync(recent, 'utf8'))).toEqual(WORDS);
    // The removed entry is a miss; written again, it is a hit (its shard folder stayed).
    expect(await cache.get(keyOf('a1'))).toBeUndefined();
    expect(await cache.trySet(keyOf('a1'), WORDS)).toBe(true);
    expect(await cache.get(keyOf('a1'))).toEqual(WORDS);
    const counts = JSON.parse(db.prepare('SELECT counts FROM runs WHERE id = ?').pluck().get(r.runId) as string) as Record<string, number>;
    expect(counts).toMatchObject({ ocrCacheRemoved: 2, ocrCacheBytes: bytes });

    // With a shorter --keep-days the entry used 10 days ago goes too.
    expect(pruneHistory(db, { keepDays: 5 }).ocrCache).toMatchObject({ removed: 1, kept: 1 });
    expect(existsSync(recent)).toBe(false);
  });

  it('a dry run counts and removes nothing', async () => {
    const old = await put(keyOf('b4'), 120);
    const mtime = statSync(old).mtimeMs;
    const r = pruneHistory(db, { dryRun: true });
    expect(r.ocrCache).toMatchObject({ removed: 1, bytes: statSync(old).size, kept: 0 });
    expect(existsSync(old)).toBe(true);
    expect(statSync(old).mtimeMs).toBe(mtime);
    expect(db.prepare("SELECT count(*) FROM runs WHERE command = 'prune'").pluck().get()).toBe(0);
  });

  it('a hit on an old entry records its use, so prune keeps it; a hit on one used today does not write', async () => {
    const old = await put(keyOf('c5'), 200);
    expect(await cache.get(keyOf('c5'))).toEqual(WORDS);
    expect(Date.now() - statSync(old).mtimeMs).toBeLessThan(DAY);
    expect(pruneHistory(db, {}).ocrCache).toMatchObject({ removed: 0, kept: 1 });
    expect(existsSync(old)).toBe(true);

    // Used an hour ago: the hit leaves the mtime alone (at most one touch a day per entry).
    const hour = await put(keyOf('c6'), 1 / 24);
    const before = statSync(hour).mtimeMs;
    expect(Date.now() - before).toBeLessThan(TOUCH_EVERY_MS);
    expect(await cache.get(keyOf('c6'))).toEqual(WORDS);
    expect(statSync(hour).mtimeMs).toBe(before);
  });

  // Several Unix users sharing one cache folder: only root can run the reader as another user.
  it.skipIf(process.getuid?.() !== 0)("a hit on another user's old entry writes it again as the reader's, so prune keeps it", async ({ skip }) => {
    const nobody = 65_534;
    const cacheModule = pathToFileURL(join(ROOT, 'dist', 'src', 'decode', 'ocr-cache.js')).href;
    // That user must be able to run this Node and read the module (a Node unpacked in a private
    // temporary folder, as CI's second round does, cannot be run by another user).
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(cacheModule)})`], { uid: nobody, gid: nobody });
    if (probe.status !== 0) return skip(`user ${nobody} cannot run ${process.execPath} on ${cacheModule}`);
    const old = await put(keyOf('d7'), 200); // root's entry, unused for 200 days
    chmodSync(tmp.dir, 0o755);
    chmodSync(join(cacheDir, 'd7'), 0o777); // the shared folder: every user may write entries
    const reader = `const { OcrCache } = await import(${JSON.stringify(cacheModule)});
      process.stdout.write(JSON.stringify(await new OcrCache(${JSON.stringify(cacheDir)}).get(${JSON.stringify(keyOf('d7'))})));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', reader], { uid: nobody, gid: nobody, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(WORDS); // a hit …
    expect(statSync(old).uid).toBe(nobody); // … that could not set root's entry's times, so wrote it again as its own
    expect(Date.now() - statSync(old).mtimeMs).toBeLessThan(DAY);
    expect(readdirSync(join(cacheDir, 'd7'))).toEqual([`${keyOf('d7')}.json`]); // no file left aside
    expect(pruneHistory(db, {}).ocrCache).toMatchObject({ removed: 0, kept: 1 });
    expect(await cache.get(keyOf('d7'))).toEqual(WORDS);
  });

  it('never follows a link nor touches a file that is not the cache’s, however old', async () => {
    const outside = join(tmp.dir, `outside-${n}`);
    const victimKey = keyOf('77', 'a');
    mkdirSync(outside);
    // Outside the folder: a file named like an entry, and another file; both old.
    const outEntry = join(outside, `${victimKey}.json`);
    const outFile = join(outside, 'victim.txt');
    writeFileSync(outEntry, JSON.stringify(WORDS));
    writeFileSync(outFile, 'keep me');
    const longAgo = new Date(Date.now() - 400 * DAY);
    for (const f of [outEntry, outFile]) utimesSync(f, longAgo, longAgo);
    // In the cache: a shard folder that is a link to the outside folder …
    await put(keyOf('88'), 1);
    mkdirSync(cacheDir, { recursive: true });
    const shardLink = join(cacheDir, '77');
    symlinkSync(outside, shardLink);
    // … an entry that is a link to a file outside, and files of other names, all old.
    const linkKey = keyOf('99');
    mkdirSync(join(cacheDir, linkKey.slice(0, 2)), { recursive: true });
    const entryLink = entry(linkKey);
    symlinkSync(outFile, entryLink);
    const stranger = join(cacheDir, linkKey.slice(0, 2), 'notes.txt');
    const misplaced = join(cacheDir, '99', `${keyOf('aa')}.json`); // a key of another shard
    const topLevel = join(cacheDir, `${linkKey}.json`);
    for (const f of [stranger, misplaced, topLevel]) {
      writeFileSync(f, '[]');
      utimesSync(f, longAgo, longAgo);
    }

    const r = pruneHistory(db, {});
    expect(r.ocrCache).toMatchObject({ removed: 0, kept: 1, skipped: 0 });
    expect(readdirSync(outside).sort()).toEqual([outEntry, outFile].map((f) => f.slice(outside.length + 1)).sort());
    expect(statSync(outEntry).mtimeMs).toBeLessThan(longAgo.getTime() + 1000); // not touched either
    for (const f of [stranger, misplaced, topLevel]) expect(existsSync(f)).toBe(true);
    expect(lstatSync(shardLink).isSymbolicLink()).toBe(true);
    expect(lstatSync(entryLink).isSymbolicLink()).toBe(true);
  });

  it('a missing folder is nothing to do; --no-ocr-cache (false) leaves the folder alone', async () => {
    expect(pruneHistory(db, {}).ocrCache).toMatchObject({ missing: true, examined: 0, removed: 0 });
    const old = await put(keyOf('d0'), 200);
    expect(pruneHistory(db, { ocrCacheDir: false }).ocrCache).toBeNull();
    expect(existsSync(old)).toBe(true);
  });

  it('a file it cannot remove is skipped with a warning, the rest removed', async (ctx) => {
    const stuck = await put(keyOf('e1'), 200);
    const gone = await put(keyOf('e2'), 200);
    const shard = join(cacheDir, keyOf('e1').slice(0, 2));
    // Root ignores permissions: make the shard immutable instead, where chattr works.
    const asRoot = process.getuid?.() === 0;
    const lock = (on: boolean): boolean =>
      asRoot ? spawnSync('chattr', [on ? '+i' : '-i', shard]).status === 0 : (chmodSync(shard, on ? 0o555 : 0o755), true);
    if (!lock(true)) ctx.skip();
    try {
      const r = pruneHistory(db, {});
      expect(r.ocrCache).toMatchObject({ removed: 1, skipped: 1 });
      expect(r.ocrCache!.warnings).toEqual([expect.stringContaining(`${stuck}: cannot be removed`)]);
      expect(existsSync(stuck)).toBe(true);
      expect(existsSync(gone)).toBe(false);
    } finally {
      lock(false);
    }
  });

  it('is left alone while a writer runs (NB_RUN_BUSY)', async () => {
    const old = await put(keyOf('f3'), 200);
    const other: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      recordLiveRun(db, 'reparse', other.pid!);
      expect(() => pruneHistory(db, {})).toThrow(expect.objectContaining({ code: 'NB_RUN_BUSY' }));
      expect(existsSync(old)).toBe(true);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
  });

  it('the CLI takes --ocr-cache DIR and says what it removed, in text and in --json', async () => {
    const elsewhere = join(tmp.dir, `elsewhere-${n}`);
    cache = new OcrCache(elsewhere);
    cacheDir = elsewhere;
    const old = await put(keyOf('0e'), 200);
    const size = statSync(old).size;
    await put(keyOf('0f'), 2);
    db.close();

    const dry = runCli(['prune', '--db', dbFile, '--ocr-cache', elsewhere, '--dry-run', '--progress', 'none']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would remove 1 OCR cache entry unused since`);
    expect(dry.stdout).toContain(`from ${elsewhere}`);
    expect(existsSync(old)).toBe(true);
    // The default folder (<db>.ocr-cache) does not exist: nothing to do there.
    const none = runCli(['prune', '--db', dbFile, '--progress', 'none']);
    expect(none.stdout).toContain(`OCR cache ${dbFile}.ocr-cache: none (nothing to do)`);
    expect(existsSync(old)).toBe(true);

    const out = runCli(['prune', '--db', dbFile, '--ocr-cache', elsewhere, '--json', '--progress', 'none']);
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout) as { ocrCache: { removed: number; bytes: number; kept: number } };
    expect(r.ocrCache).toMatchObject({ removed: 1, bytes: size, kept: 1 });
    expect(existsSync(old)).toBe(false);
    db = openDatabase(dbFile);
  });
});
