/**
 * Results of the explorer's heavy read queries (the per-report summaries behind the compare and
 * compliance pages read every cell of the selected reports: seconds on a national database),
 * kept until the database changes. `PRAGMA data_version` tells: on the explorer's read-only
 * connection it changes exactly when another connection (an ingest, a crawl, a check) commits.
 */
import type { Db } from '../store/db.js';

export interface QueryCacheOptions {
  /** Most rows kept over all cached results (least recently used dropped first). @default 200000 */
  maxRows?: number;
}

export class QueryCache {
  readonly #db: Db;
  readonly #maxRows: number;
  #version: number | null = null;
  /** sql + params → rows, least recently used first. */
  readonly #entries = new Map<string, unknown[]>();
  #rows = 0;
  hits = 0;
  misses = 0;

  constructor(db: Db, options: QueryCacheOptions = {}) {
    this.#db = db;
    this.#maxRows = options.maxRows ?? 200_000;
  }

  /** `db.prepare(sql).all(params)`, from the cache when the database has not changed since. */
  all<T>(sql: string, params: Record<string, unknown> = {}): T[] {
    const version = this.#db.pragma('data_version', { simple: true }) as number;
    if (version !== this.#version) {
      this.#entries.clear();
      this.#rows = 0;
      this.#version = version;
    }
    const key = `${sql}\u0000${JSON.stringify(params)}`;
    const cached = this.#entries.get(key);
    if (cached) {
      this.hits++;
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached.slice() as T[];
    }
    this.misses++;
    const rows = this.#db.prepare(sql).all(params);
    if (rows.length <= this.#maxRows) {
      this.#entries.set(key, rows);
      this.#rows += rows.length;
      for (const [k, v] of this.#entries) {
        if (this.#rows <= this.#maxRows) break;
        this.#entries.delete(k);
        this.#rows -= v.length;
      }
    }
    return rows.slice() as T[];
  }
}
