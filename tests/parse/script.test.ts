/**
 * Reports copied to mirror sites in traditional characters, with pinyin after characters
 * (FORMAT.md §7.12): every corpus document, converted the way such mirrors are made (OpenCC
 * simplified → traditional, also the Taiwan variant), must read the hand-checked values.
 */
import { readFileSync } from 'node:fs';
import { Converter } from 'opencc-js/cn2t';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/parse/report.js';
import { parseHtmlReport } from '../../parsers/report.js';
import { detectTraditional, stripPinyin, toReadableScript } from '../../parsers/script.js';
import type { ParsedReport } from '../../parsers/types.js';
import { corpusDocs, type CorpusDoc } from '../helpers/corpus.js';

const docs = corpusDocs();
const toTraditional = Converter({ from: 'cn', to: 't' });
const toTaiwan = Converter({ from: 'cn', to: 'tw' });

/** Pinyin after every third of some common characters, as the mirrors put it. */
const PINYIN: Record<string, string> = { 公: 'gōng', 開: 'kāi', 开: 'kāi', 信: 'xìn', 息: 'xī', 申: 'shēn', 請: 'qǐng', 请: 'qǐng', 的: 'de' };
function injectPinyin(text: string): string {
  let i = 0;
  return text.replace(/[公開开信息申請请的]/g, (c) => (i++ % 3 === 0 ? `${c}(${PINYIN[c]})` : c));
}

function expectValues(report: ParsedReport, doc: CorpusDoc): void {
  const want = doc.expected;
  for (const table of ['active', 'requests', 'appeals'] as const) {
    if (want[table]) expect(report[table], table).toEqual(want[table]);
    else expect(report[table], table).toBeUndefined();
  }
  if (want.stats) {
    expect(report.stats?.map(({ label, value, cumulative }) => ({ label: label.replace(/\s+/g, ''), value, cumulative }))).toEqual(
      want.stats.map(({ label, value, cumulative }) => ({ label: label.replace(/\s+/g, ''), value, cumulative })),
    );
  }
  expect(report.format).toBe(want.format);
  expect(report.year).toBe(want.year);
  expect(report.published).toBe(want.published ?? null);
  // The spaces a PDF's layout puts between digits and characters ("2025 年") are no part of a title.
  expect(report.title?.replace(/\s+/g, '')).toBe(want.title?.replace(/\s+/g, ''));
  expect(report.agency).toBe(want.agency);
}

const converted = (r: ParsedReport) => r.issues.filter((i) => i.rule === 'report.text_converted');

describe('documents in traditional characters read as their simplified originals', () => {
  it('has the corpus copy', () => expect(docs.length).toBeGreaterThanOrEqual(15));
  for (const doc of docs) {
    it(doc.name, async () => {
      const original = readFileSync(doc.path, 'utf8');
      const plain = await parseReport(Buffer.from(original), { fileName: doc.name });
      expect(converted(plain)).toEqual([]);
      for (const convert of [toTraditional, toTaiwan]) {
        const text = convert(original);
        expect(text).not.toBe(original);
        const report = await parseReport(Buffer.from(text), { fileName: doc.name });
        expectValues(report, doc);
        const [finding] = converted(report);
        expect(finding?.message).toMatch(/traditional characters \(\d+ of its \d+ Chinese characters/);
        expect(finding?.severity).toBe('warning');
        // The same findings otherwise: conversion adds its own and loses none.
        expect(report.issues.map((i) => i.rule).filter((r) => r !== 'report.text_converted')).toEqual(plain.issues.map((i) => i.rule));
      }
    });
  }
});

describe('pinyin put after characters is removed', () => {
  for (const doc of docs.filter((d) => d.name.endsWith('.html'))) {
    it(doc.name, async () => {
      const original = readFileSync(doc.path, 'utf8');
      for (const text of [injectPinyin(original), injectPinyin(toTraditional(original))]) {
        expect(text).toContain('公(gōng)');
        const report = await parseReport(Buffer.from(text), { fileName: doc.name });
        expectValues(report, doc);
        expect(converted(report)[0]?.message).toMatch(/\d+ pinyin annotation\(s\)/);
      }
    });
  }

  it('removes only syllables: marked ones always, unmarked ones on a page that has marked ones', () => {
    expect(stripPinyin('政府信息公(gōng)开（kāi）工作').text).toBe('政府信息公开工作');
    expect(stripPinyin('附件(pdf)下载').removed).toBe(0);
    // One marked annotation: "(de)" alone proves nothing.
    expect(stripPinyin('公(gōng)开 我的(de)报告 附件(pdf)').text).toBe('公开 我的(de)报告 附件(pdf)');
    // Three marked ones: the neutral-tone syllable goes too; "pdf" is no syllable and stays.
    expect(stripPinyin('公(gōng)开(kāi)信(xìn)息 我的(de)报告 附件(pdf)').text).toBe('公开信息 我的报告 附件(pdf)');
    // Pinyin written as a pronunciation guide in Latin text is not after a character: kept.
    expect(stripPinyin('Pingtan (píng tán)').removed).toBe(0);
  });
});

describe('simplified pages are left as they are', () => {
  it('a page with a 繁體 link, a 台灣 name and a quoted traditional phrase is not converted', () => {
    const doc = docs.find((d) => d.name === 'fujian-pingtan-2021.html')!;
    const original = readFileSync(doc.path, 'utf8');
    const page = original.replace('</body>', '<div class="top"><a href="/big5/">繁體</a> 台灣同胞 《資訊公開法》 舊聞 關於我們</div></body>');
    expect(detectTraditional(page)).toBeNull();
    const script = toReadableScript(page);
    expect(script.text).toBe(page);
    const report = parseHtmlReport(page);
    expect(converted(report)).toEqual([]);
    expect(report.requests).toEqual(doc.expected.requests);
  });

  it('a traditional page is found by the share of its characters, not by a few words', () => {
    expect(detectTraditional('開關處請報與為機業構')).toEqual({ markers: 10, han: 10 });
    expect(detectTraditional('開關處請報與為機業構'.padEnd(2000, '简'))).toBeNull();
  });
});
