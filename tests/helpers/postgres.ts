/**
 * A throwaway PostgreSQL cluster for the tests of the shared crawl: `initdb` into a temporary
 * folder owned by the `postgres` user (PostgreSQL refuses to run as root), a random free port on
 * 127.0.0.1, `fsync=off`, the unix socket in the same folder; stopped and removed by `stop()`.
 *
 * Without PostgreSQL binaries (`/usr/lib/postgresql/<n>/bin/initdb`, or `$NIANBAO_PG_BIN`) the
 * tests skip: {@link postgresSkipReason} says why, for `describe.skipIf`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  /** `postgres://postgres:secret@127.0.0.1:PORT/postgres` (trust auth; the password is ignored). */
  url: string;
  port: number;
  /** A fresh database on the cluster, its URL. */
  createDatabase(name: string): string;
  stop(): void;
}

/** The folder of the newest installed PostgreSQL's binaries, or null. */
export function postgresBinDir(): string | null {
  const env = process.env['NIANBAO_PG_BIN'];
  if (env) return existsSync(join(env, 'initdb')) ? env : null;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

function runAsPostgres(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Why the PostgreSQL tests cannot run here (null when they can). */
export function postgresSkipReason(): string | null {
  const bin = postgresBinDir();
  if (!bin) return 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql, or set NIANBAO_PG_BIN)';
  if (runAsPostgres() && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root without a `postgres` user to run the cluster as';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a cluster (about 2 s). Call `stop()` in `afterAll`. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresSkipReason() ?? 'no PostgreSQL');
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-pg-'));
  const data = join(dir, 'data');
  const asPostgres = runAsPostgres();
  if (asPostgres) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const run = (tool: string, args: string[]): void => {
    const cmd = asPostgres ? 'runuser' : join(bin, tool);
    const argv = asPostgres ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const r = spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    try {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start']);
      break;
    } catch (err) {
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let stopped = false;
  const url = `postgres://postgres:secret@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', `CREATE DATABASE ${name}`]);
      return `postgres://postgres:secret@127.0.0.1:${port}/${name}`;
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
