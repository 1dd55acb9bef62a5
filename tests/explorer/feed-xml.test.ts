/**
 * The feed's XML writer: scraped text with markup, entities and characters XML 1.0 forbids (C0
 * controls, U+FFFE, lone surrogates) still makes a well-formed document that reads back as the
 * text minus the forbidden characters.
 */
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { el, xmlEscape } from '../../src/explorer/xml.js';

function textOf(xml: string): { text: string; attr: string } {
  let text = '';
  let attr = '';
  const p = new SaxesParser();
  p.on('text', (t) => (text += t));
  p.on('opentag', (t) => {
    if (typeof t.attributes['a'] === 'string') attr = t.attributes['a'];
  });
  p.write(xml).close(); // throws on anything not well-formed
  return { text, attr };
}

describe('feed XML', () => {
  const hostile = '平潭 <script>&amp;"\'\u0001\u001b]0;x\u0007\ufffe\ud800 ok 😀';
  const clean = '平潭 <script>&amp;"\']0;x ok 😀';

  it('escapes markup and drops forbidden characters, in text and attributes', () => {
    expect(xmlEscape('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    const xml = el('t', { a: hostile }, hostile).xml;
    expect(textOf(xml)).toEqual({ text: clean, attr: clean });
  });

  it('writes empty elements self-closed and nests fragments unescaped', () => {
    expect(el('link', { rel: 'self', href: '/feed.xml?a=1&b=2' }).xml).toBe('<link rel="self" href="/feed.xml?a=1&amp;b=2"/>');
    expect(el('entry', {}, el('id', {}, 'tag:x'), null, false).xml).toBe('<entry><id>tag:x</id></entry>');
  });
});
