/**
 * Test helper: hostile documents of issue 13, generated in the test (nothing big is committed).
 * Every bomb is built from a repeated chunk deflated as a stream, so the test itself holds only
 * the compressed bytes (a few hundred KB to a few MB), never the inflated gigabyte.
 */
import { crc32, createDeflate, createDeflateRaw } from 'node:zlib';
import { type PackedEntry, zipOf } from '../decode/_zip.js';

/** Deflates `times` repetitions of `chunk` (raw deflate, or zlib-wrapped for a PDF stream); returns the bytes and the CRC-32 of the inflated data. */
export async function deflateRepeated(
  chunk: Buffer,
  times: number,
  opts: { zlib?: boolean; head?: string; tail?: string } = {},
): Promise<{ packed: Buffer; crc: number; size: number }> {
  const z = opts.zlib ? createDeflate({ level: 1 }) : createDeflateRaw({ level: 1 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  let crc = 0;
  let size = 0;
  const write = async (b: Buffer): Promise<void> => {
    crc = crc32(b, crc);
    size += b.length;
    if (!z.write(b)) await new Promise((r) => z.once('drain', r));
  };
  if (opts.head) await write(Buffer.from(opts.head));
  for (let i = 0; i < times; i++) await write(chunk);
  if (opts.tail) await write(Buffer.from(opts.tail));
  z.end();
  await done;
  return { packed: Buffer.concat(out), crc, size };
}

/** Deflates a small entry. */
export async function packed(name: string, data: string): Promise<PackedEntry> {
  const d = await deflateRepeated(Buffer.from(data), 1);
  return { name, packed: d.packed, crc: d.crc, declared: d.size };
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** A valid .docx whose word/document.xml is `mb` MiB of ordinary paragraphs (459 KB for 150 MiB in the issue). */
export async function docxBomb(mb: number): Promise<Buffer> {
  const para = Buffer.from('<w:p><w:r><w:t>某某县人民政府2023年政府信息公开工作年度报告 1 2 3</w:t></w:r></w:p>'.repeat(64));
  const body = await deflateRepeated(para, Math.ceil((mb * 1024 * 1024) / para.length), {
    head: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>`,
    tail: '</w:body></w:document>',
  });
  return zipOf([
    await packed(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    await packed(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    { name: 'word/document.xml', packed: body.packed, crc: body.crc, declared: body.size },
  ]);
}

/** A PDF from its objects (1-based, in order), with a correct xref table. */
export function pdfOf(objects: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(offset);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), typeof o === 'string' ? Buffer.from(o, 'latin1') : o, Buffer.from('\nendobj\n')]);
    parts.push(b);
    offset += b.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`));
  return Buffer.concat(parts);
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

/** A stream object. */
function streamObject(dict: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]);
}

/** One page whose content stream inflates to `mb` MiB (1 MB of file for 1 GiB in the issue): text operators, then spaces. */
export async function pdfFlateBomb(mb: number): Promise<Buffer> {
  const filler = Buffer.alloc(1024 * 1024, 0x20);
  const z = await deflateRepeated(filler, mb, { zlib: true, head: 'BT /F1 12 Tf 72 720 Td (2023 report) Tj ET\n' });
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    FONT,
    streamObject('/Filter /FlateDecode', z.packed),
  ]);
}

/** `pages` pages sharing one content stream of `ops` text operators (92 KB for 200 × 20,000 in the issue). */
export async function pdfSharedStream(pages: number, ops: number): Promise<Buffer> {
  // Each operator draws one digit at its own place (absolute text matrix): one text piece each.
  const body = Array.from({ length: ops }, (_, i) => `1 0 0 1 ${72 + (i % 40) * 12} ${720 - (Math.floor(i / 40) % 60) * 11} Tm (${i % 10}) Tj`).join('\n');
  const content = Buffer.from(`BT /F1 9 Tf\n${body}\nET`);
  const z = await deflateRepeated(content, 1, { zlib: true });
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(' ');
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    FONT,
    streamObject('/Filter /FlateDecode', z.packed),
    ...Array.from({ length: pages }, () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>'),
  ]);
}

