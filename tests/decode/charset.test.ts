import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, charsetFromMeta, decodeBytes, resolveCodec, SAMPLE_BYTES, utf8Sequences } from '../../src/decode/charset.js';
import { corpusPages, corpusTexts, withHttpEquiv, withMeta } from './_corpus.js';

const pages = corpusPages();
const texts = corpusTexts();
const gbk = (s: string): Buffer => iconv.encode(s, 'gbk');
const gb18030 = (s: string): Buffer => iconv.encode(s, 'gb18030');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Characters GBK cannot encode (a CJK Extension B character, a GB18030-2005 mapping, an emoji). */
const BEYOND_GBK = '𠮷ḿ😀';

describe('corpus pages re-encoded', () => {
  it('has pages to test', () => {
    expect(pages.length).toBeGreaterThanOrEqual(7);
    expect(texts.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(pages.map((p) => [p.name, p.text] as const))('%s', (_name, page) => {
    it('UTF-8 as published: meta utf-8', () => {
      expect(decodeBytes(utf8(page), { isHtml: true })).toEqual({ text: page, charset: 'utf-8', source: 'meta' });
    });

    it('GBK with <meta charset=gbk>', () => {
      const src = withMeta(page, 'gbk');
      expect(decodeBytes(gbk(src), { isHtml: true })).toEqual({ text: src, charset: 'gb18030', source: 'meta' });
    });

    it('GB2312 in the http-equiv form', () => {
      const src = withHttpEquiv(page, 'gb2312');
      expect(decodeBytes(gbk(src), { isHtml: true })).toEqual({ text: src, charset: 'gb18030', source: 'meta' });
    });

    it('GBK without any declaration: sniffed', () => {
      const src = withMeta(page, null);
      expect(decodeBytes(gbk(src), { isHtml: true })).toEqual({ text: src, charset: 'gb18030', source: 'sniff' });
    });

    it('GB18030 with characters beyond GBK, meta gb18030', () => {
      const src = withMeta(page, 'gb18030').replace('</body>', `<p>${BEYOND_GBK}</p></body>`);
      expect(src).toContain(BEYOND_GBK);
      expect(decodeBytes(gb18030(src), { isHtml: true })).toEqual({ text: src, charset: 'gb18030', source: 'meta' });
    });

    it('GB18030 labelled gb2312 (4-byte sequences on a "gb2312" page) still decodes exactly', () => {
      const src = withMeta(page, 'gb2312').replace('</body>', `<p>${BEYOND_GBK}</p></body>`);
      expect(decodeBytes(gb18030(src), { isHtml: true })).toEqual({ text: src, charset: 'gb18030', source: 'meta' });
    });

    it('GB18030 without declaration: sniffed', () => {
      const src = withMeta(page, null).replace('</body>', `<p>${BEYOND_GBK}</p></body>`);
      expect(decodeBytes(gb18030(src), { isHtml: true })).toEqual({ text: src, charset: 'gb18030', source: 'sniff' });
    });

    it('UTF-8 BOM wins over a header saying gbk', () => {
      const bytes = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), utf8(page)]);
      expect(decodeBytes(bytes, { isHtml: true, contentType: 'text/html; charset=gbk' })).toEqual({
        text: page,
        charset: 'utf-8',
        source: 'bom',
      });
    });

    it('lying header utf-8 on a GBK page with meta gbk: meta is used', () => {
      const src = withMeta(page, 'gbk');
      const r = decodeBytes(gbk(src), { isHtml: true, contentType: 'text/html; charset=UTF-8' });
      expect(r).toEqual({ text: src, charset: 'gb18030', source: 'meta' });
    });

    it('lying header utf-8 on a GBK page without meta: sniffed, no mojibake', () => {
      const src = withMeta(page, null);
      const r = decodeBytes(gbk(src), { isHtml: true, contentType: 'text/html;charset=utf-8' });
      expect(r).toEqual({ text: src, charset: 'gb18030', source: 'sniff' });
    });

    it('server default ISO-8859-1 header on a GBK page without meta: sniffed', () => {
      const src = withMeta(page, null);
      const r = decodeBytes(gbk(src), { isHtml: true, contentType: 'text/html; charset=ISO-8859-1' });
      expect(r).toEqual({ text: src, charset: 'gb18030', source: 'sniff' });
    });

    it('lying header and lying meta (both utf-8) on GBK bytes: sniffed', () => {
      const r = decodeBytes(gbk(page), { isHtml: true, contentType: 'text/html; charset=utf-8' });
      expect(r).toEqual({ text: page, charset: 'gb18030', source: 'sniff' });
    });

    it('lying header gbk on a UTF-8 page: its meta utf-8 is used', () => {
      const r = decodeBytes(utf8(page), { isHtml: true, contentType: 'text/html; charset=gbk' });
      expect(r).toEqual({ text: page, charset: 'utf-8', source: 'meta' });
    });

    it('lying header gb2312 on a UTF-8 page without meta: sniffed as UTF-8', () => {
      const src = withMeta(page, null);
      const r = decodeBytes(utf8(src), { isHtml: true, contentType: 'text/html; charset=gb2312' });
      expect(r).toEqual({ text: src, charset: 'utf-8', source: 'sniff' });
    });

    it('honest header gbk beats a stale meta utf-8', () => {
      const r = decodeBytes(gbk(page), { isHtml: true, contentType: 'text/html; charset="GBK"' });
      expect(r).toEqual({ text: page, charset: 'gb18030', source: 'header' });
    });

    it('the meta is not read when isHtml is false', () => {
      const src = withMeta(page, 'gbk');
      expect(decodeBytes(gbk(src))).toEqual({ text: src, charset: 'gb18030', source: 'sniff' });
    });
  });
});

