/**
 * HTML built by construction: the `html` tagged template escapes every interpolated value
 * (text and attribute context alike: `& < > " '` become entities), unless the value is itself
 * a {@link SafeHtml} made by `html`. There is deliberately no "raw" escape hatch: untrusted text
 * can only ever reach a page as text. URLs taken from the database go through {@link safeHref},
 * which only lets http(s) URLs and same-site paths become links.
 */

/** A fragment of HTML that is known to be safe (it was built by {@link html}). */
export class SafeHtml {
  readonly #value: string;
  /** @internal only `html` and `joinHtml` make these. */
  private constructor(value: string) {
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
  /** @internal */
  static _make(value: string): SafeHtml {
    return new SafeHtml(value);
  }
}

/** What may be interpolated: text (escaped), numbers, safe fragments, lists of these; null/undefined/false render nothing. */
export type HtmlValue = SafeHtml | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML text and (quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (value === null || value === undefined || value === false || value === true) return '';
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** The tagged template: literal parts are trusted (they are our source code), values are escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return SafeHtml._make(out);
}

/** Joins fragments with a separator (escaped like any value). */
export function joinHtml(items: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  const sep = render(separator);
  return SafeHtml._make(items.map(render).join(sep));
}

/**
 * A URL that may be used as a link target, or null. Only absolute http/https URLs and
 * same-site paths (`/…`, not `//…`) pass: `javascript:`, `data:` and the like never become links.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  const u = url.trim();
  if (/^\/(?![/\\])/.test(u)) return u;
  try {
    const parsed = new URL(u);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A same-site path with a query string built from `params` (undefined, null and '' are left out). */
export function pathWith(path: string, params: Record<string, string | number | boolean | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, v === true ? '1' : String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
