/**
 * OFD reports (GB/T 33190): the text objects of every page placed where the page draws them and
 * read as lines, like a PDF's text layer. Fixtures: the office PDFs' text runs written as OFD the
 * two ways converters do (snapshots/ofd/README.md), checked against the corpus sidecars.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/decode/errors.js';
import { detectKind } from '../../src/decode/kind.js';
import { expandDeltas, ofdToText } from '../../src/decode/ofd.js';
import { pdfToText } from '../../src/decode/pdf.js';
import { parseReport } from '../../src/parse/report.js';
import { parseTextReport } from '../../parsers/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const SNAPSHOTS = join(CORPUS_DIR, '..');
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;
const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';

/** A one-page OFD with the given page content (inside <ofd:Content>). */
async function ofd(content: string, opts: { docRoot?: string; page?: boolean } = {}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('OFD.xml', `<ofd:OFD ${NS}><ofd:DocBody>${opts.docRoot ?? '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'}</ofd:DocBody></ofd:OFD>`);
  zip.file('Doc_0/Document.xml', `<ofd:Document ${NS}><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>`);
  if (opts.page !== false)
    zip.file('Doc_0/Pages/Page_0/Content.xml', `<ofd:Page ${NS}><ofd:Content><ofd:Layer ID="2">${content}</ofd:Layer></ofd:Content></ofd:Page>`);
  return zip.generateAsync({ type: 'nodebuffer' });
}

