/**
 * Test helper: writes a real zip archive (deflated entries, local headers + central directory) in memory,
 * enough to build .docx files inside tests. Not part of the library.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: string | Uint8Array;
}

/** A zip entry given as deflated bytes; `declared` is the size its headers claim (a liar's, when smaller). */
export interface PackedEntry {
  name: string;
  packed: Buffer;
  crc: number;
  declared: number;
}

/** A zip archive of deflated entries (local headers, central directory), sizes as declared. */
export function zipOf(entries: readonly PackedEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.packed.length, 18);
    local.writeUInt32LE(Math.min(e.declared, 0xfffffffe), 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, e.packed);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt16LE(0x21, 14);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.packed.length, 20);
    c.writeUInt32LE(Math.min(e.declared, 0xfffffffe), 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + e.packed.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

/** A zip of `entries`, each deflated, with its true size in the headers. */
export function makeZip(entries: readonly ZipEntry[]): Buffer {
  return zipOf(
    entries.map((entry) => {
      const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data);
      return { name: entry.name, packed: deflateRawSync(raw), crc: crc32(raw), declared: raw.length };
    }),
  );
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** Escapes text for XML content. */
function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A table cell of {@link docxTable}: text plus optional horizontal span and vertical merge. */
export interface DocxCell {
  text: string;
  gridSpan?: number;
  /** 'restart' starts a vertical merge, 'continue' continues the one above. */
  vMerge?: 'restart' | 'continue';
}

export function docxParagraph(text: string): string {
  return `<w:p><w:r><w:t xml:space="preserve">${xmlText(text)}</w:t></w:r></w:p>`;
}

export function docxTable(rows: readonly (readonly DocxCell[])[]): string {
  const cols = Math.max(...rows.map((r) => r.reduce((n, c) => n + (c.gridSpan ?? 1), 0)));
  const grid = `<w:tblGrid>${'<w:gridCol w:w="1500"/>'.repeat(cols)}</w:tblGrid>`;
  const trs = rows
    .map((row) => {
      const tcs = row
        .map((c) => {
          const props =
            (c.gridSpan ? `<w:gridSpan w:val="${c.gridSpan}"/>` : '') +
            (c.vMerge === 'restart' ? '<w:vMerge w:val="restart"/>' : c.vMerge === 'continue' ? '<w:vMerge/>' : '');
          return `<w:tc><w:tcPr>${props}</w:tcPr>${docxParagraph(c.text)}</w:tc>`;
        })
        .join('');
      return `<w:tr>${tcs}</w:tr>`;
    })
    .join('');
  return `<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>${grid}${trs}</w:tbl>`;
}

/** A minimal but complete .docx: content types, relationships, styles (with the TableGrid table style) and the main document. */
export function makeDocx(bodyXml: string): Buffer {
  return makeZip([
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
        '</Types>',
    },
    {
      name: '_rels/.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
        '</Relationships>',
    },
    {
      name: 'word/_rels/document.xml.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
        '</Relationships>',
    },
    {
      name: 'word/styles.xml',
      data:
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="${W}">` +
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>' +
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>' +
        '</w:styles>',
    },
    {
      name: 'word/document.xml',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${bodyXml}<w:sectPr/></w:body></w:document>`,
    },
  ]);
}
