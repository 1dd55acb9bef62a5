/**
 * The page-template rule (src/store/template-changes.ts) on its own: which sentence changes recur
 * across one site's revisions of a run, and which revisions changed nothing else.
 */
import { describe, expect, it } from 'vitest';
import {
  findTemplateChanges,
  groupsOf,
  recurringTemplateKeys,
  revisionGroup,
  sentenceChangeKey,
  TEMPLATE_MIN_REVISIONS,
  type RevisionInput,
  type SentenceChangeInput,
} from '../../src/store/template-changes.js';

const FOOTER: SentenceChangeInput = { ord: 1, change: 'added', oldText: null, newText: '本网站已支持IPv6。' };
const PRINT: SentenceChangeInput = { ord: 2, change: 'changed', oldText: '【打印本页】【关闭窗口】', newText: '【打印】【关闭】' };

function revision(id: number, sentences: SentenceChangeInput[], o: Partial<RevisionInput> = {}): RevisionInput {
  return { id, group: 'site:a', cellsChanged: 0, sentencesTotal: sentences.length, sentences, ...o };
}

describe('findTemplateChanges', () => {
  it('marks a sentence change shared by 3 revisions of a site; a revision with nothing else is template-only', () => {
    const real: SentenceChangeInput = { ord: 3, change: 'changed', oldText: '全年受理申请12件。', newText: '全年受理申请13件。' };
    const out = findTemplateChanges([
      revision(1, [FOOTER, PRINT]),
      revision(2, [FOOTER, PRINT]),
      revision(3, [{ ...FOOTER, ord: 5 }, PRINT]),
      revision(4, [FOOTER, real]),
      revision(5, [FOOTER], { cellsChanged: 1 }),
    ]);
    expect(out.get(1)).toEqual({ templateOnly: true, templateOrds: [1, 2], fromOtherRuns: 0 });
    expect(out.get(2)).toEqual({ templateOnly: true, templateOrds: [1, 2], fromOtherRuns: 0 });
    expect(out.get(3)).toEqual({ templateOnly: true, templateOrds: [5, 2], fromOtherRuns: 0 });
    // Real changes stay; the template sentence is marked.
    expect(out.get(4)).toEqual({ templateOnly: false, templateOrds: [1], fromOtherRuns: 0 });
    expect(out.get(5)).toEqual({ templateOnly: false, templateOrds: [1], fromOtherRuns: 0 });
  });

  it('leaves a change shared by fewer revisions than the threshold alone', () => {
    expect(TEMPLATE_MIN_REVISIONS).toBe(3);
    const out = findTemplateChanges([revision(1, [FOOTER]), revision(2, [FOOTER]), revision(3, [PRINT])]);
    expect(out.size).toBe(0);
  });

  it('needs at least half of the site revisions when the site has many', () => {
    const others = Array.from({ length: 5 }, (_, i) => revision(10 + i, [{ ord: 1, change: 'added', oldText: null, newText: `第${i}条新内容。` }]));
    const three = [revision(1, [FOOTER]), revision(2, [FOOTER]), revision(3, [FOOTER])];
    // 3 of 8 revisions: below half, no template change.
    expect(findTemplateChanges([...three, ...others]).size).toBe(0);
    // 3 of 6: half.
    expect([...findTemplateChanges([...three, ...others.slice(0, 3)]).keys()]).toEqual([1, 2, 3]);
  });

  it('counts per site: the same change on two sites is not pooled', () => {
    const out = findTemplateChanges([
      revision(1, [FOOTER]),
      revision(2, [FOOTER]),
      revision(3, [FOOTER], { group: 'site:b' }),
      revision(4, [FOOTER], { group: 'site:b' }),
    ]);
    expect(out.size).toBe(0);
  });

  it("counts by host as well: the same change on three sites of one host is the host's template", () => {
    const onHost = (id: number, site: string, host: string): RevisionInput => revision(id, [FOOTER], { group: `site:${site}`, host: `host:${host}` });
    const out = findTemplateChanges([onHost(1, 'a', 'h'), onHost(2, 'b', 'h'), onHost(3, 'c', 'h')]);
    expect([...out.values()].map((v) => v.templateOnly)).toEqual([true, true, true]);
    // Three sites on three hosts: no group holds three.
    expect(findTemplateChanges([onHost(1, 'a', 'h1'), onHost(2, 'b', 'h2'), onHost(3, 'c', 'h3')]).size).toBe(0);
    expect(groupsOf({ group: 'host:h', host: 'host:h' })).toEqual(['host:h']);
  });

  it('compares normalised sentences: width and spacing do not tell changes apart', () => {
    const wide: SentenceChangeInput = { ord: 1, change: 'added', oldText: null, newText: '本网站已支持ＩＰｖ６ 。' };
    expect(sentenceChangeKey(wide)).toBe(sentenceChangeKey(FOOTER));
    expect(sentenceChangeKey({ ...FOOTER, change: 'removed', oldText: FOOTER.newText, newText: null })).not.toBe(sentenceChangeKey(FOOTER));
    expect(findTemplateChanges([revision(1, [FOOTER]), revision(2, [wide]), revision(3, [FOOTER])]).get(2)?.templateOnly).toBe(true);
  });

  it('is not template-only when sentence changes were not kept (past the first 50) or a value changed', () => {
    const out = findTemplateChanges([revision(1, [FOOTER], { sentencesTotal: 60 }), revision(2, [FOOTER], { cellsChanged: 2 }), revision(3, [FOOTER])]);
    expect(out.get(1)?.templateOnly).toBe(false);
    expect(out.get(2)?.templateOnly).toBe(false);
    expect(out.get(3)?.templateOnly).toBe(true);
  });
});

