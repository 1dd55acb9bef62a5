/**
 * Groups report writes into transactions (see {@link GroupCommit}); each report stays atomic in a
 * savepoint of its own. Work cheaper done once per group (the run counters, taking a replaced
 * report's old text out of the search indexes) is deferred to just before COMMIT.
 */
import type { Db } from './db.js';

interface Deferred {
  value: unknown;
  work: (value: never) => void;
}
type Undo = [key: string, previous: Deferred | undefined][];

/** Told around each group's COMMIT (the index thread, index-thread.ts). */
export interface CommitHooks {
  /** Inside the transaction, after the deferred work, just before COMMIT. */
  beforeCommit(): void;
  /** After COMMIT succeeded. */
  afterCommit(): void;
  /** After the group was rolled back. */
  afterRollback(): void;
}

/** The group open on each connection (at most one). */
const openGroups = new WeakMap<Db, GroupCommit>();

/**
 * Groups report writes into transactions of up to `size` reports (each report still in its own
 * savepoint, so it is stored whole or not at all), committed at the latest `maxMs` after the
 * group began. `size` 1 is one transaction per report. A crash loses at most the open group;
 * what was committed is consistent, and re-running the ingest completes it.
 *
 * Work that is cheaper done once per group (the full-text rows, the run counters) can be
 * {@link GroupCommit.defer deferred}: it runs just before COMMIT, in the same transaction.
 */
export class GroupCommit {
  #open = false;
  #n = 0;
  #since = 0;
  /**
   * Deferred work by key, in insertion order; a key deferred again replaces the earlier entry.
   * Values are never changed in place, so putting back the entries a unit replaced undoes it.
   */
  #deferred = new Map<string, Deferred>();
  /** What the running unit changed in #deferred (key, previous entry), to undo on rollback. */
  #undo: Undo | null = null;
  /** Runs a unit as a transaction (a savepoint inside the open group); built once, not per unit. */
  readonly #unit;
  constructor(
    readonly db: Db,
    readonly size: number = 1,
    readonly maxMs: number = 1000,
    readonly hooks: CommitHooks | null = null,
  ) {
    this.#unit = db.transaction((fn: () => unknown) => fn());
  }

  /** The group with an open transaction on `db`, if any (writers defer work to it). */
  static openOn(db: Db): GroupCommit | undefined {
    return openGroups.get(db);
  }

  /** Runs `fn` as one atomic unit inside the current group. */
  run<T>(fn: () => T): T {
    if (this.size <= 1) return this.#unit.immediate(fn) as T;
    if (!this.#open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.#open = true;
      this.#since = Date.now();
      openGroups.set(this.db, this);
    }
    const undo: Undo = [];
    this.#undo = undo;
    let result: T;
    try {
      result = this.#unit(fn) as T; // a savepoint inside the open group
    } catch (err) {
      // The unit was rolled back: so is what it deferred.
      for (const [key, entry] of undo.reverse()) {
        this.#deferred.delete(key);
        if (entry) this.#deferred.set(key, entry);
      }
      throw err;
    } finally {
      this.#undo = null;
    }
    this.#n++;
    if (this.#n >= this.size || Date.now() - this.#since >= this.maxMs) this.commit();
    return result;
  }

  /**
   * Runs `work(value)` just before the open group commits, replacing what was deferred under the
   * same key. Pass a new `value` each time (never mutate one already deferred).
   */
  defer<T>(key: string, value: T, work: (value: T) => void): void {
    if (!this.#open) throw new Error('GroupCommit.defer: no open group');
    this.#undo?.push([key, this.#deferred.get(key)]);
    this.#deferred.delete(key);
    this.#deferred.set(key, { value, work: work as (value: never) => void });
  }

  /** The value deferred under `key` in the open group, if any. */
  pending<T>(key: string): T | undefined {
    return this.#deferred.get(key)?.value as T | undefined;
  }

  /** Drops deferred work (e.g. the full-text row of a report re-parsed as failed). */
  cancel(key: string): void {
    if (!this.#deferred.has(key)) return;
    this.#undo?.push([key, this.#deferred.get(key)]);
    this.#deferred.delete(key);
  }

  /**
   * Runs the deferred work and commits the open group, if any. If that fails (disk full …), the
   * whole group is rolled back — its reports are not stored, so a re-run stores them — and the
   * error is thrown.
   */
  commit(): void {
    if (!this.#open) return;
    try {
      for (const { value, work } of this.#deferred.values()) work(value as never);
      this.hooks?.beforeCommit();
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.hooks?.afterRollback();
      throw err;
    } finally {
      this.#deferred.clear();
      this.#open = false;
      this.#n = 0;
      openGroups.delete(this.db);
    }
    this.hooks?.afterCommit();
  }
}
