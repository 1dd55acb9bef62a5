/**
 * The fuzzer checks itself: cases are reproducible, operators do what they say, junk can never
 * write a number, and the oracle fails on a planted silent wrong number (so a green fuzz run means
 * something).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCellNumber } from '../../parsers/number.js';
import type { ParsedReport } from '../../parsers/types.js';
import { generateCase, loadFuzzCorpus, runCase, type FuzzDoc } from './engine.js';
import { encodeState, HTML_OPERATORS, planEdit, RANDOM_BYTE_POOL, rowGroups, TEXT_OPERATORS, valueCells, type MutationState } from './mutators.js';
import { cellMap, checkReport, evaluate, identities } from './oracle.js';
import { caseSeed, createRng } from './prng.js';

let docs: FuzzDoc[] = [];
beforeAll(async () => {
  docs = await loadFuzzCorpus();
});
const doc = (name: string) => docs.find((d) => d.name === name)!;
const stateOf = (d: FuzzDoc): MutationState => ({
  kind: d.kind,
  source: d.source,
  encoding: { kind: 'utf8' },
  byteOps: [],
  fileName: d.name,
  contentType: undefined,
});

describe('PRNG and case generation', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const seqA = Array.from({ length: 50 }, () => a.int(1000));
    expect(Array.from({ length: 50 }, () => b.int(1000))).toEqual(seqA);
    const c = createRng(43);
    expect(Array.from({ length: 50 }, () => c.int(1000))).not.toEqual(seqA);
    expect(caseSeed(1, 0)).not.toBe(caseSeed(1, 1));
    expect(caseSeed(1, 0)).not.toBe(caseSeed(2, 0));
  });

  it('builds case i of a seed identically every time, whatever was built before', () => {
    const first = generateCase(docs, 9, 17);
    for (let i = 0; i < 5; i++) generateCase(docs, 9, i);
    const again = generateCase(docs, 9, 17);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(again.mutations).toEqual(first.mutations);
    expect(Buffer.from(generateCase(docs, 10, 17).bytes).equals(Buffer.from(first.bytes))).toBe(false);
  });
});

describe('operators', () => {
  const sampleFor = (kind: 'html' | 'text') => docs.filter((d) => d.kind === kind && d.baselineCells.size > 0);

  for (const [kind, ops] of [
    ['html', HTML_OPERATORS],
    ['text', TEXT_OPERATORS],
  ] as const) {
    for (const [name, op] of ops) {
      it(`${kind}: ${name} changes the document`, () => {
        let applied = 0;
        for (const [i, d] of sampleFor(kind).entries()) {
          const s = stateOf(d);
          const detail = op(s, createRng(1000 + i));
          if (detail === null) continue;
          applied++;
          expect(typeof detail).toBe('string');
          const changed = s.source !== d.source || s.byteOps.length > 0 || s.encoding.kind !== 'utf8' || s.fileName !== d.name || s.contentType !== undefined;
          expect(changed, `${name} on ${d.name}: ${detail}`).toBe(true);
        }
        expect(applied, `${name} applied to no ${kind} document`).toBeGreaterThan(0);
      });
    }
  }

  it('junk and random bytes hold no number syntax', () => {
    for (const b of [0x2b, 0x2c, 0x2d, 0x2e, ...'0123456789'.split('').map((c) => c.charCodeAt(0))]) expect(RANDOM_BYTE_POOL).not.toContain(b);
    // insertJunk on a page of digits only never adds a digit.
    const [, insertJunk] = HTML_OPERATORS.find(([n]) => n === 'insertJunk')!;
    for (let i = 0; i < 200; i++) {
      const s: MutationState = {
        kind: 'html',
        source: '<table><tr><td>1</td></tr></table>',
        encoding: { kind: 'utf8' },
        byteOps: [],
        fileName: 'x.html',
        contentType: undefined,
      };
      insertJunk(s, createRng(i));
      expect(s.source.normalize('NFKC').replace(/[^0-9.,+-]/g, '')).toBe('1');
    }
  });

  it('the GBK splice and the byte operators produce the bytes they describe', () => {
    const s: MutationState = {
      kind: 'text',
      source: '规章 | 1 |',
      encoding: { kind: 'gbk-splice', start: 0, end: 2 },
      byteOps: [],
      fileName: 'x.txt',
      contentType: undefined,
    };
    expect([...encodeState(s)]).toEqual([0xb9, 0xe6, 0xd5, 0xc2, ...Buffer.from(' | 1 |')]);
    s.byteOps.push({ kind: 'truncate', at: 0.5 });
    expect(encodeState(s).length).toBe(5);
  });

  it('shuffles pipe text by rows: a label moves with its values', () => {
    const text = ['信息内容 |', '本年制发件数 |', '规章 |', '1 |', '2 |', '|', '行政规范性文件 |', '3 |', '4 |', '说明文字', '行政许可 | 5 |'].join('\n');
    const groups = rowGroups(text).map((g) => text.slice(g.start, g.end).split('\n'));
    expect(groups).toEqual([
      ['信息内容 |', '本年制发件数 |', '规章 |', '1 |', '2 |', '|'],
      ['行政规范性文件 |', '3 |', '4 |'],
      ['说明文字'],
      ['行政许可 | 5 |'],
    ]);
  });

  it('plans a digit edit of a value cell and the sentinel probe source', () => {
    const d = doc('fujian-pingtan-2025.html');
    const cells = valueCells(d);
    expect(cells.length).toBeGreaterThan(150);
    for (let i = 0; i < 30; i++) {
      const e = planEdit('html', d.source, createRng(i))!;
      expect(e.to === '' || Number(e.to) !== Number(e.cell.text)).toBe(true);
      expect(e.edited).not.toBe(d.source);
      expect(e.probe).toContain('9081726');
      if (e.to !== '') expect(parseCellNumber(e.to).value).toBe(Number(e.to));
    }
  });
});

describe('oracle', () => {
  const clone = (r: ParsedReport) => structuredClone(r);

  it('fails a table number that changed without a finding on its row', () => {
    const d = doc('fujian-pingtan-2025.html');
    const report = clone(d.baseline);
    report.active!['licensing']!['decisions'] = 2419;
    report.cells.find((c) => c.row === 'licensing')!.value = 2419;
    const r = checkReport({ baseline: d.baseline, reference: d.baselineCells, report, editKey: null });
    expect(r.unflaggedWrong.map((w) => w.path)).toEqual(['active.licensing.decisions']);
    // A finding on the row flags it.
    report.issues.push({ rule: 'report.row_shape', severity: 'warning', message: 'x', cells: ['active.licensing.decisions'] });
    expect(checkReport({ baseline: d.baseline, reference: d.baselineCells, report, editKey: null }).unflaggedWrong).toEqual([]);
  });

  it('fails a cell the parse lost without a finding, and counts a blanked zero apart', () => {
    const d = doc('fujian-pingtan-2025.html');
    const report = clone(d.baseline);
    delete report.active!['coercion'];
    report.cells = report.cells.filter((c) => c.row !== 'coercion');
    report.requests!['carried_over']!['legal'] = null;
    const cell = report.cells.find((c) => c.table === 'requests' && c.row === 'carried_over' && c.col === 'legal')!;
    Object.assign(cell, { value: null, raw: '', flags: ['blank'] });
    const r = checkReport({ baseline: d.baseline, reference: d.baselineCells, report, editKey: null });
    expect(r.unflaggedLost).toEqual(['active.coercion.decisions']);
    expect(r.zeroBlank).toBe(1);
    expect(r.unflaggedWrong).toEqual([]);
  });

  it('evaluates the hard identities independently of the validator', () => {
    const d = doc('fujian-pingtan-2025.html');
    const ids = identities('2021');
    expect(ids.filter((id) => evaluate(id, d.baselineCells) === 'breaks')).toEqual([]);
    // Every identity holds but R1 of （六）其他处理, a row the 2021 format does not have.
    expect(ids.filter((id) => evaluate(id, d.baselineCells) === 'open').map((id) => id.name)).toEqual(['R1 other']);
    const edited = new Map(d.baselineCells);
    edited.set('requests.granted.natural_person', 34);
    const broken = ids.filter((id) => evaluate(id, edited) === 'breaks').map((id) => id.name);
    expect(broken).toEqual(['R1 granted', 'R2 natural_person']);
  });

  it('requires an error naming an edited cell that breaks an identity, and the parser gives one', async () => {
    const d = doc('fujian-pingtan-2025.html');
    // Find a case of the corpus run that only edits a table-3 value, and run it.
    for (let i = 0; i < 400; i++) {
      const c = generateCase(docs, 77, i);
      if (c.mutations.length !== 1 || c.mutations[0]!.op !== 'editValue' || c.doc !== d) continue;
      const result = await runCase(c);
      if (result.metrics.edit !== 'detectable') continue;
      expect(result.failures).toEqual([]);
      return;
    }
    throw new Error('no detectable pure edit of fujian-pingtan-2025.html among 400 cases of seed 77');
  });
});

describe('cellMap', () => {
  it('lists every keyed cell of a report', () => {
    const d = doc('fujian-pingtan-2021.html');
    expect(cellMap(d.baseline).size).toBe(d.baseline.cells.length);
  });
});