describe('sentenceChangeKey: numbers that stayed the same', () => {
  const reworded = (date: string): SentenceChangeInput => ({ ord: 1, change: 'changed', oldText: `时间：${date}`, newText: `发布时间：${date}` });

  it("compares a reworded line without the numbers it kept, so each page's own date does not tell the changes apart", () => {
    expect(sentenceChangeKey(reworded('2017-01-18 15:57'))).toBe(sentenceChangeKey(reworded('2024-03-08 15:34')));
    // The same edit in a line that also names each page's own source.
    const withSource = (source: string, date: string): SentenceChangeInput => ({
      ord: 1,
      change: 'changed',
      oldText: `来源：${source} 时间：${date}`,
      newText: `来源：${source} 发布时间：${date}`,
    });
    expect(sentenceChangeKey(withSource('平潭县人民政府', '2017-01-18 15:57'))).toBe(
      sentenceChangeKey(withSource('平潭综合实验区管委会办公室', '2024-03-08 15:34')),
    );
    // Another edit, or the same words put elsewhere, is another change.
    expect(sentenceChangeKey(withSource('甲', '2017-01-18'))).not.toBe(
      sentenceChangeKey({ change: 'changed', oldText: '来源：甲 时间：2017-01-18', newText: '来源：甲 更新时间：2017-01-18' }),
    );
    expect(sentenceChangeKey(withSource('甲', '2017-01-18'))).not.toBe(
      sentenceChangeKey({ change: 'changed', oldText: '来源：甲 日期：2017-01-18', newText: '来源：甲 发布日期：2017-01-18' }),
    );
    const out = findTemplateChanges([
      revision(1, [reworded('2017-01-18 15:57')]),
      revision(2, [reworded('2020-01-20 15:22')]),
      revision(3, [reworded('2024-03-08 15:34')]),
    ]);
    expect([...out.values()].map((v) => v.templateOnly)).toEqual([true, true, true]);
  });

  it('keeps the numbers of a change that changed a number, and of added or removed sentences', () => {
    const fix = (from: number, to: number): SentenceChangeInput => ({
      ord: 1,
      change: 'changed',
      oldText: `全年受理申请${from}件。`,
      newText: `全年受理申请${to}件。`,
    });
    expect(sentenceChangeKey(fix(12, 13))).not.toBe(sentenceChangeKey(fix(15, 16)));
    expect(findTemplateChanges([revision(1, [fix(12, 13)]), revision(2, [fix(15, 16)]), revision(3, [fix(20, 21)])]).size).toBe(0);
    // A number moved: not the same numbers in the same order.
    expect(sentenceChangeKey({ change: 'changed', oldText: '第1页共2页', newText: '第2页共1页' })).not.toBe(
      sentenceChangeKey({ change: 'changed', oldText: '第3页共4页', newText: '第4页共3页' }),
    );
    const added = (n: number): SentenceChangeInput => ({ ord: 1, change: 'added', oldText: null, newText: `本年新增申请${n}件。` });
    expect(sentenceChangeKey(added(3))).not.toBe(sentenceChangeKey(added(4)));
  });
});

describe('findTemplateChanges with changes other runs recognised (known)', () => {
  const known = new Map([['site:a', new Set([sentenceChangeKey(FOOTER)])]]);

  it('marks a known change on a single revision of the site, and says it came from other runs', () => {
    expect(findTemplateChanges([revision(1, [FOOTER])]).size).toBe(0);
    expect(findTemplateChanges([revision(1, [FOOTER])], undefined, undefined, known).get(1)).toEqual({
      templateOnly: true,
      templateOrds: [1],
      fromOtherRuns: 1,
    });
    // With a change of the run's own beside it: only the known one came from other runs.
    const out = findTemplateChanges([revision(1, [FOOTER, PRINT]), revision(2, [PRINT]), revision(3, [PRINT])], undefined, undefined, known);
    expect(out.get(1)).toEqual({ templateOnly: true, templateOrds: [1, 2], fromOtherRuns: 1 });
  });

  it('keeps a known change to its own site, and does not mark other changes', () => {
    const real: SentenceChangeInput = { ord: 2, change: 'changed', oldText: '全年受理申请12件。', newText: '全年受理申请13件。' };
    const out = findTemplateChanges([revision(1, [FOOTER], { group: 'site:b' }), revision(2, [FOOTER, real])], undefined, undefined, known);
    expect(out.has(1)).toBe(false);
    expect(out.get(2)).toEqual({ templateOnly: false, templateOrds: [1], fromOtherRuns: 1 });
  });
});

describe('recurringTemplateKeys', () => {
  it('gives the keys that recur often enough, by group', () => {
    const keys = recurringTemplateKeys([revision(1, [FOOTER, PRINT]), revision(2, [FOOTER]), revision(3, [FOOTER]), revision(4, [PRINT], { group: 'site:b' })]);
    expect([...keys.keys()]).toEqual(['site:a']);
    expect([...keys.get('site:a')!]).toEqual([sentenceChangeKey(FOOTER)]);
  });
});

describe('revisionGroup', () => {
  it('is the crawl site, else the host, else the run files', () => {
    expect(revisionGroup('pingtan', 'http://a.example/x.html')).toBe('site:pingtan');
    expect(revisionGroup(null, 'http://a.example/x.html')).toBe('host:a.example');
    expect(revisionGroup(null, 'file:///data/x.html')).toBe('files');
    expect(revisionGroup(null, null)).toBe('files');
  });
});
