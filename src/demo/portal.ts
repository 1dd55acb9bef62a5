/**
 * The offline demo portal: a set of government-portal look-alikes served over real HTTP on
 * 127.0.0.1 from `snapshots/` — one listener (origin) per site, so robots.txt and per-host
 * politeness work as on the real web — plus a hub listener with an index page. It records every
 * request and the concurrent requests/connections per host, and knows the exact set of reports a
 * crawl must store. It is both `nianbao demo` and the crawler's test fixture.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import iconv from 'iconv-lite';
import { z } from 'zod';
import { corpusDoc, portalFile, projectRoot, rewritePlace } from './corpus.js';
import { htmlReportToDocx } from './docx.js';
import { buildDemoSites, declareGbk, esc, renderReport, type DemoSiteDef, type Route, type ServeContext } from './sites.js';
import { validateRegistry, type Registry } from '../sites/registry.js';
import { buildFictionalSites } from './fictional.js';
import type { Plant } from './generate.js';
import { buildFaultySite, extraFaultStepSchema, isExtraFaultStep, serveExtraFault, type PortalFaultRule } from './faults.js';

export type { FaultRule, FaultStep } from './sites.js';
export type { AnyFaultStep, ExtraFaultStep, PageFault, PortalFaultRule, FaultySiteCase } from './faults.js';

const faultStepSchema = z.union([
  z.strictObject({ status: z.number().int().min(100).max(599), retryAfter: z.number().int().min(0).optional() }),
  z.strictObject({ stall: z.number().int().min(0) }),
  z.strictObject({ reset: z.literal(true) }),
  extraFaultStepSchema,
]);

export const demoPortalOptionsSchema = z.strictObject({
  /**
   * Port of the hub; site i listens on `port + 1 + i`. 0 puts every listener on a free port.
   * @default 0
   */
  port: z.number().int().min(0).max(65535).default(0),
  /** Interface to bind. @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** Delay before every response, in ms (lets politeness tests observe overlapping requests). @default 0 */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** gzip/br-compress text responses when the client sends Accept-Encoding. @default true */
  compress: z.boolean().default(true),
  /** Only serve these sites (by name). @default all sites */
  sites: z.array(z.string()).optional(),
  /**
   * Add the fictional agencies (演示省人民政府 …, src/demo/fictional.ts): one site each, serving
   * generated reports with a planted case of every finding. `nianbao demo` turns this on.
   * @default false
   */
  fictional: z.boolean().default(false),
  /** The round served: 2 revises one fictional report and answers 404 for another (settable later as `portal.round`). @default 1 */
  round: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Add the `faulty` site (every fault kind of `src/demo/faults.ts` mixed with good reports). @default false */
  faulty: z.boolean().default(false),
  faults: z
    .strictObject({
      /** Keep the flaky site's built-in faults (503 ×2 on its list, one stall, one 503). @default true */
      flaky: z.boolean().default(true),
      /** Duration of the flaky site's stalled response, in ms. @default 10000 */
      stallMs: z.number().int().min(0).optional(),
      /** Extra per-path fault sequences (any site). @default [] */
      rules: z
        .array(z.strictObject({ site: z.string(), path: z.string().startsWith('/'), steps: z.array(faultStepSchema), repeat: z.boolean().optional() }))
        .default([]),
    })
    .default({ flaky: true, rules: [] }),
});

export type DemoPortalOptions = z.input<typeof demoPortalOptionsSchema>;

