/**
 * Temp files a killed writer left in the snapshots folder. `SnapshotStore.put` writes
 * `<sha>.gz.tmp-<pid>-<hex>` and renames it; a kill between the two leaves the temp file, and
 * nothing would ever remove it. At its first write a store removes the stale ones: those of a
 * process that is no longer alive (and older than `deadAfterMs`, so that a writer in another pid
 * namespace sharing the folder is not raced), and any older than `maxAgeMs` (a reused pid).
 * Temp files of this process and of live processes are left alone: they may be mid-write.
 *
 * Ages are read against the folder's own clock, not this machine's: the mtime of a probe file
 * written there just before. On a shared folder (NFS) the file server stamps mtimes, and a client
 * whose clock ran an hour ahead of the server's would otherwise take a live writer's temp file
 * for an hour old and remove it mid-write.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `<name>.tmp-<pid>-<hex>`: the pid of the writer. */
const TEMP = /\.tmp-(\d+)-[0-9a-f]+$/;

export interface StaleTempOptions {
  /** A temp file of a dead process is removed once older than this. @default 30_000 */
  deadAfterMs?: number;
  /** Any temp file older than this is removed, whatever its pid. @default 3_600_000 */
  maxAgeMs?: number;
  /** Clock (tests). @default the folder's clock: the mtime of a probe file written there ({@link folderNow}) */
  now?: () => number;
}

/** True when a process with this pid runs (EPERM: it runs under another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The time now by the clock that stamps files in `dir`: the mtime of a probe file written there
 * (and removed). Falls back to this machine's clock when the folder cannot be written.
 */
export async function folderNow(dir: string): Promise<number> {
  const probe = join(dir, `.clock-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '');
    return (await stat(probe)).mtimeMs;
  } catch {
    return Date.now();
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** Removes stale snapshot temp files under `dir` (its prefix folders); returns the paths removed. */
export async function removeStaleTemps(dir: string, options: StaleTempOptions = {}): Promise<string[]> {
  const deadAfterMs = options.deadAfterMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 3_600_000;
  const removed: string[] = [];
  let folders: string[];
  try {
    folders = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name)).map((d) => d.name);
  } catch {
    return removed; // no folder yet: nothing written, nothing left over
  }
  if (folders.length === 0) return removed;
  const now = options.now ? options.now() : await folderNow(dir);
  for (const folder of folders) {
    let names: string[];
    try {
      names = await readdir(join(dir, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid) continue;
      const path = join(dir, folder, name);
      try {
        const age = now - (await stat(path)).mtimeMs;
        if (age > maxAgeMs || (age > deadAfterMs && !pidAlive(pid))) {
          await rm(path, { force: true });
          removed.push(path);
        }
      } catch {
        // Renamed or removed meanwhile by its writer: nothing to do.
      }
    }
  }
  return removed;
}
