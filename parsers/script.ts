/**
 * The script a report is written in (FORMAT.md §7.12). Copies of reports on mirror sites are
 * converted to traditional characters, sometimes with pinyin put after characters ("公(gōng)開");
 * the labels the parser matches are simplified, so such a page would read as no tables at all.
 * `toReadableScript` finds both and gives back the text in simplified characters without the
 * pinyin (OpenCC's traditional → mainland table, opencc-js, loaded on the first such page), with
 * counts for the report's `report.text_converted` finding. Pure: no I/O.
 */
import { createRequire } from 'node:module';

/**
 * Traditional forms common in every report (公開, 申請, 處理, 結果, 機關, 總計 …) that are never
 * written in simplified text. A simplified page may hold one or two (a "繁體" link); a
 * traditional one holds hundreds.
 */
const TRADITIONAL_MARKERS =
  '開關處請報與為機業構會務類數實結審總議訴訟規範條區時發導門間現應經員單複認證辦體權項運設計進調統護級縣鄉鎮場費決們來這個說對過還當從將點動網國際據戶傳達歷廣';
/** At least this many markers … */
const MIN_MARKERS = 8;
/** … and at least this share of the Han characters. */
const MIN_MARKER_SHARE = 0.02;
const TONE_MARKS = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ';
const TONE_MARK = new RegExp(`[${TONE_MARKS}]`);

/**
 * Per UTF-16 code unit: TONE for a pinyin tone mark, MARKER for a traditional marker. Every page
 * is scanned for both; a loop over this table is ~5× faster than the two character-class regexes.
 */
const TONE = 1;
const MARKER = 2;
const CHAR_CLASS = new Uint8Array(0x10000);
for (const c of TONE_MARKS) CHAR_CLASS[c.charCodeAt(0)]! |= TONE;
for (const c of TRADITIONAL_MARKERS) CHAR_CLASS[c.charCodeAt(0)]! |= MARKER;

/** Traditional markers in the text, and whether it holds a tone mark. */
function scanScript(text: string): { markers: number; toneMark: boolean } {
  let markers = 0;
  let toneMark = false;
  for (let i = 0; i < text.length; i++) {
    const c = CHAR_CLASS[text.charCodeAt(i)]!;
    if (c === 0) continue;
    if (c & MARKER) markers++;
    if (c & TONE) toneMark = true;
  }
  return { markers, toneMark };
}

/** Han characters (U+3400–U+9FFF) in the text. */
function countHan(text: string): number {
  let han = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x3400 && c <= 0x9fff) han++;
  }
  return han;
}
/** A Han character followed by a parenthesised syllable of Latin letters (pinyin), full- or half-width parentheses. */
const ANNOTATION = /([\u3400-\u9fff])[ \t]*[(（][ \t]*([a-zA-Züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]{1,7})[ \t]*[)）]/g;
/** The shape of a pinyin syllable written without a tone mark (neutral tone: de, le, men …). */
const PLAIN_SYLLABLE = /^(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:[aeiouv]|ü)+(?:n|ng|r)?$/;
/** Annotations with a tone mark a page needs before unmarked ones are taken as pinyin too. */
const MIN_MARKED_FOR_PLAIN = 3;

export interface ReadableScript {
  /** The text in simplified characters without pinyin annotations (the input itself when neither was found). */
  text: string;
  /** Set when the text was in traditional characters: marker characters found and Han characters in all. */
  traditional: { markers: number; han: number } | null;
  /** Pinyin annotations removed. */
  pinyin: number;
}

type Convert = (text: string) => string;
let toSimplified: Convert | undefined;
/** OpenCC traditional → mainland simplified (characters and variants), built on first use (~40 ms). */
function simplifier(): Convert {
  if (!toSimplified) {
    const opencc = createRequire(import.meta.url)('opencc-js/t2cn') as { Converter: (o: { from: string; to: string }) => Convert };
    toSimplified = opencc.Converter({ from: 't', to: 'cn' });
  }
  return toSimplified;
}

/** Whether the text is written in traditional characters (see TRADITIONAL_MARKERS), with the counts. */
export function detectTraditional(text: string): { markers: number; han: number } | null {
  return judgeTraditional(text, scanScript(text).markers);
}

function judgeTraditional(text: string, markers: number): { markers: number; han: number } | null {
  if (markers < MIN_MARKERS) return null;
  const han = countHan(text);
  return markers >= han * MIN_MARKER_SHARE ? { markers, han } : null;
}

/** Removes pinyin put after characters: "公(gōng)開" → "公開". Returns the text and how many were removed. */
export function stripPinyin(text: string): { text: string; removed: number } {
  return scanScript(text).toneMark ? stripMarkedPinyin(text) : { text, removed: 0 };
}

/** stripPinyin of a text known to hold a tone mark. */
function stripMarkedPinyin(text: string): { text: string; removed: number } {
  let marked = 0;
  for (const m of text.matchAll(ANNOTATION)) if (TONE_MARK.test(m[2]!)) marked++;
  if (marked === 0) return { text, removed: 0 };
  let removed = 0;
  const out = text.replace(ANNOTATION, (whole, han: string, syllable: string) => {
    const lower = syllable.toLowerCase();
    const pinyin = TONE_MARK.test(syllable) || (marked >= MIN_MARKED_FOR_PLAIN && syllable === lower && PLAIN_SYLLABLE.test(lower));
    if (!pinyin) return whole;
    removed++;
    return han;
  });
  return { text: out, removed };
}

/** The text as the parser reads it: pinyin annotations removed, traditional characters made simplified. */
export function toReadableScript(text: string): ReadableScript {
  // One scan for both. Removing pinyin removes no Han character (only the Latin syllable, its
  // brackets and spaces), so the markers and Han characters counted before it are those after.
  const scan = scanScript(text);
  const stripped = scan.toneMark ? stripMarkedPinyin(text) : { text, removed: 0 };
  const traditional = judgeTraditional(stripped.text, scan.markers);
  return { text: traditional ? simplifier()(stripped.text) : stripped.text, traditional, pinyin: stripped.removed };
}
