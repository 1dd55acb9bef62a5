/**
 * A fetched (or rendered) response on its way to the store ({@link FetchedPage}): its text is
 * decoded on first use, with the site's encoding override. Plus what the stages ask of raw
 * responses: is it text, a ZIP or OLE container, its file name, its validators.
 */
import { detectChallenge, type Challenge } from '../../../parsers/sites/index.js';
import { decodeBytes, type PriorDecode } from '../../decode/charset.js';
import { headerValue, isHtmlResponse, type FetchResult } from '../../fetch/index.js';
import { sha256Hex } from '../../store/snapshots.js';
import type { FetchedPage } from './contracts.js';

const XML_TYPE = /\bxml\b/i;

export class Got implements FetchedPage {
  #text: string | null | undefined;
  #charset: string | null = null;
  #prior: PriorDecode | undefined;
  constructor(
    readonly res: FetchResult,
    readonly mode: 'http' | 'browser',
    readonly sha: string,
    readonly encoding: string | undefined,
    text?: string,
  ) {
    if (text !== undefined) {
      this.#text = text;
      this.#charset = 'utf-8';
    }
  }

  /** A response fetched over HTTP, its text decoded (when asked) with the site's `encoding`. */
  static of(res: FetchResult, encoding: string | undefined): Got {
    return new Got(res, 'http', sha256Hex(res.body), encoding);
  }

  /** Decoded text of a text response (null for binary ones and 304s). */
  get text(): string | null {
    if (this.#text === undefined) {
      this.#text = null;
      const res = this.res;
      if (!res.notModified && res.body.length > 0 && isTextual(res)) {
        const type = headerValue(res.headers, 'content-type');
        const html = isHtmlResponse(res);
        const contentType = this.encoding ? `${type?.split(';')[0] ?? 'text/html'}; charset=${this.encoding}` : type;
        const isHtml = html || XML_TYPE.test(type ?? '');
        const d = decodeBytes(res.body, { contentType, isHtml });
        this.#text = d.text;
        this.#charset = d.charset;
        this.#prior = { contentType, isHtml, result: d };
      }
    }
    return this.#text;
  }

  /** Charset the text was decoded with (null until decoded, or for binary responses). */
  get charset(): string | null {
    return this.#charset;
  }

  /** How the body was decoded, once it was: the parse of the same body reuses it. */
  get priorDecode(): PriorDecode | undefined {
    return this.#prior;
  }

  /**
   * The challenge or block page this is, if any. Block pages are small: a 2xx page of 30 KB or
   * more is never one, so big report pages are not even decoded for this.
   */
  challenge(): Challenge | null {
    const { status, body } = this.res;
    if (status >= 200 && status < 300 && body.length >= 30_000) return null;
    const text = this.text;
    if (text === null && status !== 412 && status !== 521) return null;
    return detectChallenge(status, text ?? '');
  }
}

/** The validators a response gave (to ask with next time). */
export function validators(got: FetchedPage): { etag: string | null; lastModified: string | null } {
  return { etag: got.res.validators.etag ?? null, lastModified: got.res.validators.lastModified ?? null };
}

/** Whether a response is text (by its type, or by its first bytes when the type says nothing). */
export function isTextual(res: Pick<FetchResult, 'headers' | 'body'>): boolean {
  const type = headerValue(res.headers, 'content-type') ?? '';
  if (/^\s*(text\/|application\/(json|xml|xhtml\+xml|javascript|x-javascript|rss\+xml|atom\+xml))/i.test(type) || /\+xml|\+json/i.test(type)) return true;
  if (type && !/octet-stream/i.test(type)) return false;
  if (isZip(res.body) || isOle(res.body) || res.body.subarray(0, 5).toString('latin1') === '%PDF-') return false;
  const head = res.body.subarray(0, 512);
  let control = 0;
  for (const b of head) if (b < 9 || (b > 13 && b < 32)) control++;
  return control === 0;
}

export function isZip(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** An OLE compound file (.doc, .wps, .xls): what is in it is for the decoder to say. */
export function isOle(b: Buffer): boolean {
  return b.length >= 8 && b.readUInt32BE(0) === 0xd0cf11e0 && b.readUInt32BE(4) === 0xa1b11ae1;
}

/** The content type to parse a response with: the site's `encoding` override applied to text. */
export function parseContentType(got: FetchedPage, encoding: string | undefined): string | undefined {
  const type = headerValue(got.res.headers, 'content-type');
  return encoding && isTextual(got.res) ? `${type?.split(';')[0] ?? 'text/html'}; charset=${encoding}` : type;
}

/**
 * A file name for a response: the `Content-Disposition` file name (RFC 5987 `filename*`, or a
 * raw UTF-8/GBK `filename`), else the last segment of the URL's path.
 */
export function fileNameOf(res: Pick<FetchResult, 'headers' | 'finalUrl'>): string {
  const cd = headerValue(res.headers, 'content-disposition');
  if (cd) {
    const star = /filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)/i.exec(cd);
    if (star) {
      try {
        const bytes = Buffer.from(decodeURIComponent(star[2]!.trim().replace(/^"|"$/g, '')), 'latin1');
        const name = /utf-?8/i.test(star[1]!) ? decodeURIComponent(star[2]!.trim()) : bytes.toString('latin1');
        if (name) return safeName(name);
      } catch {
        // fall through
      }
    }
    const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(cd);
    const raw = plain?.[1] ?? plain?.[2];
    if (raw) {
      const bytes = Buffer.from(raw.trim(), 'latin1');
      const name = decodeBytes(bytes, {}).text;
      if (name) return safeName(name);
    }
  }
  try {
    const u = new URL(res.finalUrl);
    const last = decodeURIComponent(u.pathname.split('/').pop() ?? '');
    return safeName(last || 'index.html');
  } catch {
    return 'document';
  }
}

function safeName(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 200);
}
