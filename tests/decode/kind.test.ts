import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectKind, extensionOf } from '../../src/decode/kind.js';
import { corpusPages, corpusTexts } from './_corpus.js';
import { docxParagraph, makeDocx, makeZip } from './_zip.js';

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real 1×1 RGB PNG. */
function png(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.of(0, 255, 0, 0))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const PDF = Buffer.from(
  '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

/** An OLE compound-file header followed by a directory entry named `stream` (UTF-16LE, as in real files). */
function ole(stream: string): Buffer {
  const header = Buffer.alloc(512);
  Buffer.of(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1).copy(header);
  const dir = Buffer.alloc(128);
  Buffer.from(`${stream}\0`, 'utf16le').copy(dir);
  return Buffer.concat([header, dir, randomBytes(1024)]);
}

describe('detectKind: magic bytes', () => {
  it('PDF, also when named .html or served as text/html', () => {
    expect(detectKind(PDF)).toBe('pdf');
    expect(detectKind(PDF, 'report.html', 'text/html')).toBe('pdf');
    expect(detectKind(Buffer.concat([Buffer.from('\r\n\r\n'), PDF]))).toBe('pdf'); // junk before the header
  });

  it('images', () => {
    expect(detectKind(png())).toBe('image');
    expect(detectKind(png(), 'ndbg.htm')).toBe('image');
    expect(detectKind(Buffer.concat([Buffer.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), Buffer.from('JFIF\0'), randomBytes(200)]))).toBe('image');
    expect(detectKind(Buffer.concat([Buffer.from('GIF89a'), randomBytes(100)]))).toBe('image');
  });

  it('zips: DOCX, OFD, XLSX, other', () => {
    expect(detectKind(makeDocx(docxParagraph('报告')))).toBe('docx');
    expect(detectKind(makeDocx(docxParagraph('报告')), 'report.wps')).toBe('docx');
    expect(
      detectKind(
        makeZip([
          { name: 'OFD.xml', data: '<ofd:OFD/>' },
          { name: 'Doc_0/Document.xml', data: '<x/>' },
        ]),
      ),
    ).toBe('ofd');
    expect(detectKind(makeZip([{ name: 'xl/workbook.xml', data: '<workbook/>' }]))).toBe('xls');
    expect(detectKind(makeZip([{ name: '报告.pdf', data: PDF }]), 'attachments.zip')).toBe('zip');
  });

  it('OLE compound files by extension, content type, then stream name', () => {
    expect(detectKind(ole('WordDocument'), 'report.doc')).toBe('doc');
    expect(detectKind(ole('WordDocument'), 'report.wps')).toBe('wps');
    expect(detectKind(ole('Workbook'), 'report.xls')).toBe('xls');
    expect(detectKind(ole('WordDocument'), 'https://x.gov.cn/a/b.et?id=1')).toBe('xls');
    expect(detectKind(ole('WordDocument'), undefined, 'application/msword')).toBe('doc');
    expect(detectKind(ole('Workbook'), undefined, 'application/vnd.ms-excel')).toBe('xls');
    expect(detectKind(ole('Workbook'))).toBe('xls');
    expect(detectKind(ole('WordDocument'))).toBe('doc');
  });

  it('RTF, whatever its name (Word and WPS save RTF under .doc too)', () => {
    const rtf = Buffer.from("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\pard \\'c4\\'ea\\'b1\\'a8\\par}", 'latin1');
    expect(detectKind(rtf, 'report.rtf')).toBe('rtf');
    expect(detectKind(rtf, 'report.doc', 'application/msword')).toBe('rtf');
    expect(detectKind(Buffer.concat([Buffer.from('\r\n'), rtf]))).toBe('rtf');
    // Text that mentions RTF is text.
    expect(detectKind(Buffer.from('说明：{\\rtf1 是 RTF 文件的开头'), 'a.txt')).toBe('text');
  });

  it('gzip and other archives', () => {
    expect(detectKind(Buffer.concat([Buffer.of(0x1f, 0x8b, 8, 0), randomBytes(100)]))).toBe('zip');
    expect(detectKind(Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), randomBytes(100)]))).toBe('zip');
  });
});

describe('detectKind: empty and binary', () => {
  it('empty and whitespace-only', () => {
    expect(detectKind(new Uint8Array(0))).toBe('empty');
    expect(detectKind(Buffer.from(' \r\n\t \n'))).toBe('empty');
    expect(detectKind(Buffer.from('\ufeff  \u3000\u00a0\n', 'utf8'))).toBe('empty');
    expect(detectKind(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(' \u3000\n', 'utf16le')]))).toBe('empty');
    expect(detectKind(Buffer.from('  0  '))).toBe('text');
  });

  it('random bytes are binary, whatever the name says', () => {
    const noise = randomBytes(64 * 1024);
    expect(detectKind(noise)).toBe('binary');
    expect(detectKind(noise, 'report.html', 'text/html; charset=utf-8')).toBe('binary');
    expect(detectKind(noise, 'report.txt')).toBe('binary');
    // …but a name that names a binary kind is reported (a PDF whose header was cut off).
    expect(detectKind(noise, 'report.pdf')).toBe('pdf');
    expect(detectKind(noise, undefined, 'application/ofd')).toBe('ofd');
  });

  it('control characters without NUL above the ratio are binary', () => {
    const bytes = Buffer.alloc(4096, 0x41);
    for (let i = 0; i < bytes.length; i += 5) bytes[i] = 0x01;
    expect(detectKind(bytes)).toBe('binary');
    for (let i = 0; i < bytes.length; i += 5) bytes[i] = i % 2 ? 0x0a : 0x09;
    expect(detectKind(bytes)).toBe('text');
  });
});

describe('detectKind: text and HTML on the corpus', () => {
  it.each(corpusPages().map((p) => [p.name, p.text] as const))('%s is html in UTF-8, GBK and UTF-16', (name, page) => {
    expect(detectKind(Buffer.from(page), name)).toBe('html');
    expect(detectKind(iconv.encode(page, 'gbk'))).toBe('html');
    expect(detectKind(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(page, 'utf16le')]))).toBe('html');
    // Word/WPS "HTML saved as .doc" pages are HTML whatever the name says.
    expect(detectKind(iconv.encode(page, 'gbk'), 'report.doc', 'application/msword')).toBe('html');
  });

  it.each(corpusTexts().map((t) => [t.name, t.text] as const))('%s is text in UTF-8 and GBK', (name, text) => {
    expect(detectKind(Buffer.from(text), name)).toBe('text');
    expect(detectKind(iconv.encode(text, 'gbk'))).toBe('text');
    expect(detectKind(iconv.encode(text, 'gb18030'), 'report.html')).toBe('text');
  });

  it('HTML found by its tags', () => {
    expect(detectKind(Buffer.from('<table><tr><td>收到申请数</td><td>12</td></tr></table>'))).toBe('html');
    expect(detectKind(Buffer.from('<!DOCTYPE html>\n<title>x</title>'))).toBe('html');
    expect(detectKind(Buffer.from('申请数 <5 件，1<2'))).toBe('text');
    expect(detectKind(Buffer.from('<x-report>数据</x-report>'), 'page.shtml')).toBe('html');
  });

  it('extensionOf', () => {
    expect(extensionOf('a/b/Report.PDF')).toBe('pdf');
    expect(extensionOf('https://x.gov.cn/p/t2021_1.html?x=1.pdf#y')).toBe('html');
    expect(extensionOf('noext')).toBeNull();
    expect(extensionOf(undefined)).toBeNull();
  });
});
