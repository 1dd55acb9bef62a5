/**
 * The offline demo portal: a set of government-portal look-alikes served over real HTTP on
 * 127.0.0.1 from `snapshots/` — one listener (origin) per site, so robots.txt and per-host
 * politeness work as on the real web — plus a hub listener with an index page. It records every
 * request and the concurrent requests/connections per host, and knows the exact set of reports a
 * crawl must store. It is both `nianbao demo` and the crawler's test fixture.
 *
 * This module routes requests (faults first, robots.txt, the challenge, then the site's routes)
 * and runs the listeners; route-pages.ts answers a route, portal-faults.ts plays the faults,
 * attachments.ts makes the DOCX files, portal-sites.ts says what a crawl must find.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { projectRoot } from './corpus.js';
import { buildDocxAttachments } from './attachments.js';
import { buildFaultySite } from './faults.js';
import { buildFictionalSites } from './fictional.js';
import { hubPage } from './hub-page.js';
import { LAST_MODIFIED_DEFAULT, etagOf, listen, readBody, replier } from './http-reply.js';
import { FaultPlayer, hasCookie, portalFaultRules, sendChallenge } from './portal-faults.js';
import { demoPortalOptionsSchema, type DemoPortalOptions } from './portal-options.js';
import { demoRegistry, describeSites } from './portal-sites.js';
import type { DemoPortal, HostConcurrency, RequestLogEntry } from './portal-types.js';
import { routeServer } from './route-pages.js';
import type { DemoSiteDef } from './site-types.js';
import { buildDemoSites } from './sites.js';

export { demoPortalOptionsSchema, type DemoPortalOptions } from './portal-options.js';
export type { DemoPortal, DemoSite, ExpectedReport, HostConcurrency, RequestLogEntry } from './portal-types.js';

interface Listener {
  server: http.Server;
  site: DemoSiteDef | null;
  sockets: Set<Socket>;
  origin: string;
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

  const faults = new FaultPlayer(portalFaultRules(defs, opts, faulty));
  const reply = replier({ compress: opts.compress });
  const { send, notFound } = reply;
  const serveRoute = routeServer({ root, reply, docx: await buildDocxAttachments(defs, root), round: () => round });

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

  const handleSite = async (l: Listener, site: DemoSiteDef, req: http.IncomingMessage, res: http.ServerResponse, entry: RequestLogEntry) => {
    const url = new URL(req.url ?? '/', l.origin);
    const pathAndQuery = url.pathname + url.search;

    // Faults first: a flaky server fails before it looks at anything.
    if (faults.play({ req, res, site, url, entry, timers, root, send })) return;

    if (url.pathname === '/robots.txt') {
      if (site.robots === null) return notFound(req, res);
      const body = Buffer.from(site.robots, 'utf8');
      return send(req, res, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, body, { etag: etagOf(body), lastModified: LAST_MODIFIED_DEFAULT });
    }

    if (site.challenge === 'jsl' && !hasCookie(req, '__jsl_clearance_s', jslToken)) {
      entry.fault = 'challenge';
      return sendChallenge(send, req, res, jslToken, seq);
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
    return send(req, res, 200, { 'Content-Type': 'text/html; charset=utf-8' }, Buffer.from(hubPage(portal.sites, round)));
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

  const sites = describeSites(defs, (name) => siteListener(name).origin, root);

  let closed = false;
  const portal: DemoPortal = {
    origin: hubOrigin,
    url: (name) => origin(name) + defs.find((d) => d.name === name)!.entryPath,
    siteOrigin: (name) => origin(name),
    sites,
    expectedReports: (name) => (name ? (sites.find((s) => s.name === name)?.expected ?? []) : sites.flatMap((s) => s.expected)),
    registry: () => demoRegistry(sites),
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
      faults.reset();
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
