/**
 * How the demo portal answers over HTTP: one `send` that honours conditional requests (ETag,
 * If-Modified-Since → 304) and compresses text bodies (br or gzip, per Accept-Encoding), the
 * portal's 404 page, and the small server helpers (listen on a port, read a POST body).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';

/** The Last-Modified of pages with no date of their own (15 March 2026). */
export const LAST_MODIFIED_DEFAULT = Date.UTC(2026, 2, 15, 0, 0, 0);
const EXTRA_STATUS_TEXT: Record<number, string> = { 520: 'Unknown Error', 521: 'Web Server Is Down', 522: 'Connection Timed Out' };

/** Validators of a response a client may ask again conditionally. */
export interface CacheValidators {
  etag?: string;
  lastModified?: number;
}

export type Send = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  cache?: CacheValidators,
) => void;

export interface Replier {
  send: Send;
  /** The portal's 404 page. */
  notFound(req: http.IncomingMessage, res: http.ServerResponse): void;
}

/** The strong ETag of a body. */
export const etagOf = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex').slice(0, 20)}"`;

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The portal's `send` and 404 page; `compress`: gzip/br-compress text bodies when the client accepts it. */
export function replier(o: { compress: boolean }): Replier {
  const send: Send = (req, res, status, headers, body, cache) => {
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
    if (o.compress && body.length >= 512 && /^(text\/|application\/json|application\/xml)/.test(type)) {
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
  return { send, notFound };
}

/** Listens on `port` (0: a free one) and resolves to the port bound. */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A request body as UTF-8 text (at most `limit` bytes, else the request is destroyed). */
export function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
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
