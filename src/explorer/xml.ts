/**
 * XML text for the Atom feed. Every value goes through {@link xmlEscape}: the five XML
 * metacharacters become entities, and characters XML 1.0 forbids (C0 controls but tab, newline
 * and carriage return; U+FFFE, U+FFFF; lone surrogates), which a scraped title can hold and which
 * would make the whole feed unreadable, are dropped. Elements are written by {@link el}, whose
 * names and attribute names are our own constants.
 */

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an XML element or a quoted attribute value. */
export function xmlEscape(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** An XML fragment built by {@link el} (already escaped). */
export class XmlFragment {
  constructor(readonly xml: string) {}
}

type Child = XmlFragment | string | number | null | undefined | false;

/** `<name attr="…">children</name>`: text children and attribute values are escaped; empty → `<name …/>`. */
export function el(name: string, attrs: Record<string, string | number | null | undefined>, ...children: (Child | Child[])[]): XmlFragment {
  const a = Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== null && e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
  const inner = children
    .flat()
    .map((c) => (c instanceof XmlFragment ? c.xml : c === null || c === undefined || c === false ? '' : xmlEscape(String(c))))
    .join('');
  return new XmlFragment(inner === '' ? `<${name}${a}/>` : `<${name}${a}>${inner}</${name}>`);
}
