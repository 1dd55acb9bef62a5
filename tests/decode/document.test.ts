import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../parsers/errors.js';
import { DEFAULT_MAX_BYTES, DecodeError, decodeDocument } from '../../src/decode/index.js';
import { corpusPages, corpusTexts, withMeta } from './_corpus.js';
import { docxParagraph, docxTable, makeDocx } from './_zip.js';

const pages = corpusPages();
const texts = corpusTexts();

async function decodeError(bytes: Uint8Array, opts?: Parameters<typeof decodeDocument>[1]): Promise<DecodeError> {
  const err = await decodeDocument(bytes, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DecodeError);
  expect(err).toBeInstanceOf(ParseError);
  return err as DecodeError;
}

describe('decodeDocument: readable documents', () => {
  it.each(pages.map((p) => [p.name, p.text] as const))('%s as served in GBK', async (name, page) => {
    const src = withMeta(page, 'gb2312');
    const r = await decodeDocument(iconv.encode(src, 'gbk'), { fileName: name, contentType: 'text/html' });
    expect(r).toEqual({ kind: 'html', text: src, charset: 'gb18030', source: 'html' });
  });

  it.each(texts.map((t) => [t.name, t.text] as const))('%s as a GB18030 text file', async (name, text) => {
    const r = await decodeDocument(iconv.encode(text, 'gb18030'), { fileName: name });
    expect(r).toEqual({ kind: 'text', text, charset: 'gb18030', source: 'text' });
  });

  it('a DOCX becomes HTML', async () => {
    const docx = makeDocx(
      docxParagraph('平潭综合实验区2021年度政府信息公开工作年度报告') +
        docxTable([[{ text: '申请人情况', gridSpan: 2 }], [{ text: '自然人' }, { text: '12' }]]),
    );
    const r = await decodeDocument(docx, { fileName: 'report.docx' });
    expect(r).toEqual({
      kind: 'html',
      text: '<p>平潭综合实验区2021年度政府信息公开工作年度报告</p><table><tr><td colspan="2"><p>申请人情况</p></td></tr><tr><td><p>自然人</p></td><td><p>12</p></td></tr></table>',
      charset: null,
      source: 'docx',
    });
  });

  it('a 20 MB page still decodes', async () => {
    const page = withMeta(pages[0]?.text ?? '', 'gbk');
    const unit = iconv.encode(page, 'gbk');
    const copies = Math.ceil((20 * 1024 * 1024) / unit.length);
    const bytes = Buffer.concat(Array.from({ length: copies }, () => unit));
    expect(bytes.length).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    const r = await decodeDocument(bytes, { fileName: 'big.html' });
    expect(r.kind).toBe('html');
    expect(r.charset).toBe('gb18030');
    expect(r.text.length).toBe(page.length * copies);
    expect(r.text === page.repeat(copies)).toBe(true);
  });
});