describe('corpus text documents re-encoded', () => {
  describe.each(texts.map((t) => [t.name, t.text] as const))('%s', (_name, text) => {
    it('GBK, no declaration: sniffed', () => {
      expect(decodeBytes(gbk(text))).toEqual({ text, charset: 'gb18030', source: 'sniff' });
    });
    it('UTF-8, no declaration: sniffed', () => {
      expect(decodeBytes(utf8(text))).toEqual({ text, charset: 'utf-8', source: 'sniff' });
    });
    it('UTF-16LE and UTF-16BE with BOM', () => {
      const le = Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]);
      expect(decodeBytes(le)).toEqual({ text, charset: 'utf-16le', source: 'bom' });
      const be = Buffer.from(le);
      be.swap16();
      expect(decodeBytes(be)).toEqual({ text, charset: 'utf-16be', source: 'bom' });
    });
    it('header charset=gbk', () => {
      expect(decodeBytes(gbk(text), { contentType: 'text/plain; charset=gbk' })).toEqual({
        text,
        charset: 'gb18030',
        source: 'header',
      });
    });
  });
});

describe('sampling', () => {
  const page = pages.find((p) => p.name === 'fujian-pingtan-2021.html')?.text ?? '';
  /** A head of pure ASCII longer than the sample, as on pages with big inline scripts. */
  const bigScript = `<script>\n${'var a = "abcdefghijklmnopqrstuvwxyz0123456789";\n'.repeat(Math.ceil((3 * SAMPLE_BYTES) / 44))}</script>\n`;
  const late = withMeta(page, null).replace('<head>', `<head>\n${bigScript}`);

  it('pages whose first KBs are ASCII are sniffed from their first non-ASCII byte', () => {
    expect(
      gbk(late)
        .subarray(0, SAMPLE_BYTES)
        .every((b) => b < 0x80),
    ).toBe(true);
    expect(decodeBytes(gbk(late), { isHtml: true })).toEqual({ text: late, charset: 'gb18030', source: 'sniff' });
    expect(decodeBytes(gbk(late), { isHtml: true, contentType: 'text/html; charset=iso-8859-1' })).toEqual({
      text: late,
      charset: 'gb18030',
      source: 'sniff',
    });
    expect(decodeBytes(utf8(late), { isHtml: true, contentType: 'text/html; charset=gbk' })).toEqual({
      text: late,
      charset: 'utf-8',
      source: 'sniff',
    });
  });

  it('only a sample is sniffed: a bad byte 1 MB into a UTF-8 page becomes one U+FFFD', () => {
    const filler = '<p>平潭综合实验区</p>\n'.repeat(Math.ceil((1024 * 1024) / 30));
    const bytes = Buffer.concat([utf8(withMeta(page, null)), utf8(filler), Buffer.of(0xff), utf8('<p>尾</p>')]);
    const r = decodeBytes(bytes, { isHtml: true });
    expect(r.charset).toBe('utf-8');
    expect(r.source).toBe('sniff');
    expect(r.text.split('\uFFFD')).toHaveLength(2);
    expect(r.text.endsWith('\uFFFD<p>尾</p>')).toBe(true);
  });

  it('pure ASCII without declaration is UTF-8 by default', () => {
    expect(decodeBytes(utf8('<html><body><table><tr><td>0</td></tr></table></body></html>'), { isHtml: true })).toEqual({
      text: '<html><body><table><tr><td>0</td></tr></table></body></html>',
      charset: 'utf-8',
      source: 'default',
    });
  });

  it('pure ASCII with a header charset keeps the header', () => {
    expect(decodeBytes(utf8('hello'), { contentType: 'text/plain; charset=gb2312' }).source).toBe('header');
  });

  it('short GBK text that happens to be valid UTF-8 keeps its declared charset', () => {
    const bytes = gbk('息维业'); // CF A2 CE AC D2 B5: three valid 2-byte UTF-8 sequences by accident
    expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toHaveLength(3);
    expect(decodeBytes(bytes, { contentType: 'text/plain; charset=gbk' })).toEqual({
      text: '息维业',
      charset: 'gb18030',
      source: 'header',
    });
  });

  it('an unknown declared label is ignored', () => {
    const src = withMeta(page, 'gbk');
    expect(decodeBytes(gbk(src), { isHtml: true, contentType: 'text/html; charset=x-no-such-charset' })).toEqual({
      text: src,
      charset: 'gb18030',
      source: 'meta',
    });
  });

  it('a meta declaring UTF-16 on ASCII-compatible bytes means UTF-8 (WHATWG)', () => {
    const src = withMeta(page, 'utf-16');
    expect(decodeBytes(utf8(src), { isHtml: true })).toEqual({ text: src, charset: 'utf-8', source: 'meta' });
  });

  it('rejects unknown options', () => {
    expect(() => decodeBytes(utf8('x'), { isHtml: 'yes' } as never)).toThrow();
  });
});