/** A report a crawl of the demo must store. */
export interface ExpectedReport {
  site: string;
  /** The report page (as linked from the list). */
  url: string;
  /** The document the values come from: the page itself, or its DOCX attachment. */
  documentUrl: string;
  /** Title as the report names itself (after the demo's place-name rewrite). */
  title: string;
  year: number;
  /** The report's self-name (the parser's `agency`). */
  agency: string;
  published: string | null;
  /** Corpus file whose tables these are: `snapshots/corpus/<source>.expected.json`. */
  source: string;
  format: 'html' | 'docx';
  /** Only reachable with the browser (script-built list or challenge). */
  needsBrowser: boolean;
  /** For a fictional agency's generated report: its values (by cell path), planted cases and round-2 fate. */
  generated?: { values: Record<string, number | null>; plants: Plant[]; round2?: 'revised' | 'vanished'; revised?: { path: string; from: number; to: number } };
}

export interface DemoSite {
  name: string;
  description: string;
  family: string;
  adapter: DemoSiteDef['adapter'];
  /** Agency as the registry names it. */
  agency: string;
  region: DemoSiteDef['region'];
  level: DemoSiteDef['level'];
  origin: string;
  /** Entry URL (the registry's `entries[0]`). */
  entry: string;
  charset: 'utf-8' | 'gbk';
  robotsTxt: string | null;
  needsBrowser?: string;
  expected: ExpectedReport[];
  /** Listed items that are not reports (must not be stored). */
  skipped: { url: string; title: string }[];
  /** Listed reports whose pages the snapshot lacks (answer 404). */
  missing: { url: string; title: string }[];
  /** Listed reports under robots.txt Disallow (must never be requested). */
  disallowed: { url: string; title: string }[];
}

export interface RequestLogEntry {
  seq: number;
  site: string;
  method: string;
  /** Path with query. */
  path: string;
  /** Host header. */
  host: string;
  /** ms since epoch when the request arrived. */
  time: number;
  /** Status sent (0 while pending or when the connection was stalled/reset). */
  status: number;
  /** ms from arrival to the end of the response (or the socket close). */
  ms: number;
  bytes: number;
  userAgent?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  /** The fault applied, if any (`503`, `stall`, `reset`, `challenge`, and the kinds of `faults.ts`). */
  fault?: string;
  /** Body bytes the server produced for a streamed fault (`faults.ts`); `bytes` is the declared length. */
  written?: number;
}

export interface HostConcurrency {
  /** Requests in flight now / at most at once. */
  current: number;
  max: number;
  /** Open TCP connections now / at most at once. */
  connections: number;
  maxConnections: number;
  requests: number;
}

export interface DemoPortal {
  /** Origin of the hub (index page at `/`, registry at `/sites.json`). */
  origin: string;
  /** Entry URL of a site. */
  url(site: string): string;
  /** Origin of a site. */
  siteOrigin(site: string): string;
  sites: DemoSite[];
  /** Every expected report (of one site, or all). */
  expectedReports(site?: string): ExpectedReport[];
  /** A validated site registry for the demo sites (entries point at this portal). */
  registry(): Registry;
  requestLog: RequestLogEntry[];
  /** Keyed by Host header (`127.0.0.1:PORT`); one host per site. */
  concurrencyByHost: Map<string, HostConcurrency>;
  /**
   * The round served (settable): in round 2 the fictional 演示市卫生健康委员会's 2025 report has one
   * cell changed (revised) and its 2024 report answers 404 (vanished).
   */
  round: 1 | 2;
  /** Clears the request log, the concurrency maxima and the fault counters. */
  resetLog(): void;
  close(): Promise<void>;
}

const LAST_MODIFIED_DEFAULT = Date.UTC(2026, 2, 15, 0, 0, 0);
const EXTRA_STATUS_TEXT: Record<number, string> = { 520: 'Unknown Error', 521: 'Web Server Is Down', 522: 'Connection Timed Out' };
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

