/** The explorer's building blocks: escaping by construction, safe links, snippets, query examples. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/explorer/context.js';
import { escapeHtml, html, joinHtml, pathWith, safeHref } from '../../src/explorer/html.js';
import { markSnippet } from '../../src/explorer/pages/search.js';
import { loadQueryExamples, parseQueriesMarkdown } from '../../src/explorer/queries-doc.js';
import { snapshotContentType } from '../../src/explorer/server.js';
import { ROOT } from './helpers.js';

describe('html tagged template', () => {
  it('escapes every interpolated string, in text and attribute context', () => {
    const evil = `<script>alert("x")</script><img src=x onerror='y'>&amp;`;
    const out = html`<p title="${evil}">${evil}</p>`.toString();
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;amp;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;amp;</p>',
    );
    expect(out).not.toMatch(/<script|<img/);
  });

  it('keeps fragments built by html, escapes strings inside arrays, drops null/undefined/booleans', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`${[inner, '<u>', 3, null, undefined, false, true, [html`<br>`, '&']]}`.toString()).toBe('<b>&lt;i&gt;</b>&lt;u&gt;3<br>&amp;');
    expect(joinHtml(['<a>', html`<hr>`], html`<br>`).toString()).toBe('&lt;a&gt;<br><hr>');
    expect(escapeHtml(`'"&<>`)).toBe('&#39;&quot;&amp;&lt;&gt;');
  });

  it('does not treat a string that looks like a fragment as safe', () => {
    const fake = { toString: () => '<script>x</script>' } as unknown as string;
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;x&lt;/script&gt;');
  });
});

describe('safeHref', () => {
  it('lets http(s) URLs and same-site paths through, nothing else', () => {
    expect(safeHref('https://www.pingtan.gov.cn/a?b=1')).toBe('https://www.pingtan.gov.cn/a?b=1');
    expect(safeHref('http://example.org')).toBe('http://example.org/');
    expect(safeHref('/report/3')).toBe('/report/3');
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,<script>',
      'vbscript:x',
      '//evil.example/x',
      '/\\evil.example',
      'file:///etc/passwd',
      '',
      null,
      undefined,
      'not a url',
    ]) {
      expect(safeHref(bad)).toBeNull();
    }
  });

  it('pathWith leaves out empty values and encodes the rest', () => {
    expect(pathWith('/compare', { measure: 'new_received', year: 2023, name: '', province: undefined, nulls: false, bom: true, q: 'a&b c' })).toBe(
      '/compare?measure=new_received&year=2023&bom=1&q=a%26b+c',
    );
    expect(pathWith('/x')).toBe('/x');
  });
});

describe('search snippets', () => {
  it('turns the match marks into <mark> and escapes the text, balancing stray marks', () => {
    expect(markSnippet('a<b>\uE000平潭\uE001c').toString()).toBe('a&lt;b&gt;<mark>平潭</mark>c');
    expect(markSnippet('\uE001x\uE000y').toString()).toBe('x<mark>y</mark>');
    expect(markSnippet('\uE000\uE000z\uE001\uE001').toString()).toBe('<mark>z</mark>');
  });
});

describe('docs/queries.md examples', () => {
  it('parses the ten examples with their SQL', () => {
    const md = readFileSync(join(ROOT, 'docs', 'queries.md'), 'utf8');
    const ex = parseQueriesMarkdown(md);
    expect(ex.length).toBe((md.match(/^```sql/gm) ?? []).length);
    expect(ex.length).toBeGreaterThanOrEqual(10);
    expect(ex[0]?.title).toBe('Who received the most requests?');
    expect(ex[0]?.sql).toMatch(/^SELECT agency, year, new_received/);
    for (const e of ex) expect(e.sql).not.toContain('```');
    expect(loadQueryExamples().map((e) => e.title)).toEqual(ex.map((e) => e.title));
  });
});

describe('snapshot Content-Type', () => {
  it('uses a well-formed stored type, else one from the kind and charset', () => {
    expect(snapshotContentType({ content_type: 'text/html; charset=GBK', kind: 'html', charset: 'gb18030' })).toBe('text/html; charset=GBK');
    expect(snapshotContentType({ content_type: 'text/html\r\nX-Injected: 1', kind: 'html', charset: 'gb18030' })).toBe('text/html; charset=gb18030');
    expect(snapshotContentType({ content_type: null, kind: 'text', charset: null })).toBe('text/plain; charset=utf-8');
    expect(snapshotContentType({ content_type: null, kind: 'docx', charset: null })).toMatch(/wordprocessingml/);
    expect(snapshotContentType({ content_type: null, kind: 'ofd', charset: null })).toBe('application/ofd');
    expect(snapshotContentType({ content_type: null, kind: 'mht', charset: null })).toBe('multipart/related');
    expect(snapshotContentType({ content_type: null, kind: 'html', charset: 'utf-8"; x' })).toBe('text/html; charset=utf-8');
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.2', 'example.org']) expect(isLoopback(h)).toBe(false);
  });
});
