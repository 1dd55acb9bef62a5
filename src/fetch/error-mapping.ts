/**
 * Error mapping of the plain client: an undici, node:net or TLS error becomes one of the fetch
 * error classes (errors.ts) with its stable code — timeouts by phase, DNS, connection, protocol,
 * TLS — and the address guard's refusal is found among an error's causes.
 */
import type { ResolvedFetcherOptions } from './client-options.js';
import { ConnectionError, DnsError, FetchAbortedError, FetchError, FetchTimeoutError, ProtocolError, TlsError } from './errors.js';
import { PrivateAddressError } from './scope.js';

/** The guard's refusal, as the connection error or one of its causes. */
export function findPrivateAddressError(err: unknown, depth = 0): PrivateAddressError | undefined {
  if (err instanceof PrivateAddressError) return err;
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  return findPrivateAddressError((err as { cause?: unknown }).cause, depth + 1);
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) return errorCode(e.errors[0]);
  return errorCode(e.cause);
}

/** Map an undici / node:net / TLS error to one of our classes. */
export function toFetchError(err: unknown, url: URL | undefined, opts: ResolvedFetcherOptions): FetchError {
  if (err instanceof FetchError) return err;
  const href = url?.href;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const o = { url: href, cause: err } as { url?: string; cause: unknown };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new FetchTimeoutError('connect', opts.connectTimeoutMs, o);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new FetchTimeoutError('headers', opts.headersTimeoutMs, o);
    case 'UND_ERR_BODY_TIMEOUT':
      return new FetchTimeoutError('body', opts.bodyTimeoutMs, o);
    case 'ENOTFOUND':
      return new DnsError(url?.hostname ?? '?', o);
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return new FetchAbortedError(o);
    case undefined:
      break;
    default:
      if (CONNECTION_CODES.has(code)) return new ConnectionError(message, { ...o, systemCode: code });
      if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_INFO') {
        return new ProtocolError(message, o);
      }
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/.test(code)) return new TlsError(message, { ...o, systemCode: code });
  }
  return new FetchError('NB_FETCH_FAILED', message, o);
}
