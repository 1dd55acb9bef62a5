/**
 * What the bytes and the headers declare about their charset: a byte-order mark, the `charset` of
 * an HTTP `Content-Type`, and the `<meta>` / `<?xml?>` declaration in the head of an HTML document
 * (only the first {@link META_SCAN_BYTES} bytes are read). Declarations are only read here;
 * whether one is believed is decided in charset.ts.
 */
import { normaliseLabel, toBuffer } from './charset-codecs.js';

/** Bytes scanned for a `<meta>` charset declaration. */
export const META_SCAN_BYTES = 4 * 1024;

/** The `charset` parameter of a Content-Type value, or null. */
export function charsetFromContentType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s,]+))/i.exec(contentType);
  const label = m?.[1] ?? m?.[2] ?? m?.[3];
  return label ? normaliseLabel(label) : null;
}

const ATTR_RE = /([^\s"'=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

function parseAttributes(source: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of source.matchAll(ATTR_RE)) {
    const name = m[1]?.toLowerCase();
    if (name && !attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/**
 * The first charset declared in the head of an HTML document: `<meta charset>`, `<meta http-equiv=
 * "Content-Type" content="…; charset=…">`, or an `<?xml … encoding="…"?>` declaration. Comments are
 * skipped. Only the first {@link META_SCAN_BYTES} bytes are read.
 */
export function charsetFromMeta(bytes: Uint8Array): string | null {
  const head = toBuffer(bytes.subarray(0, META_SCAN_BYTES))
    .toString('latin1')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  for (const m of head.matchAll(/<meta\b([^>]*)>?/gi)) {
    const attrs = parseAttributes(m[1] ?? '');
    const charset = attrs.get('charset');
    if (charset !== undefined && charset.trim() !== '') return normaliseLabel(charset);
    const httpEquiv = attrs.get('http-equiv');
    const content = attrs.get('content');
    if (httpEquiv && /content-type/i.test(httpEquiv) && content) {
      const c = /charset\s*=\s*["']?([^\s"';,]+)/i.exec(content);
      if (c?.[1]) return normaliseLabel(c[1]);
    }
  }
  const xml = /^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  return xml?.[1] ? normaliseLabel(xml[1]) : null;
}

/** BOM at the start of the bytes → encoding and BOM length. */
export function detectBom(bytes: Uint8Array): { name: 'utf-8' | 'utf-16le' | 'utf-16be'; length: number } | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { name: 'utf-8', length: 3 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { name: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { name: 'utf-16be', length: 2 };
  return null;
}
