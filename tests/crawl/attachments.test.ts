/**
 * The crawler looks for attachment links on every report page — and documents the page shows in an
 * iframe, embed or object, directly or through a viewer such as pdf.js; `findAttachments` skips
 * building a DOM when `mayLinkAttachments` rules every `href`/`src`/`data` out. The shortcut must never change the
 * answer: on corpus pages, demo pages and hand-made traps it equals the DOM walk.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../../parsers/sites/util.js';
import { findAttachments, findAttachmentsIn, mayLinkAttachments } from '../../parsers/sites/attachments.js';
import { corpusDocs } from '../helpers/corpus.js';

const BASE = 'http://www.example.gov.cn/zwgk/nb/202403/t20240308_1.htm';

/** The answer without the shortcut. */
const domWalk = (html: string, base: string) => findAttachmentsIn(loadHtml(html), base);

const page = (body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>${body}</body></html>`;

/** Pages with attachment links the shortcut must not miss (each has at least one). */
const WITH: [string, string, string?][] = [
  ['plain', page('<a href="/u/2024/report.pdf">报告</a>')],
  ['upper-case attribute', page('<A HREF="report.DOCX">报告</A>')],
  ['unquoted', page('<a href=report.wps>报告</a>')],
  ['single-quoted, spaces around =', page("<a class=x href = 'files/a.xls'>表</a>")],
  ['no space before href', page('<a title="x"href="a.pdf">x</a>')],
  ['after a slash', page('<a/href="a.pdf">x</a>')],
  ['character reference', page('<a href="report&#46;pdf">报告</a>')],
  ['named reference', page('<a href="report&period;pdf">报告</a>')],
  ['percent-encoded dot', page('<a href="report%2Epdf">报告</a>')],
  ['file name in the query', page('<a href="/download.jsp?id=3&amp;fileName=%E6%8A%A5%E5%91%8A.docx">下载</a>')],
  ['extension only in the link text', page('<a href="/attach/get?id=7">2023年度报告.pdf</a>')],
  ['download path from the base URL', page('<a href="?id=9">2023年度报告.doc</a>'), 'http://x.gov.cn/download/show.jsp?id=1'],
  ['non-ASCII file name', page('<a href="/u/年报附件.ofd">附件</a>')],
  ['a PDF shown in an iframe', page('<iframe src="/u/2024/report.pdf" width="100%" height="800"></iframe>')],
  ['a PDF embedded', page('<embed src="report.pdf" type="application/pdf">')],
  ['an OFD in an object', page('<object data="/u/report.ofd" type="application/ofd"></object>')],
  ['a pdf.js viewer in an iframe', page('<iframe src="/pdfjs/web/viewer.html?file=/u/2024/report.pdf"></iframe>')],
  ['a link to a pdf.js viewer, file percent-encoded', page('<a href="/static/pdfjs/web/viewer.html?file=%2Fu%2F2024%2Freport.pdf">查看全文</a>')],
];

/** Pages without attachment links (the shortcut may still send some to the DOM walk). */
const WITHOUT: [string, string][] = [
  ['only page links', page('<a href="/a.html">a</a><a href="b.shtml">b</a><a href="javascript:void(0)">c</a>')],
  ['the word attachment in a comment', page('<!-- omitted: attachment list (empty) --><p>见附件</p>')],
  ['pdf in a comment only', page('<!-- <a href="old.pdf">old</a> --><a href="/x.htm">x</a>')],
  ['href inside a script', page('<script>var u = "<a href=\\"a.pdf\\">"</script>')],
  ['template placeholder', page('<a href="{{ item.url }}.pdf">x</a>')],
  ['a .pdf word in text', page('<p>请下载 report.pdf 文件</p><a href="/p.html">p</a>')],
  ['a tag cut off inside its href', '<html><body><a href="tail.pdf'],
  ['images, scripts and a page in an iframe', page('<img src="/img/a.png"><script src="/js/app.js"></script><iframe src="/map.html"></iframe>')],
  ['a viewer without a document', page('<iframe src="/pdfjs/web/viewer.html"></iframe>')],
];

describe('findAttachments with the no-DOM shortcut', () => {
  for (const [name, html, base] of WITH) {
    it(`finds what the DOM walk finds: ${name}`, () => {
      const want = domWalk(html, base ?? BASE);
      expect(want.length, name).toBeGreaterThan(0);
      expect(mayLinkAttachments(html, base ?? BASE), name).toBe(true);
      expect(findAttachments(html, base ?? BASE)).toEqual(want);
    });
  }

  for (const [name, html] of WITHOUT) {
    it(`finds nothing where the DOM walk finds nothing: ${name}`, () => {
      expect(domWalk(html, BASE)).toEqual([]);
      expect(findAttachments(html, BASE)).toEqual([]);
    });
  }

  it("takes the document a viewer shows, not the viewer, resolved against the viewer's address", () => {
    const html = page(
      '<iframe src="/pdfjs/web/viewer.html?file=../../u/a.pdf" title="2023年度报告"></iframe><a href="/viewer/index.html?url=http%3A%2F%2Ffiles.example.gov.cn%2Fb.ofd">OFD版</a>' +
        '<embed src="c.pdf"><template><iframe src="/t.pdf"></iframe></template>',
    );
    expect(findAttachments(html, BASE).map((a) => [a.url, a.ext, a.title])).toEqual([
      ['http://files.example.gov.cn/b.ofd', 'ofd', 'OFD版'],
      ['http://www.example.gov.cn/u/a.pdf', 'pdf', '2023年度报告'],
      ['http://www.example.gov.cn/zwgk/nb/202403/c.pdf', 'pdf', 'c.pdf'],
    ]);
  });

  it('builds no DOM for pages whose links are all pages', () => {
    expect(mayLinkAttachments(WITHOUT[0]![1], BASE)).toBe(false);
    expect(mayLinkAttachments(WITHOUT[1]![1], BASE)).toBe(false);
    expect(mayLinkAttachments(WITHOUT[5]![1], BASE)).toBe(false);
  });

  it('agrees with the DOM walk on every corpus page, and skips the DOM on most', () => {
    const htmls = corpusDocs().filter((d) => d.name.endsWith('.html'));
    expect(htmls.length).toBeGreaterThan(3);
    let skipped = 0;
    for (const d of htmls) {
      const html = readFileSync(d.path, 'utf8');
      expect(findAttachments(html, BASE), d.name).toEqual(domWalk(html, BASE));
      if (!mayLinkAttachments(html, BASE)) skipped++;
    }
    expect(skipped).toBeGreaterThan(0);
  });
});