/** A PDF of `pages` empty pages (tiny page objects). */
export function pdfManyPages(pages: number): Buffer {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ');
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} /MediaBox [0 0 612 792] >>`,
    ...Array.from({ length: pages }, () => '<< /Type /Page /Parent 2 0 R >>'),
  ]);
}

const OFD_NS = 'http://www.ofdspec.org/2016';

/** The skeleton of an OFD (OFD.xml, Document.xml listing `pages` pages); page k is `Doc_0/Pages/Page_k/Content.xml`. */
async function ofdSkeleton(pages: number): Promise<PackedEntry[]> {
  const list = Array.from({ length: pages }, (_, k) => `<ofd:Page ID="${k + 10}" BaseLoc="Pages/Page_${k}/Content.xml"/>`).join('');
  return [
    await packed(
      'OFD.xml',
      `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="${OFD_NS}" Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
    ),
    await packed(
      'Doc_0/Document.xml',
      `<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="${OFD_NS}"><ofd:CommonData><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:CommonData><ofd:Pages>${list}</ofd:Pages></ofd:Document>`,
    ),
  ];
}

/** A page's Content.xml: `mb` MiB of text objects. */
async function ofdPage(mb: number, name: string, declared?: number): Promise<PackedEntry> {
  const obj = Buffer.from(
    Array.from(
      { length: 32 },
      (_, i) =>
        `<ofd:TextObject ID="1" Boundary="10 ${10 + (i % 30) * 8} 180 8" Font="1" Size="3.5"><ofd:TextCode X="0" Y="3">公开 ${i} 1 2 3</ofd:TextCode></ofd:TextObject>`,
    ).join(''),
  );
  const z = await deflateRepeated(obj, Math.ceil((mb * 1024 * 1024) / obj.length), {
    head: `<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="${OFD_NS}"><ofd:Content><ofd:Layer ID="2">`,
    tail: '</ofd:Layer></ofd:Content></ofd:Page>',
  });
  return { name, packed: z.packed, crc: z.crc, declared: declared ?? z.size };
}

/** An OFD of one page whose entry claims 1 KB and inflates to `mb` MiB (a text object, then whitespace). */
export async function ofdLyingEntry(mb: number): Promise<Buffer> {
  const z = await deflateRepeated(Buffer.alloc(1024 * 1024, 0x20), mb, {
    head: `<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="${OFD_NS}"><ofd:Content><ofd:Layer ID="2"><ofd:TextObject ID="1" Boundary="10 10 180 8" Size="3.5"><ofd:TextCode X="0" Y="3">公开</ofd:TextCode></ofd:TextObject>`,
    tail: '</ofd:Layer></ofd:Content></ofd:Page>',
  });
  return zipOf([...(await ofdSkeleton(1)), { name: 'Doc_0/Pages/Page_0/Content.xml', packed: z.packed, crc: z.crc, declared: 1024 }]);
}

/** An OFD of `pages` pages of `mb` MiB each (every page under a per-page cap, the document far over). */
export async function ofdManyBigPages(pages: number, mb: number): Promise<Buffer> {
  const page = await ofdPage(mb, 'x');
  return zipOf([...(await ofdSkeleton(pages)), ...Array.from({ length: pages }, (_, k) => ({ ...page, name: `Doc_0/Pages/Page_${k}/Content.xml` }))]);
}

/** An HTML page of about `mb` MiB of small tables. */
export function htmlSmallTables(mb: number): Buffer {
  const table = '<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>\n';
  return Buffer.from(
    `<!doctype html><html><head><meta charset="utf-8"><title>报告</title></head><body>${table.repeat(Math.ceil((mb * 1024 * 1024) / table.length))}</body></html>`,
  );
}

/** `mb` MiB of "1 1 1 …" as plain text. */
export function textOfOnes(mb: number): Buffer {
  return Buffer.alloc(mb * 1024 * 1024, '1 ');
}

/** `n` nested `<div>`s. */
export function nestedDivs(n: number): Buffer {
  return Buffer.from(`<!doctype html><html><body>${'<div>'.repeat(n)}文本${'</div>'.repeat(n)}</body></html>`);
}