describe('decodeDocument: errors', () => {
  it('NB_PARSE_EMPTY for no bytes and whitespace only, naming the file', async () => {
    const empty = await decodeError(new Uint8Array(0), { fileName: 'ndbg.html' });
    expect(empty.code).toBe('NB_PARSE_EMPTY');
    expect(empty.file).toBe('ndbg.html');
    expect(empty.message).toMatch(/^ndbg\.html: is empty \(no bytes\); check that the download completed/);

    const blank = await decodeError(Buffer.from(' \r\n\u3000\n', 'utf8'), { fileName: 'blank.txt' });
    expect(blank.code).toBe('NB_PARSE_EMPTY');
    expect(blank.message).toContain('whitespace');

    // GBK full-width spaces are only seen to be blank once decoded.
    const gbkBlank = await decodeError(iconv.encode('\u3000\u3000\r\n\u3000', 'gbk'), { contentType: 'text/plain; charset=gbk' });
    expect(gbkBlank.code).toBe('NB_PARSE_EMPTY');
    expect(gbkBlank.message).toMatch(/only whitespace once decoded as gb18030/);
  });

  it('NB_PARSE_EMPTY for a DOCX without text', async () => {
    const err = await decodeError(makeDocx(docxParagraph('')), { fileName: 'blank.docx' });
    expect(err.code).toBe('NB_PARSE_EMPTY');
    expect(err.kind).toBe('docx');
  });

  it('NB_PARSE_UNSUPPORTED names a broken PDF, DOC, WPS, XLS and OFD and says what is read', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'latin1');
    const ole = Buffer.concat([Buffer.of(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1), randomBytes(2048)]);
    const cases: [Uint8Array, string, string, RegExp][] = [
      [pdf, '2021年报.pdf', 'pdf', /is a PDF that cannot be read .*; check that it is complete and not encrypted/],
      // A damaged OLE file (random sectors) that word-extractor cannot open.
      [ole, 'report.doc', 'doc', /looks like a Word 97–2003 \(\.doc\) document but could not be read \(.+\); open it in Word or WPS and save it as \.docx/],
      [ole, 'report.wps', 'wps', /looks like a WPS \(\.wps\) document but could not be read \(.+\); open it in Word or WPS/],
      [ole, 'report.xls', 'xls', /is a spreadsheet .*; only HTML/],
    ];
    for (const [bytes, fileName, kind, message] of cases) {
      const err = await decodeError(bytes, { fileName });
      expect(err.code).toBe('NB_PARSE_UNSUPPORTED');
      expect(err.kind).toBe(kind);
      expect(err.message.startsWith(`${fileName}: `)).toBe(true);
      expect(err.message).toMatch(message);
    }
    const rtf = await decodeError(Buffer.from("{\\rtf1\\ansi\\ansicpg936 {\\'c4\\'ea}\\par}", 'latin1'), { fileName: '2023年报.doc' });
    expect(rtf.code).toBe('NB_PARSE_UNSUPPORTED');
    expect(rtf.kind).toBe('rtf');
    expect(rtf.message).toMatch(/^2023年报\.doc: is an RTF \(Rich Text Format\) document; .* save it as \.docx/);
    // Binary bytes only named .pdf are refused at once, not handed to pdf.js.
    const fake = await decodeError(Buffer.concat([Buffer.from('<html>'), randomBytes(8192)]), { fileName: 'report.pdf' });
    expect([fake.code, fake.kind]).toEqual(['NB_PARSE_UNSUPPORTED', 'pdf']);
    expect(fake.message).toMatch(/^report\.pdf: is named or served as a PDF but has no PDF header/);
    const ofd = await decodeError(randomBytes(4096), { fileName: 'report.ofd' });
    expect(ofd.code).toBe('NB_PARSE_UNSUPPORTED');
    expect(ofd.message).toMatch(/OFD/);
  });

  it('NB_PARSE_BINARY for images, archives and noise', async () => {
    const png = Buffer.concat([Buffer.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), randomBytes(200)]);
    const image = await decodeError(png, { fileName: 'scan.png', ocr: 'off' });
    expect(image.code).toBe('NB_PARSE_BINARY');
    expect(image.message).toMatch(/^scan\.png: is an image.*OCR/);
    const noise = await decodeError(randomBytes(10_000), { contentType: 'text/html' });
    expect(noise.code).toBe('NB_PARSE_BINARY');
    expect(noise.file).toBeUndefined();
    const gz = await decodeError(Buffer.concat([Buffer.of(0x1f, 0x8b, 8, 0), randomBytes(100)]));
    expect(gz.code).toBe('NB_PARSE_BINARY');
    expect(gz.message).toMatch(/unpack it/);
  });

  it('NB_PARSE_TOO_LARGE over 50 MiB by default, and over maxBytes', async () => {
    expect(DEFAULT_MAX_BYTES).toBe(50 * 1024 * 1024);
    const big = await decodeError(Buffer.alloc(DEFAULT_MAX_BYTES + 1, 0x20), { fileName: 'huge.html' });
    expect(big.code).toBe('NB_PARSE_TOO_LARGE');
    expect(big.bytes).toBe(DEFAULT_MAX_BYTES + 1);
    expect(big.message).toMatch(
      /^huge\.html: is 50\.0 MiB, over the limit of 50\.0 MiB \(budget maxInputBytes, key [0-9a-f]{8}\);.*--max-document-mb \(maxBytes\)/,
    );

    const page = Buffer.from(pages[0]?.text ?? '');
    const small = await decodeError(page, { maxBytes: 1000 });
    expect(small.code).toBe('NB_PARSE_TOO_LARGE');
    await expect(decodeDocument(page, { maxBytes: page.length })).resolves.toMatchObject({ kind: 'html' });
  });

  it('rejects invalid options with a TypeError', async () => {
    await expect(decodeDocument(Buffer.from('x'), { maxBytes: -1 })).rejects.toThrow(TypeError);
    await expect(decodeDocument(Buffer.from('x'), { maxBytes: 1.5 })).rejects.toThrow(/maxBytes/);
    await expect(decodeDocument(Buffer.from('x'), { fileName: 3 } as never)).rejects.toThrow(TypeError);
  });
});
