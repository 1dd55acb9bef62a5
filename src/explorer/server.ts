/**
 * `nianbao serve`: the explorer web application (Hono on Node's HTTP server). Server-rendered
 * pages over a read-only connection; every page readable without JavaScript (charts need it).
 *
 * Security: HTML is escaped by construction (html.ts); SQL text is fixed and values are bound;
 * the SQL page runs in separate read-only processes with a time limit; pages are served with a
 * Content-Security-Policy that allows scripts and styles from this server only (no inline
 * script), frames from this server only, and forbids being framed; raw snapshots are served
 * with `Content-Security-Policy: sandbox` (no scripts, no network) inside an `<iframe sandbox>`;
 * the `Host` header is checked against DNS rebinding; the server binds 127.0.0.1 by default.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { PassThrough, Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { defaultSnapshotsDir, openDatabase } from '../store/db.js';
import { OutputSink } from '../store/output.js';
import { EXPORT_VIEWS, ExportOptionsSchema, exportView } from '../store/query.js';
import { SnapshotStore } from '../store/snapshots.js';
import { CHART_JS, STYLE_CSS } from './assets.js';
import { atomFeed, readFeedQuery } from './feed.js';
import { loadFontAssets } from './fonts.js';
import { type ExplorerContext, type ExplorerOptions, ExplorerOptionsSchema, isLoopback, type ResolvedExplorerOptions } from './context.js';
import { intParam, yearParam } from './data.js';
import { ExplorerError } from './errors.js';
import { html } from './html.js';
import { contentDisposition, page } from './layout.js';
import { agencyPage } from './pages/agency.js';
import { changesPage } from './pages/changes.js';
import { comparePage } from './pages/compare.js';
import { compliancePage } from './pages/compliance.js';
import { healthPage } from './pages/health.js';
import { homePage } from './pages/home.js';
import { FRAMEABLE_KINDS, reportPage, type DocumentRow } from './pages/report.js';
import { searchPage } from './pages/search.js';
import { sqlPage } from './pages/sql.js';
import { loadQueryExamples } from './queries-doc.js';
import { QueryCache } from './cache.js';
import { SqlRunner, type SqlRunnerStats } from './sql-runner.js';
import { terminalSafe } from '../store/terminal-safe.js';

/** Content-Security-Policy of the explorer's own pages. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Content-Security-Policy of raw snapshots: a sandbox (no scripts, forms, popups, same-origin), nothing loaded. */
export const SNAPSHOT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

const require = createRequire(import.meta.url);