describe('UTF-8 validation of a sample', () => {
  /** What the validation replaced: a fatal TextDecoder in streaming mode (a cut-off last sequence is fine). */
  const reference = (b: Uint8Array): number => {
    try {
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b, { stream: true });
    } catch {
      return -1;
    }
    return b.filter((x) => x >= 0xc0).length;
  };
  it('answers as a streaming TextDecoder for corpus pages cut anywhere, in UTF-8, GBK and GB18030', () => {
    const docs = pages.slice(0, 6).flatMap((p) => [utf8(p.text + BEYOND_GBK), gbk(p.text), gb18030(p.text + BEYOND_GBK)]);
    let cut = 0;
    for (const d of docs) {
      for (let end = 1; end < Math.min(d.length, 3000); end += 1 + (end % 7)) {
        const sample = d.subarray(Math.max(0, end - 600), end);
        expect(utf8Sequences(sample), `${end}`).toBe(reference(sample));
        if (utf8Sequences(sample) >= 0 && sample.length > 0 && (sample.at(-1) as number) >= 0x80) cut++;
      }
    }
    expect(cut).toBeGreaterThan(100); // samples ending inside a multi-byte sequence were among them
  });
  it('answers as a streaming TextDecoder for every ending of one to four bytes', () => {
    const head = utf8('年报 ');
    const endings: number[][] = [[]];
    const bytes = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    for (let len = 1; len <= 3; len++) for (const e of endings.filter((x) => x.length === len - 1)) for (const b of bytes) endings.push([...e, b]);
    for (const e of endings) {
      const sample = Buffer.concat([head, Buffer.from(e)]);
      expect(utf8Sequences(sample), e.map((b) => b.toString(16)).join(' ')).toBe(reference(sample));
    }
  });
});

