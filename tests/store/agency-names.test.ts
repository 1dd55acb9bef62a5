/**
 * What an agency's name says (src/agencies/names.ts): the identity rules that alone merge two
 * names automatically, region, level and kind, and the look-alikes listed for review.
 */
import { describe, expect, it } from 'vitest';
import { nameFacts, REVIEW_THRESHOLD, reviewSimilarity } from '../../src/agencies/names.js';
import { findAgency } from '../../src/agencies/edit.js';
import { openDatabase } from '../../src/store/db.js';

const identity = (n: string) => nameFacts(n).identity;

describe('agency names', () => {
  it("one people's government however it is named", () => {
    for (const n of ['丙县', '丙县人民政府', '丙县政府', ' 丙县 人民政府 ']) expect(identity(n), n).toBe('gov:丙县');
    expect(identity('平潭综合实验区')).toBe(identity('平潭综合实验区党工委管委会'));
    expect(identity('阿城区蜚克图街道')).toBe(identity('阿城区蜚克图街道办事处'));
    expect(identity('上海市人民政府办公厅')).toBe(identity('上海市政府办公厅'));
    expect(identity('上海市人民政府办公厅')).not.toBe(identity('上海市人民政府'));
  });

  it('never one body by rule: departments, different regions', () => {
    expect(identity('丙县教育局')).not.toBe(identity('丙县教育体育局'));
    expect(identity('丙县')).not.toBe(identity('丁县'));
    expect(identity('福州市鼓楼区')).not.toBe(identity('南京市鼓楼区'));
  });

  it('region, level and kind from the name', () => {
    expect(nameFacts('福州市鼓楼区人民政府')).toMatchObject({ kind: 'government', level: 'county', region: { city: '福州市', county: '鼓楼区' } });
    expect(nameFacts('福州市市场监督管理局')).toMatchObject({ kind: 'department', level: 'city', region: { city: '福州市', county: null } });
    expect(nameFacts('福州市城市管理局')).toMatchObject({ kind: 'department', level: 'city', rest: '城市管理局' });
    expect(nameFacts('上海市人民政府办公厅')).toMatchObject({ kind: 'government_office', level: 'province' });
    expect(nameFacts('福建省')).toMatchObject({ kind: 'government', level: 'province' });
    expect(nameFacts('丙县某某镇人民政府')).toMatchObject({ kind: 'township', level: 'township' });
    expect(nameFacts('国务院办公厅')).toMatchObject({ level: 'national', regionPath: '' });
  });

  it('look-alikes of one region and kind are listed for review; unlike names and other regions are not', () => {
    expect(reviewSimilarity('丙县教育局', '丙县教育体育局')).toBeGreaterThanOrEqual(REVIEW_THRESHOLD);
    expect(reviewSimilarity('丙县卫生和计划生育委员会', '丙县卫生健康委员会')).toBeGreaterThanOrEqual(REVIEW_THRESHOLD);
    expect(reviewSimilarity('丙县教育局', '丙县公安局')).toBeLessThan(REVIEW_THRESHOLD);
    expect(reviewSimilarity('丙县发展和改革委员会', '丙县卫生健康委员会')).toBeLessThan(REVIEW_THRESHOLD);
    expect(reviewSimilarity('丙县教育局', '丁县教育局')).toBe(0);
    expect(reviewSimilarity('丙县人民政府', '丙县政府')).toBe(0); // one identity: merged by rule, not reviewed
  });

  it('an agency is found by id, name, key or alias; an unknown one is a clear error', () => {
    const db = openDatabase(':memory:');
    try {
      db.prepare("INSERT INTO agencies (key, name, source, created_at) VALUES ('site:x', '某某县财政局', 'registry', '2026-01-01')").run();
      db.prepare("INSERT INTO agency_aliases (alias, agency_id, source) VALUES ('某某县财政厅', 1, 'user')").run();
      for (const ref of [1, '1', '某某县财政局', ' 某某县 财政局', 'site:x', '某某县财政厅']) expect(findAgency(db, ref).id, String(ref)).toBe(1);
      expect(() => findAgency(db, '某某县税务局')).toThrow(/no agency has the id, name or alias "某某县税务局"/);
    } finally {
      db.close();
    }
  });
});
