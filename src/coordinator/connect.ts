/**
 * Connecting to the coordinator: a `pg` pool on a postgres:// URL, the schema brought up to date
 * on the first connection, and connection failures as one NB_COORDINATOR_UNREACHABLE line naming
 * the URL without its password.
 */
import pg from 'pg';
import { CoordinatorError, redactUrl } from './errors.js';
import { migrate } from './schema.js';

export interface Coordinator {
  pool: pg.Pool;
  /** The URL without its password (for messages and logs). */
  label: string;
  /** Runs `fn` in one transaction on one connection. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Validates the URL (postgres:// or postgresql://). */
export function checkCoordinatorUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CoordinatorError('NB_COORDINATOR_URL', `--coordinator ${redactUrl(url)}: not a URL; give postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new CoordinatorError(
      'NB_COORDINATOR_URL',
      `--coordinator ${redactUrl(url)}: not a postgres:// URL; give postgres://USER:PASSWORD@HOST:PORT/DATABASE`,
    );
  }
}

/** Connects (and migrates). `max`: connections in the pool. */
export async function connectCoordinator(url: string, o: { max?: number; connectTimeoutMs?: number } = {}): Promise<Coordinator> {
  checkCoordinatorUrl(url);
  const label = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 4, connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000, application_name: 'nianbao' });
  // An idle connection that drops (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const why = err instanceof Error ? err.message : String(err);
    throw new CoordinatorError(
      'NB_COORDINATOR_UNREACHABLE',
      `cannot reach the coordinator ${label} (${why}); check that PostgreSQL runs there and the URL, user and password`,
      { cause: err },
    );
  }
  try {
    await migrate(client, url);
  } catch (err) {
    client.release();
    await pool.end().catch(() => undefined);
    throw err;
  }
  client.release();
  return {
    pool,
    label,
    async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