describe('declarations', () => {
  it('charsetFromContentType', () => {
    expect(charsetFromContentType('text/html; charset=GB2312')).toBe('gb2312');
    expect(charsetFromContentType('text/html;charset="utf-8"')).toBe('utf-8');
    expect(charsetFromContentType("text/html; Charset='gbk'; foo=bar")).toBe('gbk');
    expect(charsetFromContentType('text/html')).toBeNull();
    expect(charsetFromContentType(undefined)).toBeNull();
  });

  it('charsetFromMeta reads the forms found on real pages', () => {
    const meta = (s: string): string | null => charsetFromMeta(utf8(s));
    expect(meta('<head><meta charset="utf-8" name="viewport" content="width=device-width"/>')).toBe('utf-8');
    expect(meta('<HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=gb2312"></HEAD>')).toBe('gb2312');
    expect(meta(`<meta content='text/html; charset=GBK' http-equiv='content-type'>`)).toBe('gbk');
    expect(meta('<meta charset=gb18030>')).toBe('gb18030');
    expect(meta('<!-- <meta charset="big5"> --><meta charset="gbk">')).toBe('gbk');
    expect(meta('<meta name="description" content="charset=big5 tutorial"><title>x</title>')).toBeNull();
    expect(meta('<?xml version="1.0" encoding="GB2312"?><html>')).toBe('gb2312');
    expect(meta(`${' '.repeat(5000)}<meta charset="gbk">`)).toBeNull(); // beyond the scanned head
  });

  it('resolveCodec maps the GBK family to the GB18030 decoder and falls back to iconv-lite', () => {
    for (const label of ['gb2312', 'GBK', 'x-gbk', 'cp936', 'GB18030', 'chinese', ' "gb2312" ']) {
      expect(resolveCodec(label)?.name).toBe('gb18030');
    }
    expect(resolveCodec('big5')?.name).toBe('big5');
    expect(resolveCodec('cp950')?.name).toBe('big5');
    expect(resolveCodec('x-no-such-charset')).toBeNull();
    // cp437 is unknown to TextDecoder: decoded by iconv-lite.
    expect(() => new TextDecoder('cp437')).toThrow();
    expect(resolveCodec('cp437')?.decode(Buffer.of(0x82, 0x41))).toBe('éA');
  });

  it('the GBK family reads the codes some gbk converters send to the Private Use Area, and 4-byte GB18030 sequences', () => {
    // A8 BC is ḿ in GB18030-2005 and WHATWG gbk (Node 20's ICU gbk converter gives U+E7C7; Node ≥ 22's does not).
    // Our decoder, not Node's, is under test: every GBK label must read it on every Node version.
    for (const label of ['gbk', 'gb2312', 'GB18030']) expect(resolveCodec(label)?.decode(Buffer.of(0xa8, 0xbc))).toBe('ḿ');
    // 𠀀 (U+20000, CJK Extension B): only GB18030's 4-byte form can say it; pages labelled gb2312 do.
    expect(resolveCodec('gb2312')?.decode(Buffer.of(0x95, 0x32, 0x82, 0x36))).toBe('𠀀');
  });
});

describe('UTF-8 with a few damaged bytes', () => {
  /** `page` as UTF-8 with `n` stray bytes (invalid as UTF-8, plausible as GBK) spread over its first 8 KB, between characters. */
  const damaged = (page: string, n: number): Buffer => {
    const bytes = utf8(page);
    const parts: Buffer[] = [];
    let from = 0;
    const limit = Math.min(bytes.length, SAMPLE_BYTES);
    for (let k = 1; k <= n; k++) {
      let at = Math.floor((limit * k) / (n + 1));
      while (at < bytes.length && ((bytes[at] as number) & 0xc0) === 0x80) at++; // a character boundary
      parts.push(bytes.subarray(from, at), Buffer.from([0xb1, 0xa8]));
      from = at;
    }
    parts.push(bytes.subarray(from));
    return Buffer.concat(parts);
  };

  describe.each(pages.map((p) => [p.name, p.text] as const))('%s', (_name, page) => {
    it('stays UTF-8 when declared (the stray bytes become U+FFFD, the Chinese text is intact)', () => {
      const r = decodeBytes(damaged(page, 4), { isHtml: true });
      expect(r.charset).toBe('utf-8');
      expect(r.source).toBe('meta');
      expect(r.text.replace(/\uFFFD/g, '')).toBe(page);
    });

    it('is sniffed as UTF-8 when nothing is declared', () => {
      const r = decodeBytes(damaged(page.replace(/<meta[^>]*charset[^>]*>/gi, ''), 4));
      expect(r.charset).toBe('utf-8');
      expect(r.source).toBe('sniff');
    });

    it('while the same page in GBK is still read as GBK, declared or not', () => {
      expect(decodeBytes(gbk(withMeta(page, 'gbk')), { isHtml: true }).charset).toBe('gb18030');
      expect(decodeBytes(gbk(page.replace(/<meta[^>]*charset[^>]*>/gi, '')), { contentType: 'text/html; charset=utf-8' }).charset).toBe('gb18030');
    });
  });
});
