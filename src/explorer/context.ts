/** Options of `nianbao serve` and the state every page handler gets. */
import { z } from 'zod';
import type { Db } from '../store/db.js';
import type { SnapshotStore } from '../store/snapshots.js';
import type { QueryCache } from './cache.js';
import type { QueryExample } from './queries-doc.js';
import type { SqlRunner } from './sql-runner.js';

export const ExplorerOptionsSchema = z.object({
  /** The SQLite database file (opened read-only; it must exist). */
  dbFile: z.string().min(1),
  /** Folder of raw snapshots. @default `<dbFile>.snapshots` */
  snapshotsDir: z.string().min(1).optional(),
  /** Interface to listen on. Anything but a loopback address prints a warning. @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port; 0 picks a free one. @default 8080 */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Time limit of each SQL-page query, in milliseconds. @default 5000 */
  queryTimeoutMs: z.number().int().min(50).max(600_000).default(5000),
  /** Most rows an SQL-page query shows. @default 1000 */
  maxRows: z.number().int().min(1).max(100_000).default(1000),
  /** Most rows an SQL-page CSV/JSON download holds. @default 100000 */
  maxDownloadRows: z.number().int().min(1).max(10_000_000).default(100_000),
  /** SQL-page queries running at once (each in its own process). @default 2 */
  sqlConcurrency: z.number().int().min(1).max(16).default(2),
  /**
   * Host names accepted in the `Host` header (protection against DNS rebinding). Default: when
   * bound to a loopback address, `localhost`, `127.0.0.1`, `[::1]` and the host itself; when
   * bound elsewhere, any.
   */
  allowedHosts: z.array(z.string().min(1)).optional(),
  /** Markdown file with the example queries shown on the SQL page. @default docs/queries.md of the package */
  queriesFile: z.string().min(1).optional(),
  /** Most agencies in the home page's coverage grid (filters narrow it). @default 300 */
  coverageLimit: z.number().int().min(1).max(100_000).default(300),
});

export type ExplorerOptions = z.input<typeof ExplorerOptionsSchema>;
export type ResolvedExplorerOptions = z.output<typeof ExplorerOptionsSchema> & { snapshotsDir: string };

export interface ExplorerContext {
  db: Db;
  options: ResolvedExplorerOptions;
  snapshots: SnapshotStore;
  runner: SqlRunner;
  examples: QueryExample[];
  /** Results of the heavy summary queries, until the database changes. */
  cache: QueryCache;
}

/** True for loopback interface names and addresses. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}
