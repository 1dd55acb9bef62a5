/**
 * Which of the six report sections appear, by their headings (matched by keywords, not exact
 * strings: FORMAT.md §3.1), and whether the text looks like a pre-2019 report.
 */
import type { Token } from './stream.js';
import type { SectionPresence } from './types.js';

const HEADING = /^[一二三四五六七八九十]{1,3}[、.．]/;

const KEYWORDS: readonly [keyof SectionPresence, RegExp][] = [
  ['overview', /总体情况|概述|基本情况/],
  ['active', /主动公开/],
  ['requests', /收到和处理|依申请公开/],
  ['appeals', /复议.*诉讼|诉讼.*复议/],
  ['problems', /问题.*改进|改进.*问题|主要问题/],
  ['other', /其他需要报告/],
];

export function findSections(tokens: readonly Token[]): SectionPresence {
  const found: SectionPresence = { overview: false, active: false, requests: false, appeals: false, problems: false, other: false };
  for (const t of tokens) {
    if (t.kind !== 'para' || t.norm.length > 60 || !HEADING.test(t.norm)) continue;
    for (const [key, pattern] of KEYWORDS) if (pattern.test(t.norm)) found[key] = true;
  }
  return found;
}

/** Headings typical of 2008–2018 reports (条例 2007 第三十二条 chapters). */
export function looksPre2019(tokens: readonly Token[]): boolean {
  let hits = 0;
  for (const t of tokens) {
    if (t.kind !== 'para' || t.norm.length > 60 || !HEADING.test(t.norm)) continue;
    if (/依申请公开政府信息情况|收费及减免|因政府信息公开申请(?:提起)?行政复议|统计表/.test(t.norm)) hits++;
  }
  return hits >= 1;
}
