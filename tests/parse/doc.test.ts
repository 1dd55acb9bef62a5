/**
 * Word 97–2003 `.doc` reports (and WPS `.wps` files in the same binary format), read with
 * word-extractor: a table comes out one cell per line and goes to the plain-text reader.
 * Fixtures: corpus pages saved as .doc by LibreOffice (snapshots/doc/README.md), checked against
 * the corpus sidecars.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/decode/errors.js';
import { docToText } from '../../src/decode/doc.js';
import { parseReport } from '../../src/parse/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths, reparseStored } from '../../src/ingest/index.js';
import { tempDir } from '../store/helpers.js';

const DOC_DIR = join(CORPUS_DIR, '..', 'doc');
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;

describe('Word 97–2003 (.doc) reports', () => {
  for (const name of [
    'fujian-pingtan-2025',
    'fujian-pingtan-2023',
    'fujian-pingtan-2021',
    'fujian-pingtan-2019',
    'fujian-pingtan-2017',
    'fujian-pingtan-2016',
  ]) {
    it(`${name}.doc: metadata and every cell of the sidecar read`, async () => {
      const report = await parseReport(readFileSync(join(DOC_DIR, `${name}.doc`)), { fileName: `${name}.doc` });
      const want = expected(name);
      expect(report.input).toEqual({ kind: 'doc', charset: null });
      expect([report.format, report.year, report.published]).toEqual([want.format, want.year, want.published]);
      expect([report.active ?? null, report.requests ?? null, report.appeals ?? null]).toEqual([
        want.active ?? null,
        want.requests ?? null,
        want.appeals ?? null,
      ]);
      if (want.stats) {
        expect(report.stats?.map((s) => s.value)).toEqual(want.stats.map((s: { value: number | null }) => s.value));
      }
    });
  }

  it('a table comes out one cell per line, the paragraphs of a cell on its line', async () => {
    const lines = (await docToText(readFileSync(join(DOC_DIR, 'fujian-pingtan-2021.doc')))).split('\n');
    const at = lines.indexOf('一、本年新收政府信息公开申请数量');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 8)).toEqual(['64', '0', '0', '2', '0', '4', '70']);
    // Table 4's header cells are one character per paragraph in the page.
    expect(lines).toContain('结 果 维 持');
    // A label of two paragraphs (2025), and the section heading before a table, which is no cell.
    const lines2025 = (await docToText(readFileSync(join(DOC_DIR, 'fujian-pingtan-2025.doc')))).split('\n').map((l) => l.trim());
    expect(lines2025).toContain('1.申请人无正当理由逾期不补正、行政机关 不再处理其政府信息公开申请');
    expect(lines2025).toContain('三、收到和处理政府信息公开申请情况');
  });

  it('the same bytes named .wps are read the same way (WPS saves .wps in the Word format)', async () => {
    const bytes = readFileSync(join(DOC_DIR, 'fujian-pingtan-2019.doc'));
    const doc = await parseReport(bytes, { fileName: 'report.doc' });
    const wps = await parseReport(bytes, { fileName: 'report.wps' });
    expect(wps.input.kind).toBe('wps');
    expect(wps.cells).toEqual(doc.cells);
  });

  it('a .doc with no text is NB_PARSE_EMPTY; a cut one NB_PARSE_UNSUPPORTED naming the file', async () => {
    const empty = await parseReport(readFileSync(join(DOC_DIR, 'empty.doc')), { fileName: 'empty.doc' }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(DecodeError);
    expect((empty as DecodeError).code).toBe('NB_PARSE_EMPTY');
    expect((empty as DecodeError).message).toMatch(/^empty\.doc: is a Word 97–2003 \(\.doc\) document without any text/);
    const cut = readFileSync(join(DOC_DIR, 'fujian-pingtan-2021.doc')).subarray(0, 4096);
    const err = await parseReport(cut, { fileName: 'cut.doc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).code).toBe('NB_PARSE_UNSUPPORTED');
    expect((err as DecodeError).message).toMatch(/^cut\.doc: looks like a Word 97–2003 \(\.doc\) document but could not be read/);
  });
});

describe('a .doc an older nianbao stored as unreadable', () => {
  it('is read by `reparse` after the upgrade (the parser version changed), keeping its report id', async () => {
    const tmp = tempDir();
    try {
      const input = join(tmp.dir, 'in');
      mkdirSync(input);
      copyFileSync(join(DOC_DIR, 'fujian-pingtan-2019.doc'), join(input, '2019年报.doc'));
      const db = openDatabase(join(tmp.dir, 'old.db'));
      const snapshotsDir = join(tmp.dir, 'snapshots');
      // What 0.2.2 did with a .doc: refuse it.
      const refuse = async (): Promise<never> => {
        throw new DecodeError('NB_PARSE_UNSUPPORTED', 'is a Word 97–2003 (.doc) document; …', { kind: 'doc' });
      };
      await ingestPaths(db, [input], { snapshotsDir, parse: refuse });
      db.prepare("UPDATE reports SET parser_version = '0.2.2'").run();
      const before = db.prepare('SELECT id, status, error_code FROM reports').get() as { id: number; status: string; error_code: string };
      expect(before).toMatchObject({ status: 'failed', error_code: 'NB_PARSE_UNSUPPORTED' });
      const s = await reparseStored(db, { snapshotsDir });
      expect([s.updated, s.ok]).toEqual([1, 1]);
      const after = db.prepare('SELECT id, status, format, year, input_kind FROM reports').get();
      expect(after).toEqual({ id: before.id, status: 'ok', format: '2019', year: 2019, input_kind: 'doc' });
      const want = expected('fujian-pingtan-2019').requests!;
      const total = db.prepare("SELECT value FROM cells WHERE table_name = 'requests' AND row_key = 'total' AND col_key = 'total'").pluck().get();
      expect(total).toBe(want['total']!['total']);
      db.close();
    } finally {
      tmp.cleanup();
    }
  });
});
