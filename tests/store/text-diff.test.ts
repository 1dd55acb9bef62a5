/**
 * The text difference of two versions of a report (src/store/text-diff.ts) on the prose of a
 * corpus report as the parser reads it: what counts as the same text (spacing, line breaks,
 * character width, a page counter), how sentences pair up, and the bound on what is kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseReport } from '../../src/parse/report.js';
import { proseText } from '../../src/store/report-rows.js';
import { TEXT_CHANGES_KEPT, TEXT_CHARS_KEPT, describeTextDiff, reportSentences, textDiff } from '../../src/store/text-diff.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('textDiff', () => {
  let prose = '';
  beforeAll(async () => {
    const file = join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html');
    prose = proseText((await parseReport(readFileSync(file), { fileName: 'fujian-pingtan-2021.html' })).text);
  });

  it('finds the same text in a version that differs only in spacing, line breaks, width and a page counter', () => {
    expect(reportSentences(prose).length).toBeGreaterThan(20);
    const respaced = prose
      .replaceAll('，', ',')
      .replaceAll('（', '(')
      .replaceAll('）', ')')
      .replaceAll('2021', '２０２１')
      .replaceAll('。', '。\n  ')
      .replace('按照', '按\u3000照');
    expect(respaced).not.toBe(prose);
    expect(textDiff(prose, `${respaced}\n浏览次数：12345`)).toBeNull();
    expect(textDiff(`${prose}\n今天是2026年12月7日 星期一`, prose)).toBeNull();
  });

  it('a sentence cut by a new line break, next to no other change, is no change', () => {
    const cut = prose.replace('我区编制完成了本报告。', '我区编制完成\n了本报告。');
    expect(cut).not.toBe(prose);
    expect(textDiff(prose, cut)).toBeNull();
  });

  it('pairs a reworded sentence as changed and an unrelated one as removed and added', () => {
    const next = prose
      .replace('政府信息2645条', '政府信息2745条')
      .replace('2021年，无收取信息处理费情况。', '本报告另附说明。')
      .replace('一、总体情况', '一、总体情况\n新增的一句话。');
    const d = textDiff(prose, next)!;
    expect(d).toMatchObject({ changed: 1, added: 2, removed: 1 });
    expect(d.changes.map((c) => c.change)).toEqual(['added', 'changed', 'removed', 'added']);
    expect(d.changes[0]!.newText).toBe('新增的一句话。');
    expect(d.changes[1]!.oldText).toContain('2645条');
    expect(d.changes[1]!.newText).toBe(d.changes[1]!.oldText!.replace('2645', '2745'));
    expect(describeTextDiff(d)).toBe('1 sentence changed, 2 added, 1 removed');
  });

  it('keeps the first changes of a long rewrite and counts them all; cuts a long sentence', () => {
    const many = Array.from({ length: 120 }, (_, i) => `第${i}条新增说明：本机关全年办理事项${i * 3 + 1}件。`).join('\n');
    const long = `${'很长的一段话没有句号'.repeat(100)}。`;
    const d = textDiff(prose, `${prose}\n${long}\n${many}`)!;
    expect(d).toMatchObject({ changed: 0, added: 121, removed: 0 });
    expect(d.changes).toHaveLength(TEXT_CHANGES_KEPT);
    expect(d.changes[0]!.newText).toHaveLength(TEXT_CHARS_KEPT);
    expect(d.changes[0]!.newText!.endsWith('…')).toBe(true);
    expect(d.changes[1]!.newText).toBe('第0条新增说明：本机关全年办理事项1件。');
  });

  it('a text replaced whole is its sentences removed and the new ones added', () => {
    const d = textDiff(prose, '全新的报告。只有两句。')!;
    expect(d.added).toBe(2);
    expect(d.removed).toBe(reportSentences(prose).length);
  });
});
