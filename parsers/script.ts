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
  /[開關處請報與為機業構會務類數實結審總議訴訟規範條區時發導門間現應經員單複認證辦體權項運設計進調統護級縣鄉鎮場費決們來這個說對過還當從將點動網國際據戶傳達歷廣]/g;
/** At least this many markers … */
const MIN_MARKERS = 8;
/** … and at least this share of the Han characters. */
const MIN_MARKER_SHARE = 0.02;
const HAN = /[\u3400-\u9fff]/g;

const TONE_MARK = /[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]/;
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
  const markers = text.match(TRADITIONAL_MARKERS)?.length ?? 0;
  if (markers < MIN_MARKERS) return null;
  const han = text.match(HAN)?.length ?? 0;
  return markers >= han * MIN_MARKER_SHARE ? { markers, han } : null;
}

/** Removes pinyin put after characters: "公(gōng)開" → "公開". Returns the text and how many were removed. */
export function stripPinyin(text: string): { text: string; removed: number } {
  if (!TONE_MARK.test(text)) return { text, removed: 0 };
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
  const stripped = stripPinyin(text);
  const traditional = detectTraditional(stripped.text);
  return { text: traditional ? simplifier()(stripped.text) : stripped.text, traditional, pinyin: stripped.removed };
}
