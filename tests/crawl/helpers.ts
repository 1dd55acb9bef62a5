/**
 * Shared helpers of the crawl tests: temp folders, the corpus sidecars, the database content in a
 * comparable form, and the built CLI (`node bin/nianbao.js`).
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { DemoPortal, ExpectedReport } from '../../src/demo/portal.js';
import { type Registry, validateRegistry } from '../../src/sites/registry.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'nianbao.js');

export function tempDir(prefix = 'nianbao-crawl-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Sidecar {
  format: string;
  title: string | null;
  agency: string | null;
  year: number;
  published: string | null;
  active?: Record<string, Record<string, number | null>>;
  requests?: Record<string, Record<string, number | null>>;
  appeals?: Record<string, Record<string, number | null>>;
  stats?: { label: string; value: number | null; cumulative?: number | null }[];
}

export function sidecar(source: string): Sidecar {
  return JSON.parse(readFileSync(join(ROOT, 'snapshots', 'corpus', `${source}.expected.json`), 'utf8')) as Sidecar;
}

/** Paths (with query) of URLs, for comparing crawls of portals on different ports. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

type Row = Record<string, unknown>;

/**
 * Asserts (with `expect`) that the database holds exactly the expected reports, each with the
 * values of its corpus sidecar. Returns the number of cells compared.
 */
export function storedReports(db: Database.Database): (Row & { id: number; url: string })[] {
  return db
    .prepare(
      `SELECT r.id, d.url, d.final_url, d.http_status, d.content_type, d.fetched_at, d.snapshot_path, d.sha256, r.year, r.format,
              r.title, r.agency_name, r.published, r.status, r.cell_count, a.name AS agency, a.key AS agency_key
       FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN agencies a ON a.id = r.agency_id ORDER BY d.url`,
    )
    .all() as (Row & { id: number; url: string })[];
}

/** `table.row.col → value` of a stored report, and the same from a sidecar. */
export function storedTables(db: Database.Database, reportId: number): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  const rows = db.prepare('SELECT table_name, row_key, col_key, value FROM cells WHERE report_id = ?').all(reportId) as {
    table_name: string;
    row_key: string;
    col_key: string;
    value: number | null;
  }[];
  for (const c of rows) (out[c.table_name] ??= {})[`${c.row_key}.${c.col_key}`] = c.value;
  return out;
}

export function sidecarTables(s: Sidecar): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const t of ['active', 'requests', 'appeals'] as const) {
    const tab = s[t];
    if (!tab) continue;
    out[t] = Object.fromEntries(Object.entries(tab).flatMap(([row, cols]) => Object.entries(cols).map(([col, v]) => [`${row}.${col}`, v])));
  }
  return out;
}

export function storedStats(db: Database.Database, reportId: number): { value: number | null; cumulative: number | null }[] {
  return db.prepare('SELECT value, cumulative FROM stats WHERE report_id = ? ORDER BY ord').all(reportId) as {
    value: number | null;
    cumulative: number | null;
  }[];
}

/** Expected reports of some sites of a portal, keyed by document URL. */
export function expectedByDocument(portal: DemoPortal, sites?: string[]): Map<string, ExpectedReport> {
  const all = portal.expectedReports().filter((e) => !sites || sites.includes(e.site));
  return new Map(all.map((e) => [e.documentUrl, e]));
}

/**
 * The content of a crawl database in a form two crawls can be compared by: documents, reports,
 * cells and stats by document URL path; frontier rows by key path and state. Ids, times and run
 * numbers are left out.
 */