interface Listener {
  server: http.Server;
  site: DemoSiteDef | null;
  sockets: Set<Socket>;
  origin: string;
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function challengePage(token: string): string {
  // The clearance value is computed by script, as 加速乐 does, so only a JS engine gets it.
  const codes = [...token].map((c) => c.charCodeAt(0) + 7).join(',');
  return `<html><head><meta charset="utf-8"></head><body><script>var _c=[${codes}].map(function(x){return String.fromCharCode(x-7)}).join('');document.cookie=('__jsl_clearance_s=')+_c+(';max-age=3600;path=/');location.href=location.pathname+location.search</script></body></html>`;
}

function hasCookie(req: http.IncomingMessage, name: string, value: string): boolean {
  const header = req.headers.cookie ?? '';
  return header.split(/;\s*/).some((kv) => kv === `${name}=${value}`);
}

/** Starts the demo portal. Every listener binds `host` (default 127.0.0.1). */
export async function startDemoPortal(options: DemoPortalOptions = {}): Promise<DemoPortal> {
  const opts = demoPortalOptionsSchema.parse(options);
  const root = projectRoot();
  let defs = buildDemoSites(root);
  const faulty = opts.faulty ? buildFaultySite(root) : null;
  if (faulty) defs.push(faulty.def);
  if (opts.fictional) defs.push(...buildFictionalSites(root, defs.length).map((f) => f.def));
  let round: 1 | 2 = opts.round;
  if (opts.sites) {
    const unknown = opts.sites.filter((n) => !defs.some((d) => d.name === n));
    if (unknown.length) throw new Error(`unknown demo site(s): ${unknown.join(', ')}`);
    defs = defs.filter((d) => opts.sites!.includes(d.name));
  }

  // Fault rules: the flaky site's defaults (unless disabled) plus the caller's.
  const rules: PortalFaultRule[] = [];
  for (const d of defs) {
    for (const r of d.faults) {
      if (d.name === 'flaky' && !opts.faults.flaky) continue;
      rules.push({
        ...r,
        steps: r.steps.map((s) => ('stall' in s && opts.faults.stallMs !== undefined ? { stall: opts.faults.stallMs } : s)),
      });
    }
  }
  if (faulty && defs.includes(faulty.def)) rules.push(...faulty.rules);
  rules.push(...opts.faults.rules);
  const faultCounters = new Map<PortalFaultRule, number>();

  // DOCX attachments are generated once from their corpus pages.
  const docxCache = new Map<string, Buffer>();
  for (const d of defs) {
    for (const route of d.routes.values()) {
      if (route.kind === 'docx' && !docxCache.has(`${d.name}\0${route.doc}`)) {
        const html = renderReport(corpusDoc(route.doc, root), d, 'http://127.0.0.1/');
        docxCache.set(`${d.name}\0${route.doc}`, await htmlReportToDocx(html, { author: `${d.place ?? ''}人民政府办公室` }));
      }
    }
  }

  const requestLog: RequestLogEntry[] = [];
  const concurrencyByHost = new Map<string, HostConcurrency>();
  const timers = new Set<NodeJS.Timeout>();
  const jslToken = randomBytes(12).toString('hex');
  let seq = 0;
  const listeners: Listener[] = [];

  const hostStats = (host: string): HostConcurrency => {
    let s = concurrencyByHost.get(host);
    if (!s) {
      s = { current: 0, max: 0, connections: 0, maxConnections: 0, requests: 0 };
      concurrencyByHost.set(host, s);
    }
    return s;
  };

  const send = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer,
    cache?: { etag?: string; lastModified?: number },
  ) => {
    const h: Record<string, string> = { Server: 'nianbao-demo', ...headers };
    if (cache?.etag) h.ETag = cache.etag;
    if (cache?.lastModified !== undefined) h['Last-Modified'] = httpDate(cache.lastModified);
    if (status === 200 && cache) {
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      const notModified =
        inm !== undefined
          ? cache.etag !== undefined && inm.split(/\s*,\s*/).some((t) => t === cache.etag || t === `W/${cache.etag}` || t === '*')
          : ims !== undefined && cache.lastModified !== undefined && Date.parse(ims) >= Math.floor(cache.lastModified / 1000) * 1000;
      if (notModified) {
        delete h['Content-Type'];
        for (const [k, v] of Object.entries(h)) res.setHeader(k, v);
        res.writeHead(304);
        res.end();
        return;
      }
    }
    let out = body;
    const type = h['Content-Type'] ?? '';
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (opts.compress && body.length >= 512 && /^(text\/|application\/json|application\/xml)/.test(type)) {
      if (/\bbr\b/.test(accept)) {
        out = brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } });
        h['Content-Encoding'] = 'br';
      } else if (/\bgzip\b/.test(accept)) {
        out = gzipSync(body);
        h['Content-Encoding'] = 'gzip';
      }
      h.Vary = 'Accept-Encoding';
    }
    h['Content-Length'] = String(out.length);
    for (const [k, v] of Object.entries(h)) res.setHeader(k, v);
    res.writeHead(status, http.STATUS_CODES[status] ?? EXTRA_STATUS_TEXT[status] ?? 'Unknown');
    res.end(req.method === 'HEAD' ? undefined : out);
  };

  const notFound = (req: http.IncomingMessage, res: http.ServerResponse) =>
    send(
      req,
      res,
      404,
      { 'Content-Type': 'text/html; charset=utf-8' },
      Buffer.from(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head><body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>',
      ),
    );

  const encode = (site: DemoSiteDef, html: string): Buffer => (site.charset === 'gbk' ? iconv.encode(html, 'gbk') : Buffer.from(html, 'utf8'));
  const htmlType = (site: DemoSiteDef) => (site.charset === 'gbk' ? 'text/html' : 'text/html; charset=utf-8');
  const etagOf = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex').slice(0, 20)}"`;

  const serveRoute = async (site: DemoSiteDef, route: Route, ctx: ServeContext, req: http.IncomingMessage, res: http.ServerResponse) => {
    switch (route.kind) {
      case 'html': {
        const body = encode(site, route.render(ctx));
        const lm = route.lastModified ? Date.parse(route.lastModified) : LAST_MODIFIED_DEFAULT;
        return send(req, res, 200, { 'Content-Type': htmlType(site) }, body, { etag: etagOf(body), lastModified: lm });
      }
      case 'report': {
        const doc = corpusDoc(route.doc, root);
        let html = renderReport(doc, site, ctx.url.href);
        if (site.charset === 'gbk') html = declareGbk(html);
        const body = encode(site, html);
        const lm = doc.published ? Date.parse(`${doc.published}T08:00:00Z`) : LAST_MODIFIED_DEFAULT;
        return send(req, res, 200, { 'Content-Type': htmlType(site) }, body, { etag: etagOf(body), lastModified: lm });
      }
      case 'file': {
        const body = portalFile(route.file, root);
        return send(req, res, 200, { 'Content-Type': route.contentType }, body, { etag: etagOf(body), lastModified: LAST_MODIFIED_DEFAULT });
      }
      case 'docx': {
        const body = docxCache.get(`${site.name}\0${route.doc}`)!;
        const ascii = route.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
        return send(
          req,
          res,
          200,
          {
            'Content-Type': DOCX_TYPE,
            'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(route.filename)}`,
          },
          body,
          { etag: etagOf(body), lastModified: LAST_MODIFIED_DEFAULT },
        );
      }
      case 'api': {
        return send(req, res, 200, { 'Content-Type': route.contentType, 'Cache-Control': 'no-cache' }, Buffer.from(route.render(ctx), 'utf8'));
      }
      case 'generated': {
        if (round === 2 && route.round2 === 'vanished') return notFound(req, res);
        const html = round === 2 && route.round2 === 'revised' && route.report.revisedHtml ? route.report.revisedHtml : route.report.html;
        const body = encode(site, html);
        const p = route.report.plan.published;
        return send(req, res, 200, { 'Content-Type': htmlType(site) }, body, {
          etag: etagOf(body),
          ...(p ? { lastModified: Date.parse(`${p}T08:00:00Z`) } : {}),
        });
      }
    }
  };

  const handleSite = async (l: Listener, site: DemoSiteDef, req: http.IncomingMessage, res: http.ServerResponse, entry: RequestLogEntry) => {
    const url = new URL(req.url ?? '/', l.origin);
    const pathAndQuery = url.pathname + url.search;

    // Faults first: a flaky server fails before it looks at anything.
    const rule = rules.find((r) => r.site === site.name && (r.path === pathAndQuery || r.path === url.pathname));
    if (rule) {
      const n = faultCounters.get(rule) ?? 0;
      faultCounters.set(rule, n + 1);
      const step = rule.steps[n] ?? (rule.repeat ? rule.steps[rule.steps.length - 1] : undefined);
      if (step && isExtraFaultStep(step)) return serveExtraFault(step, { req, res, site, url, entry, timers, root });
      if (step) {
        if ('reset' in step) {
          entry.fault = 'reset';
          req.socket.destroy();
          return;
        }
        if ('stall' in step) {
          entry.fault = 'stall';
          const t = setTimeout(() => {
            timers.delete(t);
            req.socket.destroy();
          }, step.stall);
          timers.add(t);
          req.socket.once('close', () => {
            clearTimeout(t);
            timers.delete(t);
          });
          return;
        }
        entry.fault = String(step.status);
        const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
        if (step.retryAfter !== undefined) headers['Retry-After'] = String(step.retryAfter);
        return send(
          req,
          res,
          step.status,
          headers,
          Buffer.from(`<html><body><h1>${step.status} Service Unavailable</h1><p>服务器繁忙，请稍后再试。</p></body></html>`),
        );
      }
    }

    if (url.pathname === '/robots.txt') {
      if (site.robots === null) return notFound(req, res);
      const body = Buffer.from(site.robots, 'utf8');
      return send(req, res, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, body, { etag: etagOf(body), lastModified: LAST_MODIFIED_DEFAULT });
    }

    if (site.challenge === 'jsl' && !hasCookie(req, '__jsl_clearance_s', jslToken)) {
      entry.fault = 'challenge';
      return send(
        req,
        res,
        521,
        {
          'Content-Type': 'text/html; charset=utf-8',
          'Set-Cookie': `__jsluid_s=${createHash('md5').update(String(seq)).digest('hex')}; max-age=31536000; path=/; HttpOnly`,
          'Cache-Control': 'no-store',
        },
        Buffer.from(challengePage(jslToken)),
      );
    }

    const route = site.routes.get(pathAndQuery) ?? site.routes.get(url.pathname);
    if (!route) return notFound(req, res);
    let params = new URLSearchParams(url.search);
    if (req.method === 'POST') {
      if (route.kind !== 'api') {
        return send(req, res, 405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }, Buffer.from('Method Not Allowed'));
      }
      const form = new URLSearchParams(await readBody(req));
      params = new URLSearchParams([...params, ...form]);
      for (const [k, v] of form) params.set(k, v);
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(req, res, 405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD, POST' }, Buffer.from('Method Not Allowed'));
    }
    return serveRoute(site, route, { origin: l.origin, url, params }, req, res);
  };

  const handleHub = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', hubOrigin);
    if (url.pathname === '/robots.txt') return send(req, res, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, Buffer.from('User-agent: *\nDisallow:\n'));
    if (url.pathname === '/sites.json') {
      return send(req, res, 200, { 'Content-Type': 'application/json; charset=utf-8' }, Buffer.from(JSON.stringify(portal.registry(), null, 2)));
    }
    if (url.pathname !== '/') return notFound(req, res);
    const rows = portal.sites
      .map(
        (s) =>
          `<tr><td><a href="${esc(s.entry)}">${esc(s.name)}</a></td><td>${esc(s.family)}</td><td>${esc(s.agency)}</td><td>${s.expected.length}</td><td>${esc(s.description)}</td></tr>`,
      )
      .join('\n');
    const html = `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>nianbao demo portal</title></head><body>
<h1>nianbao 离线演示门户 (demo portal)</h1>
<p class="demo-notice"><strong>演示数据 — fictional.</strong> Every agency here is fictional: 甲市 … 壬市 republish real Pingtan reports under invented names; 演示省, 演示市, 演示县 … serve reports generated from the real ones, with planted findings. None of them is a real agency.</p>
<p>Round ${round} of 2${round === 2 ? ' (one fictional report revised, one gone)' : ''}. Each site runs on its own origin. Registry for these sites: <a href="/sites.json">/sites.json</a>.</p>
<table border="1" cellpadding="4"><tr><th>site</th><th>family</th><th>agency</th><th>reports</th><th>what it shows</th></tr>
${rows}
</table></body></html>`;
    return send(req, res, 200, { 'Content-Type': 'text/html; charset=utf-8' }, Buffer.from(html));
  };

  const makeListener = (site: DemoSiteDef | null): Listener => {
    const l: Listener = { server: http.createServer({ keepAliveTimeout: 5000 }), site, sockets: new Set(), origin: '' };
    l.server.on('connection', (sock: Socket) => {
      l.sockets.add(sock);
      const key = l.origin.replace(/^https?:\/\//, '');
      const st = hostStats(key);
      st.connections++;
      st.maxConnections = Math.max(st.maxConnections, st.connections);
      sock.on('close', () => {
        l.sockets.delete(sock);
        st.connections--;
      });
    });
    l.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const host = req.headers.host ?? l.origin.replace(/^https?:\/\//, '');
      const st = hostStats(host);
      st.current++;
      st.requests++;
      st.max = Math.max(st.max, st.current);
      const entry: RequestLogEntry = {
        seq: ++seq,
        site: site?.name ?? 'hub',
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        host,
        time: Date.now(),
        status: 0,
        ms: 0,
        bytes: 0,
      };
      if (req.headers['user-agent']) entry.userAgent = req.headers['user-agent'];
      if (req.headers['if-none-match']) entry.ifNoneMatch = req.headers['if-none-match'];
      if (req.headers['if-modified-since']) entry.ifModifiedSince = req.headers['if-modified-since'];
      requestLog.push(entry);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        st.current--;
        entry.ms = Date.now() - entry.time;
        if (res.headersSent) {
          entry.status = res.statusCode;
          entry.bytes = Number(res.getHeader('content-length') ?? 0);
        }
      };
      // 'close' also fires when the connection dies before a response (stall, reset).
      res.on('close', finish);
      const go = async () => {
        if (opts.latencyMs > 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(() => {
              timers.delete(t);
              r();
            }, opts.latencyMs);
            timers.add(t);
          });
        }
        if (req.socket.destroyed) return;
        if (site) await handleSite(l, site, req, res, entry);
        else handleHub(req, res);
      };
      go().catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`demo portal error: ${err instanceof Error ? err.message : String(err)}`);
        } else res.destroy();
      });
    });
    return l;
  };

  // Start the hub, then one listener per site.
  const hub = makeListener(null);
  const hubPort = await listen(hub.server, opts.port, opts.host);
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const hubOrigin = `http://${hostPart}:${hubPort}`;
  hub.origin = hubOrigin;
  listeners.push(hub);
  try {
    for (const [i, def] of defs.entries()) {
      const l = makeListener(def);
      const port = await listen(l.server, opts.port === 0 ? 0 : opts.port + 1 + i, opts.host);
      l.origin = `http://${hostPart}:${port}`;
      listeners.push(l);
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    throw err;
  }

  const siteListener = (name: string): Listener => {
    const l = listeners.find((x) => x.site?.name === name);
    if (!l) throw new Error(`unknown demo site: ${name} (sites: ${defs.map((d) => d.name).join(', ')})`);
    return l;
  };

  const sites: DemoSite[] = defs.map((d) => {
    const origin = siteListener(d.name).origin;
    const expected: ExpectedReport[] = d.reports.map((r) => {
      const route = d.routes.get(r.path);
      if (route?.kind === 'generated') return generatedExpected(d, origin, r.path, route);
      const doc = corpusDoc(r.doc, root);
      return {
        site: d.name,
        url: origin + r.path,
        documentUrl: origin + (r.documentPath ?? r.path),
        title: rewritePlace(doc.title, d.place),
        year: doc.year,
        agency: rewritePlace(doc.agency ?? '', d.place),
        published: doc.published,
        source: doc.name,
        format: r.format,
        needsBrowser: d.needsBrowser !== undefined,
      };
    });
    const abs = (xs: { path: string; title: string }[]) => xs.map((x) => ({ url: origin + x.path, title: x.title }));
    const s: DemoSite = {
      name: d.name,
      description: d.description,
      family: d.family,
      adapter: d.adapter,
      agency: d.agency,
      region: d.region,
      level: d.level,
      origin,
      entry: origin + d.entryPath,
      charset: d.charset,
      robotsTxt: d.robots,
      expected,
      skipped: abs(d.skipped),
      missing: abs(d.missing),
      disallowed: abs(d.disallowed),
    };
    if (d.needsBrowser) s.needsBrowser = d.needsBrowser;
    return s;
  });

  let closed = false;
  const portal: DemoPortal = {
    origin: hubOrigin,
    url: (name) => origin(name) + defs.find((d) => d.name === name)!.entryPath,
    siteOrigin: (name) => origin(name),
    sites,
    expectedReports: (name) => (name ? (sites.find((s) => s.name === name)?.expected ?? []) : sites.flatMap((s) => s.expected)),
    registry: () =>
      validateRegistry({
        version: 1,
        sites: sites.map((s) => ({
          name: s.name,
          agency: s.agency,
          region: s.region,
          level: s.level,
          entries: [s.entry],
          adapter: s.adapter,
          cms: s.family,
          source: 'nianbao demo portal',
          notes: s.description,
          enabled: true,
          local: true, // on 127.0.0.1: exempt from the private-address refusal (never from the host scope)
          overrides: {},
        })),
      }),
    requestLog,
    concurrencyByHost,
    get round() {
      return round;
    },
    set round(r: 1 | 2) {
      round = r;
    },
    resetLog() {
      requestLog.length = 0;
      faultCounters.clear();
      for (const st of concurrencyByHost.values()) {
        st.max = st.current;
        st.maxConnections = st.connections;
        st.requests = 0;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(
        listeners.map(
          (l) =>
            new Promise<void>((resolve) => {
              l.server.close(() => resolve());
              l.server.closeAllConnections();
              for (const s of l.sockets) s.destroy();
            }),
        ),
      );
    },
  };
  function origin(name: string): string {
    return siteListener(name).origin;
  }
  return portal;
}

/** The expected report of a fictional agency's generated page. */
function generatedExpected(d: DemoSiteDef, origin: string, path: string, route: Extract<Route, { kind: 'generated' }>): ExpectedReport {
  const r = route.report;
  const revise = r.plan.revise;
  return {
    site: d.name,
    url: origin + path,
    documentUrl: origin + path,
    title: r.title,
    year: r.plan.year,
    agency: r.plan.agency,
    published: r.plan.published,
    source: d.reports.find((x) => x.path === path)!.doc,
    format: 'html',
    needsBrowser: false,
    generated: {
      values: Object.fromEntries(r.values),
      plants: r.plan.plants ?? [],
      ...(route.round2 ? { round2: route.round2 } : {}),
      ...(revise ? { revised: { path: revise.path, from: r.values.get(revise.path) ?? 0, to: revise.value } } : {}),
    },
  };
}
