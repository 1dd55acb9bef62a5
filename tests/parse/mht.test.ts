/**
 * Web archives (MHTML): Word's "single file web page" (.mht, also saved under a .doc name) and a
 * browser's "web page, single file" (.mhtml). The page is a quoted-printable part in the charset
 * its part header names (GB2312 from Word). Fixtures: corpus pages wrapped by
 * snapshots/mht/make-fixtures.py, checked against the corpus sidecars.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/decode/errors.js';
import { detectKind } from '../../src/decode/kind.js';
import { decodeDocument } from '../../src/decode/index.js';
import { parseReport } from '../../src/parse/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const MHT_DIR = join(CORPUS_DIR, '..', 'mht');
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;

const FIXTURES: [file: string, corpus: string][] = [
  ['fujian-pingtan-2021.mht', 'fujian-pingtan-2021'],
  ['fujian-pingtan-2019.doc', 'fujian-pingtan-2019'],
  ['fujian-pingtan-2023.mhtml', 'fujian-pingtan-2023'],
];

describe('web archives (MHTML)', () => {
  for (const [file, name] of FIXTURES) {
    it(`${file}: read as its page, every cell and the metadata`, async () => {
      const bytes = readFileSync(join(MHT_DIR, file));
      expect(detectKind(bytes, file)).toBe('mht');
      const report = await parseReport(bytes, { fileName: file });
      const want = expected(name);
      expect(report.input).toEqual({ kind: 'mht', charset: null });
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
    });
  }

  it('the Word archive is GB2312 quoted-printable: decoded from its part header, soft line breaks inside characters joined', async () => {
    const bytes = readFileSync(join(MHT_DIR, 'fujian-pingtan-2021.mht'));
    expect(bytes.toString('latin1')).toMatch(/charset="gb2312"[\s\S]*=\r\n/);
    const decoded = await decodeDocument(bytes, { fileName: 'a.mht' });
    expect(decoded.kind).toBe('html');
    expect(decoded.text).toContain('收到和处理政府信息公开申请情况');
    expect(decoded.text).not.toMatch(/=\r?\n|=3D/);
  });

  it('an HTML page or a text that only mentions MIME headers is not an archive', () => {
    const page = Buffer.from('<html><body><pre>MIME-Version: 1.0\nContent-Type: multipart/related; boundary="x"\n\n</pre></body></html>');
    expect(detectKind(page, 'a.html')).toBe('html');
    expect(detectKind(Buffer.from('说明\nMIME-Version: 1.0\n\nContent-Type: multipart/related\n'), 'a.txt')).toBe('text');
  });

  it('an archive without a page is NB_PARSE_EMPTY, naming the file', async () => {
    const onlyImage = Buffer.from(
      [
        'MIME-Version: 1.0',
        'Content-Type: multipart/related; boundary="b"',
        '',
        '--b',
        'Content-Type: image/png',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const err = await parseReport(onlyImage, { fileName: 'pic.mht' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect(err).toMatchObject({ code: 'NB_PARSE_EMPTY', file: 'pic.mht', kind: 'mht' });
  });

  it('a cut-off archive still gives what it holds', async () => {
    const bytes = readFileSync(join(MHT_DIR, 'fujian-pingtan-2021.mht'));
    const half = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    const report = await parseReport(half, { fileName: 'half.mht' });
    expect(report.title).toBe(expected('fujian-pingtan-2021').title);
    expect(report.requests?.new_received).toEqual(expected('fujian-pingtan-2021').requests?.new_received);
  });
});
