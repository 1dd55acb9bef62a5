/**
 * Turning fetched bytes into text is the decode stage's job (`src/decode/charset.ts`); this is
 * the small bridge that feeds it a {@link FetchResult}'s `Content-Type` and HTML-ness.
 */
import { decodeBytes } from '../decode/charset.js';
import type { DecodedBytes } from '../decode/charset.js';
import { headerValue } from './client.js';
import type { FetchResult } from './client.js';

const HTML_TYPES = /^\s*(text\/html|application\/xhtml\+xml)\b/i;

/**
 * Whether a response is HTML: by `Content-Type`, or — when the header is missing or generic
 * (`application/octet-stream`, `text/plain`) — by a `<!doctype html` / `<html` / `<head` near the start.
 */
export function isHtmlResponse(res: Pick<FetchResult, 'headers' | 'body'>): boolean {
  const type = headerValue(res.headers, 'content-type');
  if (type && HTML_TYPES.test(type)) return true;
  if (type && !/^\s*(application\/octet-stream|text\/plain)\b/i.test(type)) return false;
  const head = res.body
    .subarray(0, 1024)
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<!--');
}

/**
 * Decode a response body with the project's charset chain (BOM → header → meta → sniffing).
 * `isHtml` defaults to {@link isHtmlResponse}.
 */
export function decodeResponse(res: Pick<FetchResult, 'headers' | 'body'>, opts: { isHtml?: boolean } = {}): DecodedBytes {
  return decodeBytes(res.body, {
    contentType: headerValue(res.headers, 'content-type'),
    isHtml: opts.isHtml ?? isHtmlResponse(res),
  });
}
