/**
 * `insecureHosts` (a registry site's `overrides.tls: "insecure"`): a portal whose certificate
 * cannot be verified is fetched only when its host is named, and only that host.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetcher, TlsError, FetchError } from '../../src/fetch/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

async function startHttps(body: string): Promise<{ host: string; url: string; close: () => Promise<void> }> {
  const server = https.createServer(
    { key: readFileSync(join(FIXTURES, 'self-signed.key')), cert: readFileSync(join(FIXTURES, 'self-signed.crt')) },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `https://${host}/nb/index.html`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('TLS certificates', () => {
  let a: Awaited<ReturnType<typeof startHttps>>;
  let b: Awaited<ReturnType<typeof startHttps>>;
  beforeAll(async () => {
    a = await startHttps('<html><body>甲 portal</body></html>');
    b = await startHttps('<html><body>乙 portal</body></html>');
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('refuses a self-signed certificate by default, with a TLS error that is not retried', async () => {
    const f = createFetcher({ maxRetries: 2, retryBaseDelayMs: 10 });
    try {
      const err = await f.fetch(a.url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TlsError);
      expect((err as FetchError).code).toBe('NB_FETCH_TLS');
      expect(f.stats().requests).toBe(1);
    } finally {
      await f.close();
    }
  });

  it('fetches a host named in insecureHosts, and still verifies every other host', async () => {
    const f = createFetcher({ insecureHosts: [a.host], maxRetries: 0 });
    try {
      const res = await f.fetch(a.url);
      expect(res.status).toBe(200);
      expect(res.body.toString('utf8')).toContain('甲 portal');
      await expect(f.fetch(b.url)).rejects.toBeInstanceOf(TlsError);
    } finally {
      await f.close();
    }
  });
});
