/** A real node:http server on 127.0.0.1 (ephemeral port) that logs every request for assertions. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Date.now() when the request arrived. */
  start: number;
  /** Date.now() when the response was closed (finished or aborted). */
  end?: number;
  /** Whether the response finished normally (false: the client went away first). */
  finished?: boolean;
}

export interface TestServer {
  origin: string;
  host: string;
  url(path: string): string;
  log: LoggedRequest[];
  /** Requests whose path starts with `prefix`. */
  hits(prefix: string): LoggedRequest[];
  /** Highest number of requests being handled at once. */
  maxActive: number;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, entry: LoggedRequest) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<TestServer> {
  let active = 0;
  const state = { maxActive: 0 };
  const log: LoggedRequest[] = [];
  const server = http.createServer((req, res) => {
    const entry: LoggedRequest = { path: req.url ?? '', headers: req.headers, start: Date.now() };
    log.push(entry);
    active++;
    state.maxActive = Math.max(state.maxActive, active);
    res.on('close', () => {
      active--;
      entry.end = Date.now();
      entry.finished = res.writableFinished;
    });
    Promise.resolve(handler(req, res, entry)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    host: `127.0.0.1:${port}`,
    url: (path) => origin + path,
    log,
    hits: (prefix) => log.filter((r) => r.path.startsWith(prefix)),
    get maxActive() {
      return state.maxActive;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