export function dbContent(file: string): Record<string, unknown> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const docs = (db.prepare('SELECT url, sha256, size, http_status, content_type, snapshot_path FROM documents ORDER BY url').all() as Row[]).map((d) => ({
      ...d,
      url: pathOf(String(d['url'])),
    }));
    const reports = (
      db
        .prepare(
          `SELECT d.url, r.year, r.format, r.title, r.agency_name, r.published, r.status, r.cell_count, r.is_primary, a.key AS agency
           FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN agencies a ON a.id = r.agency_id ORDER BY d.url`,
        )
        .all() as Row[]
    ).map((r) => ({ ...r, url: pathOf(String(r['url'])) }));
    const cells = (
      db
        .prepare(
          `SELECT d.url, c.table_name, c.row_key, c.col_key, c.value, c.raw, c.ord FROM cells c JOIN reports r ON r.id = c.report_id
           JOIN documents d ON d.id = r.document_id ORDER BY d.url, c.ord`,
        )
        .all() as Row[]
    ).map((r) => ({ ...r, url: pathOf(String(r['url'])) }));
    const stats = db.prepare('SELECT count(*) AS n FROM stats').get();
    const findings = db.prepare("SELECT count(*) AS n FROM findings WHERE source = 'parser'").get();
    const frontier = (db.prepare('SELECT key, kind, state, error_code, last_status, site FROM frontier ORDER BY key').all() as Row[]).map((r) => ({
      ...r,
      key: String(r['key']).replace(/https?:\/\/127\.0\.0\.1:\d+/g, ''),
    }));
    const agencies = db.prepare('SELECT key, name FROM agencies ORDER BY key').all();
    return { docs, reports, cells, stats, findings, frontier: frontier.sort((a, b) => String(a.key).localeCompare(String(b.key))), agencies };
  } finally {
    db.close();
  }
}

/** Newest modification time under a folder (files only). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Makes sure `bin/nianbao.js` runs the current sources: when dist/ is missing or older than
 * src/, parsers/ or db/, runs `npm run build` (once, under a lock shared by test workers).
 */
export function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const stale = (): boolean =>
    !existsSync(main) || statSync(main).mtimeMs < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'parsers')), newest(join(ROOT, 'db')));
  if (!stale()) return;
  const lock = join(ROOT, 'dist', '.build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('timed out waiting for another build');
      spawnSync('sleep', ['0.5']);
    }
  }
  try {
    if (!stale()) return;
    // tsc writes the output even when an unrelated file has a type error; the CLI is what counts.
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    if (!existsSync(main)) throw new Error('npm run build did not produce dist/src/cli/main.js');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/nianbao.js ARGS` and waits. */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NIANBAO_DB: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Counts with one SQL query on a database another process may be writing; 0 when not created or migrated yet. */
export function countRows(file: string, sql: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/**
 * A registry of one local test site (`local: true`: its server is on 127.0.0.1), a county body's
 * TRS column at `<origin>/nb/index.html` unless `name` or the entry path say otherwise.
 */
export function testSiteRegistry(origin: string, o: { name?: string; entryPath?: string } = {}): Registry {
  return validateRegistry({
    version: 1,
    sites: [
      {
        name: o.name ?? 'test',
        agency: '测试县人民政府',
        region: { province: '演示省', county: '测试县' },
        level: 'county',
        entries: [`${origin}${o.entryPath ?? '/nb/index.html'}`],
        adapter: 'trs-classic',
        local: true,
      },
    ],
  });
}

/** A server on 127.0.0.1 answering the paths of `files` (anything else: 404), its origin and how to close it. */
export async function serveFiles(files: Record<string, { type: string; body: Buffer }>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const f = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!f) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': f.body.length }).end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A `runs` row of `command` that looks live to `liveRunOf`/`liveRunsOf`: status running, this host,
 * heartbeat now, the process `pid` (one the caller keeps alive). What another crawl or ingest on the
 * same database leaves while it runs.
 */
export function recordLiveRun(db: Database.Database, command: string, pid: number): void {
  const at = new Date().toISOString();
  db.prepare("INSERT INTO runs (command, started_at, status, pid, host, heartbeat_at) VALUES (?, ?, 'running', ?, ?, ?)").run(command, at, pid, hostname(), at);
}

/** `page` with `from` (which must occur exactly once) replaced by `to`. */
export function replaceOnce(page: string, from: string, to: string): string {
  if (page.split(from).length !== 2) throw new Error(`replaceOnce: «${from}» does not occur exactly once`);
  return page.replace(from, () => to);
}

/** A TRS-style list page (one page of paging) linking `links` ([href, title]), dated 2024-02-01. */
export function trsListPage(links: [string, string][]): string {
  return (
    '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
    links.map(([href, title]) => `<li><a href="${href}">${title}</a><span>2024-02-01</span></li>`).join('') +
    '</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>'
  );
}