interface Asset {
  body: string | Buffer;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const fonts = loadFontAssets();
  const assets = new Map<string, Asset>([
    ['style.css', { body: fonts.css + STYLE_CSS, type: 'text/css; charset=utf-8' }],
    ['chart.js', { body: CHART_JS, type: 'text/javascript; charset=utf-8' }],
  ]);
  const uplot = (file: string): Buffer => readFileSync(require.resolve(`uplot/dist/${file}`));
  assets.set('uPlot.iife.min.js', { body: uplot('uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' });
  assets.set('uPlot.min.css', { body: uplot('uPlot.min.css'), type: 'text/css; charset=utf-8' });
  for (const [name, body] of fonts.files) assets.set(name, { body, type: 'font/woff2' });
  return assets;
}

/** A stored Content-Type if it is a plain `type/subtype; param=value` value, else one from the document kind. */
export function snapshotContentType(doc: Pick<DocumentRow, 'content_type' | 'kind' | 'charset'>): string {
  const stored = doc.content_type?.trim();
  if (stored && /^[\w.+-]+\/[\w.+-]+(?:\s*;\s*[\w.-]+=(?:"[\w.+ -]*"|[\w.+-]+))*$/.test(stored)) return stored;
  const charset = doc.charset && /^[\w.:-]+$/.test(doc.charset) ? doc.charset : 'utf-8';
  switch (doc.kind) {
    case 'html':
      return `text/html; charset=${charset}`;
    case 'text':
      return `text/plain; charset=${charset}`;
    case 'docx':
      return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    case 'pdf':
      return 'application/pdf';
    case 'doc':
      return 'application/msword';
    case 'wps':
      return 'application/vnd.ms-works';
    case 'mht':
      return 'multipart/related';
    case 'ofd':
      return 'application/ofd';
    default:
      return 'application/octet-stream';
  }
}

export interface Explorer {
  app: Hono;
  options: ResolvedExplorerOptions;
  /** What the SQL page's query processes are doing (running, waiting, cancelled …). */
  sqlStats(): SqlRunnerStats;
  /** Closes the database and kills running query processes. */
  close(): void;
}

/** Builds the explorer application (no socket): for `startExplorer` and for tests. */
export function createExplorer(input: ExplorerOptions): Explorer {
  const parsed = ExplorerOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ExplorerError('NB_SERVE_BAD_OPTION', `serve: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const options: ResolvedExplorerOptions = { ...parsed.data, snapshotsDir: parsed.data.snapshotsDir ?? defaultSnapshotsDir(parsed.data.dbFile) };
  const db = openDatabase(options.dbFile, { readonly: true });
  const ctx: ExplorerContext = {
    db,
    options,
    snapshots: new SnapshotStore(options.snapshotsDir, { db }),
    runner: new SqlRunner(options.dbFile, options.sqlConcurrency),
    examples: loadQueryExamples(options.queriesFile),
    cache: new QueryCache(db),
  };
  const assets = loadAssets();
  const allowed = options.allowedHosts
    ? new Set(options.allowedHosts.map((h) => h.toLowerCase()))
    : isLoopback(options.host)
      ? new Set(['localhost', '127.0.0.1', '[::1]', options.host.toLowerCase()])
      : null;

  const app = new Hono();

  // Host check (DNS rebinding), then security headers on every response.
  app.use('*', async (c, next) => {
    if (allowed) {
      const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '');
      if (!allowed.has(host)) return c.text('Host not allowed', 403);
    }
    await next();
    const h = c.res.headers;
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', PAGE_CSP);
    if (!h.has('X-Frame-Options')) h.set('X-Frame-Options', 'DENY');
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
  });

  const htmlResponse = (body: string, status = 200): Response => new Response(body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  const respond = (r: Response | string | null): Response => (r === null ? notFound() : typeof r === 'string' ? htmlResponse(r) : r);
  const notFound = (what = 'This page does not exist.'): Response =>
    htmlResponse(page({ title: 'Not found', nav: 'none', body: html`<h1>Not found</h1><p>${what}</p><p><a href="/">Back to the overview</a></p>` }), 404);

  app.get('/assets/:name', (c) => {
    const a = assets.get(c.req.param('name'));
    if (!a) return notFound();
    // Font slices never change under a name: cached for a year.
    const cache = a.type === 'font/woff2' ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
    return new Response(a.body, { headers: { 'Content-Type': a.type, 'Cache-Control': cache } });
  });
  app.get('/', (c) => respond(homePage(ctx, c.req.query())));
  app.get('/health', () => respond(healthPage(ctx)));
  app.get('/search', (c) => respond(searchPage(ctx, c.req.query())));
  app.get('/compare', (c) => respond(comparePage(ctx, c.req.query())));
  app.get('/compliance', (c) => respond(compliancePage(ctx, c.req.query())));
  app.get('/changes', (c) => respond(changesPage(ctx, c.req.query())));
  // The Atom feed; its links are absolute, on the origin the request came to (the Host was checked above).
  app.get(
    '/feed.xml',
    (c) =>
      new Response(atomFeed(db, readFeedQuery(c.req.query()), new URL(c.req.url).origin), {
        headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' },
      }),
  );
  app.get('/report/:id', (c) => {
    const id = intParam(c.req.param('id'));
    return id === undefined ? notFound() : respond(reportPage(ctx, id, c.req.query()));
  });
  app.get('/agency/:id', (c) => {
    const id = intParam(c.req.param('id'));
    return id === undefined ? notFound() : respond(agencyPage(ctx, id, c.req.query()));
  });
  // The request's signal aborts when the client goes away: its query is stopped, not run to the limit.
  const sql = async (q: Record<string, string>, signal: AbortSignal): Promise<Response> => {
    const r = await sqlPage(ctx, q, signal);
    return r instanceof Response ? r : htmlResponse(r.html, r.status);
  };
  app.get('/sql', (c) => sql(c.req.query(), c.req.raw.signal));
  // Long statements can be posted as a form (a URL holds about 16 KB).
  app.post('/sql', async (c) => {
    const form = await c.req.parseBody();
    const q: Record<string, string> = { ...c.req.query() };
    for (const [k, v] of Object.entries(form)) if (typeof v === 'string') q[k] = v;
    return sql(q, c.req.raw.signal);
  });

  // The raw document, as stored, in a sandbox.
  app.get('/snapshot/:id', async (c) => {
    const id = intParam(c.req.param('id'));
    const doc = id === undefined ? undefined : (db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined);
    if (!doc) return notFound('No such document.');
    let bytes: Buffer;
    try {
      bytes = await ctx.snapshots.get(doc.snapshot_path);
    } catch (err) {
      // Plain text, framable by our own pages, so the report page's frame says what is missing.
      // A path leading outside the snapshots folder (a tampered row) is refused, never read.
      const outside = (err as { code?: string }).code === 'NB_SNAPSHOT_PATH';
      const text = outside
        ? `NB_SNAPSHOT_PATH: the snapshot path of document ${doc.id} leads outside ${options.snapshotsDir}; refused.\n`
        : `The snapshot of document ${doc.id} (${doc.snapshot_path}) is not in ${options.snapshotsDir}.\n`;
      return new Response(text, {
        status: outside ? 400 : 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': SNAPSHOT_CSP, 'X-Frame-Options': 'SAMEORIGIN' },
      });
    }
    const headers: Record<string, string> = {
      'Content-Type': snapshotContentType(doc),
      'Content-Security-Policy': SNAPSHOT_CSP,
      'X-Frame-Options': 'SAMEORIGIN',
      'Cache-Control': 'private, max-age=3600',
    };
    if (!FRAMEABLE_KINDS.has(doc.kind ?? '')) headers['Content-Disposition'] = contentDisposition(doc.file_name ?? `document-${doc.id}`);
    return new Response(new Uint8Array(bytes), { headers });
  });

  // The export views, exactly as `nianbao export` writes them (same function, same options).
  app.get('/export/:view', (c) => {
    const q = c.req.query();
    const view = c.req.param('view').replace(/\.(csv|json|jsonl)$/, '');
    if (!(EXPORT_VIEWS as readonly string[]).includes(view)) return notFound(`Unknown view; use one of ${EXPORT_VIEWS.join(', ')}.`);
    const year = q['year'] ? yearParam(q['year']) : undefined;
    if (q['year'] && year === undefined) return c.text('year must be a four-digit year', 400);
    const opts = ExportOptionsSchema.safeParse({
      view,
      format: q['format'] ?? 'csv',
      agency: q['agency'] || undefined,
      year,
      primaryOnly: q['primary'] === '1',
      bom: q['bom'] === '1',
    });
    if (!opts.success) return c.text(`bad export options: ${opts.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 400);
    const o = opts.data;
    // Its own connection: the export streams, and a connection that is iterating cannot serve other pages.
    const conn = openDatabase(options.dbFile, { readonly: true });
    const pass = new PassThrough();
    const sink = new OutputSink(pass);
    exportView(conn, o, sink)
      .then(() => sink.flush())
      .then(() => pass.end())
      .catch((err: unknown) => pass.destroy(err instanceof Error ? err : new Error(String(err))))
      .finally(() => conn.close());
    const name = ['nianbao', o.view, o.agency, o.year].filter((x) => x !== undefined && x !== '').join('-');
    const type =
      o.format === 'csv' ? 'text/csv; charset=utf-8' : o.format === 'json' ? 'application/json; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
    return new Response(Readable.toWeb(pass) as unknown as ReadableStream<Uint8Array>, {
      headers: { 'Content-Type': type, 'Content-Disposition': contentDisposition(`${name}.${o.format}`) },
    });
  });

