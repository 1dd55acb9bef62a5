import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes, decodeDocument, isPriorDecode, type PriorDecode } from '../../src/decode/index.js';
import { parseReport } from '../../src/parse/report.js';
import { corpusPages, corpusTexts, withMeta } from './_corpus.js';

/** What the crawl hands the parse: its own decode of the page (src/crawl/stages/got.ts). */
function priorOf(bytes: Uint8Array, contentType: string | undefined, isHtml: boolean): PriorDecode {
  return { contentType, isHtml, result: decodeBytes(bytes, { contentType, isHtml }) };
}

describe('a decode already made (PriorDecode)', () => {
  const pages = corpusPages();
  const texts = corpusTexts();

  it('parses every corpus page and text to the same report as a parse that decodes for itself', async () => {
    const inputs: { name: string; bytes: Buffer; contentType: string | undefined; isHtml: boolean }[] = [];
    for (const p of pages) {
      const utf8 = Buffer.from(p.text, 'utf8');
      const gbk = iconv.encode(withMeta(p.text, 'gbk'), 'gbk');
      inputs.push({ name: p.name, bytes: utf8, contentType: 'text/html; charset=utf-8', isHtml: true });
      inputs.push({ name: `${p.name} (no header)`, bytes: utf8, contentType: undefined, isHtml: true });
      inputs.push({ name: `${p.name} (GBK)`, bytes: gbk, contentType: 'text/html', isHtml: true });
      inputs.push({ name: `${p.name} (GBK, lying header)`, bytes: gbk, contentType: 'text/html; charset=utf-8', isHtml: true });
    }
    for (const t of texts) inputs.push({ name: t.name, bytes: Buffer.from(t.text, 'utf8'), contentType: 'text/plain', isHtml: false });
    expect(inputs.length).toBeGreaterThan(30);
    for (const i of inputs) {
      const fileName = i.name.split(' ')[0];
      const fresh = await parseReport(i.bytes, { fileName, ...(i.contentType ? { contentType: i.contentType } : {}) });
      const reused = await parseReport(i.bytes, {
        fileName,
        ...(i.contentType ? { contentType: i.contentType } : {}),
        decoded: priorOf(i.bytes, i.contentType, i.isHtml),
      });
      expect(reused, i.name).toEqual(fresh);
    }
  });

  it('is used only when it was made with the options the document would be decoded with', async () => {
    const bytes = Buffer.from(pages[0]!.text, 'utf8');
    const type = 'text/html; charset=utf-8';
    const marked: PriorDecode = { contentType: type, isHtml: true, result: { text: '<p>the prior decode</p>', charset: 'utf-8', source: 'header' } };
    expect((await decodeDocument(bytes, { contentType: type, decoded: marked })).text).toBe('<p>the prior decode</p>');
    const real = decodeBytes(bytes, { contentType: type, isHtml: true }).text;
    expect((await decodeDocument(bytes, { contentType: 'text/html', decoded: marked })).text).toBe(real);
    expect((await decodeDocument(bytes, { decoded: marked })).text).toBe(real);
    expect((await decodeDocument(bytes, { contentType: type, decoded: { ...marked, isHtml: false } })).text).toBe(real);
  });

  it('is refused when it has not the shape of one', async () => {
    expect(isPriorDecode({ contentType: undefined, isHtml: true, result: { text: 'x', charset: 'utf-8', source: 'sniff' } })).toBe(true);
    expect(isPriorDecode({ isHtml: true, result: { text: 1, charset: 'utf-8' } })).toBe(false);
    const bytes = Buffer.from(pages[0]!.text, 'utf8');
    await expect(decodeDocument(bytes, { decoded: { isHtml: 'yes' } as unknown as PriorDecode })).rejects.toThrow(TypeError);
  });
});
