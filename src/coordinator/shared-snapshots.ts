/**
 * The shared snapshots folder as the storer sees it. A file whose bytes the dataset holds
 * (`snapshot_blobs`) is removed once the batch that moved it is committed in SQLite and marked
 * stored in PostgreSQL — never before, so a storer that dies mid-batch finds every file it needs
 * again. A storer that dies between that commit and the removal leaves the file behind: the run's
 * last pass removes every file the run's stored results name that the dataset holds. A file
 * gone from the folder (removed by an earlier batch, while a worker's result still named it) is
 * read from the dataset, which holds the same bytes under the same hash.
 */
import { rm } from 'node:fs/promises';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { snapshotRelPath, type SnapshotStore } from '../store/snapshots.js';
import type { Coordinator } from './connect.js';

export class SharedSnapshots {
  readonly #holds: Statement<[string]> | null;

  /**
   * @param shared the shared folder the workers write
   * @param dataset the dataset's snapshot store (its database's `snapshot_blobs`)
   */
  constructor(
    readonly shared: SnapshotStore,
    readonly dataset: SnapshotStore,
    db: Db,
  ) {
    const blobs = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_blobs'").get();
    this.#holds = blobs ? db.prepare('SELECT 1 FROM snapshot_blobs WHERE sha256 = ?') : null;
  }

  get dir(): string {
    return this.shared.dir;
  }

  /** Whether the dataset holds the bytes of `sha` (committed or in the open transaction). */
  holds(sha: string): boolean {
    return this.#holds?.get(sha) !== undefined;
  }

  /** The bytes of a snapshot: from the shared folder, else from the dataset when it holds them (else the folder's error). */
  async read(relPath: string, sha: string): Promise<Buffer> {
    try {
      return await this.shared.get(relPath);
    } catch (err) {
      if (!this.holds(sha)) throw err;
      return this.dataset.get(snapshotRelPath(sha));
    }
  }

  /** Removes the shared files of the hashes the dataset holds (call after the commit that stored them); returns how many there were. */
  async remove(shas: Iterable<string>): Promise<number> {
    let n = 0;
    for (const sha of new Set(shas)) {
      if (!/^[0-9a-f]{64}$/.test(sha) || !this.holds(sha)) continue;
      await rm(this.shared.pathOf(snapshotRelPath(sha)), { force: true });
      n++;
    }
    return n;
  }
}

/** The hashes of a run's stored results (parsed documents, known bytes seen again, the responses of other pages). */
export async function storedResultHashes(c: Coordinator, runId: number): Promise<string[]> {
  const r = await c.pool.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM results WHERE run_id = $1 AND stored_at IS NOT NULL AND sha256 IS NOT NULL', [
    runId,
  ]);
  return r.rows.map((x) => x.sha256);
}