  app.notFound(() => notFound());
  app.onError((err) => {
    process.stderr.write(`nianbao serve: ${terminalSafe(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    return htmlResponse(
      page({
        title: 'Error',
        nav: 'none',
        body: html`<h1>Something went wrong</h1><p class="error-box">${err instanceof Error ? err.message : String(err)}</p>`,
      }),
      500,
    );
  });

  return {
    app,
    options,
    sqlStats: () => ctx.runner.stats(),
    close: () => {
      ctx.runner.close();
      db.close();
    },
  };
}

export interface RunningExplorer {
  url: string;
  host: string;
  port: number;
  server: ServerType;
  /** What the SQL page's query processes are doing (running, waiting, cancelled …). */
  sqlStats(): SqlRunnerStats;
  close(): Promise<void>;
}

/** A listen failure said so a person can act on it: the address, and what to try instead. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): ExplorerError {
  if (err.code === 'EADDRINUSE') {
    return new ExplorerError(
      'NB_SERVE_PORT_IN_USE',
      `port ${port} on ${host} is already in use (another explorer or program listens there); pick another with --port ${port === 8080 ? 8081 : port + 1}, or --port 0 for any free port`,
      { cause: err },
    );
  }
  const what =
    err.code === 'EACCES'
      ? 'permission denied (ports below 1024 need root): use a port above 1024'
      : err.code === 'EADDRNOTAVAIL'
        ? `${host} is not an address of this machine: use --host 127.0.0.1`
        : err.message;
  return new ExplorerError('NB_SERVE_LISTEN', `cannot listen on ${host}:${port}: ${what}`, { cause: err });
}

/** Starts the explorer on `options.host:options.port` and resolves once it listens. */
export async function startExplorer(input: ExplorerOptions): Promise<RunningExplorer> {
  const explorer = createExplorer(input);
  const { host, port } = explorer.options;
  let server!: ServerType;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: explorer.app.fetch, hostname: host, port }, (info) => resolve(info));
    server.once('error', (err: NodeJS.ErrnoException) => {
      explorer.close();
      reject(listenError(err, host, port));
    });
  });
  const shown = address.family === 'IPv6' || host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : shown;
  return {
    url: `http://${urlHost}:${address.port}/`,
    host,
    port: address.port,
    server,
    sqlStats: explorer.sqlStats,
    close: () =>
      new Promise<void>((resolve) => {
        explorer.close();
        const s = server as unknown as { closeAllConnections?: () => void; close: (cb: () => void) => void };
        s.closeAllConnections?.();
        s.close(() => resolve());
      }),
  };
}