describe('OFD reports', () => {
  for (const name of ['fujian-pingtan-2016', 'fujian-pingtan-2019', 'fujian-pingtan-2021', 'fujian-pingtan-2023', 'fujian-pingtan-2025']) {
    it(`${name}.ofd: metadata and every cell of the sidecar read`, async () => {
      const bytes = readFileSync(join(SNAPSHOTS, 'ofd', `${name}.ofd`));
      expect(detectKind(bytes, `${name}.ofd`)).toBe('ofd');
      const report = await parseReport(bytes, { fileName: `${name}.ofd` });
      const want = expected(name);
      expect(report.input).toEqual({ kind: 'ofd', charset: null });
      expect([report.format, report.year, report.published, report.title, report.agency]).toEqual([
        want.format,
        want.year,
        want.published,
        want.title,
        want.agency,
      ]);
      expect([report.active ?? null, report.requests ?? null, report.appeals ?? null]).toEqual([
        want.active ?? null,
        want.requests ?? null,
        want.appeals ?? null,
      ]);
      if (want.stats) expect(report.stats?.map((s) => s.value)).toEqual(want.stats.map((s: { value: number | null }) => s.value));
    });
  }

  it('gives the lines the PDF it was made from gives, and its page numbers', async () => {
    const lines = async (name: string) => ({
      ofd: (await ofdToText(readFileSync(join(SNAPSHOTS, 'ofd', `${name}.ofd`)))).split('\n'),
      pdf: (await pdfToText(readFileSync(join(SNAPSHOTS, 'pdf', 'office', `${name}.pdf`)))).split('\n'),
    });
    // A run per text object: the same lines, cells parted by the same spaces.
    const runs = await lines('fujian-pingtan-2021');
    expect(runs.ofd.filter((l) => l !== '- 1 -')).toEqual(runs.pdf);
    expect(runs.ofd.filter((l) => l === '- 1 -').length).toBe(runs.pdf.join('\n').split('\n\n').length);
    // A glyph per text object (the fixture spaces a run's glyphs evenly): the same lines, give or take a space.
    const glyphs = await lines('fujian-pingtan-2023');
    expect(glyphs.ofd.map((l) => l.replace(/ /g, ''))).toEqual(glyphs.pdf.map((l) => l.replace(/ /g, '')));
  });

  it('places text by Boundary, CTM and DeltaX (g shorthand); page blocks are read through', async () => {
    expect(expandDeltas('g 3 4.2 5')).toEqual([4.2, 4.2, 4.2, 5]);
    expect(expandDeltas(undefined)).toEqual([]);
    const page =
      // Two cells of one row: a label run, then a number 40 mm to the right (a cell apart).
      '<ofd:TextObject ID="3" Boundary="20 30 60 6" Size="4"><ofd:TextCode X="0" Y="4" DeltaX="g 3 4">本年新收</ofd:TextCode></ofd:TextObject>' +
      '<ofd:PageBlock ID="4"><ofd:TextObject ID="5" Boundary="80 30 10 6" Size="4"><ofd:TextCode X="0" Y="4">64</ofd:TextCode></ofd:TextObject></ofd:PageBlock>' +
      // The next line in points through a CTM (1 pt = 0.3528 mm), one glyph per object, touching.
      '<ofd:TextObject ID="6" CTM="0.3528 0 0 0.3528 0 0" Boundary="20 40 5 6" Size="11.34"><ofd:TextCode X="0" Y="11.34">二</ofd:TextCode></ofd:TextObject>' +
      '<ofd:TextObject ID="7" CTM="0.3528 0 0 0.3528 0 0" Boundary="24 40 5 6" Size="11.34"><ofd:TextCode X="0" Y="11.34">、</ofd:TextCode></ofd:TextObject>';
    expect(await ofdToText(await ofd(page))).toBe('本年新收 64\n二、');
  });

  it('refuses what cannot be read, naming the file', async () => {
    const cut = readFileSync(join(SNAPSHOTS, 'ofd', 'fujian-pingtan-2021.ofd')).subarray(0, 5000);
    const errors = await Promise.all([
      parseReport(cut, { fileName: 'cut.ofd' }).catch((e: unknown) => e),
      parseReport(await ofd('', { docRoot: '' }), { fileName: 'noroot.ofd' }).catch((e: unknown) => e),
      parseReport(await ofd('', { page: false }), { fileName: 'nopage.ofd' }).catch((e: unknown) => e),
      parseReport(await ofd('<ofd:ImageObject ID="3" Boundary="0 0 210 297" ResourceID="9"/>'), { fileName: 'scan.ofd' }).catch((e: unknown) => e),
    ]);
    for (const err of errors) expect(err).toBeInstanceOf(DecodeError);
    expect(errors.map((e) => [(e as DecodeError).code, (e as DecodeError).file, (e as DecodeError).kind])).toEqual([
      ['NB_PARSE_UNSUPPORTED', 'cut.ofd', 'ofd'],
      ['NB_PARSE_UNSUPPORTED', 'noroot.ofd', 'ofd'],
      ['NB_PARSE_UNSUPPORTED', 'nopage.ofd', 'ofd'],
      ['NB_PARSE_EMPTY', 'scan.ofd', 'ofd'],
    ]);
    expect((errors[2] as Error).message).toMatch(/Doc_0\/Pages\/Page_0\/Content\.xml is missing/);
    expect((errors[3] as Error).message).toMatch(/without text .* OCR/);
    // A damaged entry: bytes flipped in the middle of the file, inside the compressed first page.
    const damaged = Buffer.from(readFileSync(join(SNAPSHOTS, 'ofd', 'fujian-pingtan-2021.ofd')));
    const page0 = damaged.indexOf('Doc_0/Pages/Page_0/Content.xml');
    for (let k = 0; k < 16; k++) damaged[page0 + 200 + k * 7] = 0xff - damaged[page0 + 200 + k * 7]!;
    const err = await parseReport(damaged, { fileName: 'damaged.ofd' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NB_PARSE_UNSUPPORTED', file: 'damaged.ofd', kind: 'ofd' });
    expect((err as Error).message).toMatch(/Page_0\/Content\.xml/);
  });
});

describe('page numbers between the rows of a table', () => {
  it('are not read as text: an office PDF with "- N -" or "第N页 共M页" at its page breaks reads the same', async () => {
    for (const name of ['fujian-pingtan-2021', 'fujian-pingtan-2025']) {
      const text = await pdfToText(readFileSync(join(SNAPSHOTS, 'pdf', 'office', `${name}.pdf`)));
      const pages = text.split('\n\n');
      expect(pages.length).toBeGreaterThan(2);
      const want = expected(name);
      for (const footer of [(n: number) => `- ${n} -`, (n: number) => `第${n}页 共${pages.length}页`]) {
        const numbered = pages.map((p, i) => `${p}\n${footer(i + 1)}`).join('\n\n');
        const report = parseTextReport(numbered);
        expect([report.requests ?? null, report.appeals ?? null, report.active ?? null], name).toEqual([
          want.requests ?? null,
          want.appeals ?? null,
          want.active ?? null,
        ]);
      }
    }
  });
});
