/**
 * Report metadata: title, agency, year reported on, publication date. Sources in order: the
 * visible labelled fields (发布日期/时间/来源/发布机构), the national meta tags (ArticleTitle,
 * PubDate, ContentSource, Author), the page title, the opening paragraphs.
 */
import type { TokenStream } from './stream.js';
import type { AgencySourceInReport, PublishedSource } from './types.js';

export interface ReportMetadata {
  title: string | null;
  agency: string | null;
  /** Where `agency` came from (undefined when it is null). */
  agencyFrom?: AgencySourceInReport;
  year: number | null;
  published: string | null;
  /** Where `published` came from (undefined when it is null). */
  publishedFrom?: PublishedSource;
}

const DATE = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})/;
const DATE_FIELDS = /(发布日期|发布时间|成文日期|公开日期|发文日期|日期|时间)\s*[:：]\s*[[【(（]?\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})/g;
/** Publication first: 发布/公开 dates, then a bare 日期/时间, then the date the document was written. */
const dateLabelRank = (label: string): number => (/^(?:发布|公开)/.test(label) ? 0 : /^(?:日期|时间)$/.test(label) ? 1 : 2);
/** A header-table cell that labels the cell after it. */
const FIELD_LABEL_CELL = /^(发布日期|发布时间|成文日期|公开日期|发文日期|日期|时间|发布机构|发文机关|发布单位|来源|信息来源)[:：]?$/;
/** A cell holding a label and its value. */
const FIELD_IN_CELL = /^(?:发布日期|发布时间|成文日期|公开日期|发文日期|日期|时间|发布机构|发文机关|发布单位|来源|信息来源)[:：]./;
/** Cells of the page's first tables read at most (a header table has a dozen). */
const HEADER_TABLE_CELLS = 80;

/** "label：value" texts of the first tables' cells: a label cell with the value cell after it in its row, or both in one cell. */
function headerTableFields(tokens: TokenStream['tokens']): string[] {
  const out: string[] = [];
  let seen = 0;
  for (let i = 0; i < tokens.length - 1 && seen < HEADER_TABLE_CELLS; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'cell' || t.table === null) continue;
    seen++;
    const compact = t.text.replace(/\s+/g, '').normalize('NFKC');
    if (FIELD_IN_CELL.test(compact)) {
      out.push(t.text); // "发布日期：2024-01-20" in one cell
      continue;
    }
    const label = FIELD_LABEL_CELL.exec(compact);
    const next = tokens[i + 1]!;
    if (label && next.kind === 'cell' && next.table === t.table && next.row === t.row && next.text !== '') out.push(`${label[1]}：${next.text}`);
  }
  return out;
}
const AGENCY_FIELD = /(发布机构|发文机关|发布单位|来源)\s*[:：]\s*([^\s:：|]{2,40})/g;
const JUNK_AUTHOR = /^(?:超级管理员|管理员|admin|系统管理员|编辑|信息员)$/i;

/** Chinese numerals of a date: 〇/○/零 and 一…九 digit by digit in the year, 十 in month and day. */
const CN_DIGITS: Record<string, number> = { 〇: 0, '○': 0, 零: 0, Ｏ: 0, O: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_YEAR = '[〇○零ＯO一二三四五六七八九]{4}';
/** A year written digit by digit in Chinese numerals (二〇二四) as a number. */
const chineseYear = (digits: string): number => Number([...digits].map((ch) => CN_DIGITS[ch]).join(''));
const CN_SMALL = '[一二三四五六七八九十]{1,3}';
/** A date written in Chinese numerals (二〇二四年一月二十日), as signatures of official documents are. */
const CN_DATE = new RegExp(`(${CN_YEAR})\\s*年\\s*(${CN_SMALL})\\s*月\\s*(${CN_SMALL})\\s*日`);

/** 一 … 三十一 → 1 … 31 (十 = 10, 十五 = 15, 二十 = 20, 二十一 = 21); NaN when not such a number. */
function smallChineseNumber(text: string): number {
  const m = /^([一二三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(text);
  if (!m || text === '') return Number.NaN;
  const [, tens, ten, ones] = m;
  if (!ten) return tens && !ones ? CN_DIGITS[tens]! : Number.NaN;
  return (tens ? CN_DIGITS[tens]! : 1) * 10 + (ones ? CN_DIGITS[ones]! : 0);
}

/** Year, month and day as ISO YYYY-MM-DD, or null when they are not a valid date. */
function validDate(y: number, mo: number, d: number): string | null {
  if (!(y >= 1990 && y <= 2100 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31)) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Normalises a date text (2024-01-05, 2024年1月5日, 二〇二四年一月五日 …) to ISO YYYY-MM-DD, or null when it is not a valid date. */
export function isoDate(text: string | null | undefined): string | null {
  if (!text) return null;
  const normalized = text.normalize('NFKC');
  const m = DATE.exec(normalized);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  const c = CN_DATE.exec(normalized);
  if (!c) return null;
  return validDate(chineseYear(c[1]!), smallChineseNumber(c[2]!), smallChineseNumber(c[3]!));
}

/**
 * A paragraph that is a signature's date line: the date alone (2024年1月20日, 二〇二四年一月二十日),
 * or after the signing agency on the same line. Written with 年月日: page furniture uses dashes.
 */
const SIGNATURE_LINE = new RegExp(
  `^(?:[^。；;，,:：]{2,40}\\s)?((?:\\d{4}\\s*年\\s*\\d{1,2}\\s*月\\s*\\d{1,2}\\s*日)|(?:${CN_YEAR}\\s*年\\s*${CN_SMALL}\\s*月\\s*${CN_SMALL}\\s*日))$`,
);
/** How far from the end of the text a signature is looked for (paragraphs; portal furniture follows it). */
const SIGNATURE_WINDOW = 20;

/** The date a report is signed with (its last date-only paragraph near the end), or null. */
function signatureDate(paras: string[]): string | null {
  const at = signatureIndex(paras);
  return at === null ? null : isoDate(SIGNATURE_LINE.exec(paras[at]!.normalize('NFKC').trim())![1]);
}

/** Index of the signature's date line (the last date-only paragraph near the end), or null. */
function signatureIndex(paras: string[]): number | null {
  for (let i = paras.length - 1; i >= Math.max(0, paras.length - SIGNATURE_WINDOW); i--) {
    if (SIGNATURE_LINE.test(paras[i]!.normalize('NFKC').trim())) return i;
  }
  return null;
}

/** A signing body: a name ending as governments, offices and departments end, nothing else on the line. */
const SIGNING_BODY = /^[\u3400-\u9fff（）()]{2,40}(?:人民政府|政府|办公室|办公厅|局|委员会|管委会|办事处|街道|镇人民政府|乡人民政府|厅|署|中心)$/;

/** The body a report is signed by: before the date on its line, or the paragraph above it. */
function signatureAgency(paras: string[]): string | null {
  const at = signatureIndex(paras);
  if (at === null) return null;
  const line = paras[at]!.normalize('NFKC').trim();
  const before = line.replace(SIGNATURE_LINE.exec(line)![1]!, '').trim();
  const candidates = before ? [before] : at > 0 ? [paras[at - 1]!.normalize('NFKC').trim()] : [];
  return candidates.find((c) => SIGNING_BODY.test(c.replace(/\s+/g, ''))) ?? null;
}

/** The agency a title names before its year ("平潭综合实验区2019年度…" → 平潭综合实验区). */
export function agencyFromTitle(title: string): string | null {
  const normalized = title.normalize('NFKC');
  const m = /^(.*?)\s*(?:(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年度?/.exec(normalized);
  if (!m) return null;
  const tidy = (s: string) =>
    s
      .replace(/^关于/, '')
      .replace(/^[\s"“”《》:：,，、()（）[\]【】]+|[\s"“”《》:：,，、()（）[\]【】]+$/g, '')
      .trim();
  const prefix = tidy(m[1]!);
  if (prefix.length >= 2) return prefix;
  // "2023年度某某区政府信息公开工作年度报告": the name follows the year.
  if (m[1]!.trim() === '') {
    const rest = normalized.slice(m[0].length);
    if (/^(?:政府信息公开|政务公开|信息公开)/.test(rest)) return null;
    const after = /^(.{2,40}?)(?:政府信息公开|政务公开|信息公开)/.exec(rest);
    if (after && !/^关于|工作|报告/.test(after[1]!)) return tidy(after[1]!) || null;
  }
  return null;
}

/**
 * A title without the spaces a PDF's or OFD's layout puts between Chinese characters and digits
 * ("平潭综合实验区 2021 年度…" → "平潭综合实验区2021年度…"); Chinese titles have none of their own there.
 */
function tidyTitle(title: string): string {
  return title.replace(/(?<=[\u3400-\u9fff])\s+(?=\d)|(?<=\d)\s+(?=[\u3400-\u9fff])/g, '');
}

const CN_YEAR_BEFORE_NIAN = new RegExp(`${CN_YEAR}(?=\\s*年)`, 'g');
/** Years written in Chinese numerals before 年 put in digits: "二〇二三年度" → "2023年度"; the rest as is. */
export function arabicYears(text: string): string {
  return text.replace(CN_YEAR_BEFORE_NIAN, (year) => String(chineseYear(year)));
}

function yearFromTitle(title: string): number | null {
  const m = /((?:19|20)\d{2})\s*年/.exec(arabicYears(title.normalize('NFKC')));
  return m ? Number(m[1]) : null;
}

/** A title given as a labelled field, as in the header block of a text dump ("标题: …"). */
const TITLE_FIELD = /^(?:标题|题目|文章标题|title)\s*[:：]\s*(.{2,120})$/i;
/** A line of such a header block ("标题: …", "发布时间: …", "来源: …"): never the title itself. */
const FIELD_LINE = /^(?:标题|题目|文章标题|title|发布时间|发布日期|日期|时间|来源|信息来源|发布机构|作者|链接|网址|url)\s*[:：]/i;

/** Longest opening paragraph taken for a title, and for the first line of a title wrapped over two. */
const TITLE_MAX = 80;
const TITLE_LINE_MAX = 60;

/**
 * The title among the opening paragraphs: the first that names a report. A PDF's title wraps over
 * two lines ("2025 年上海市人民政府办公厅政府信息公开" / "工作年度报告"): when that paragraph
 * names neither the year nor the agency and the short line before it, no sentence, gives the
 * joined title a year, the two lines are the title.
 */
function wrappedTitle(head: readonly string[]): string | null {
  const k = head.slice(0, 12).findIndex((p) => p.length <= TITLE_MAX && /报告|年报/.test(p));
  if (k < 0) return null;
  const found = head[k]!;
  const before = k > 0 ? head[k - 1]! : '';
  const joined = `${before}${found}`;
  if (
    before !== '' &&
    before.length <= TITLE_LINE_MAX &&
    joined.length <= TITLE_MAX &&
    !/[。；;，,:：！？]/.test(before) &&
    yearFromTitle(found) === null &&
    agencyFromTitle(found) === null &&
    yearFromTitle(joined) !== null
  ) {
    return joined;
  }
  return found;
}

export function extractMetadata(stream: TokenStream, isReport: boolean): ReportMetadata {
  const { signals, tokens } = stream;
  const paras = tokens.filter((t) => t.kind === 'para').map((t) => t.text);
  const head = paras.slice(0, 40);

  // Visible labelled fields: in the opening paragraphs ("来源：… 时间：…"), and in the 信息公开 header
  // table that many portals put above the article (索引号 | … / 发布机构 | … / 发布日期 | …), where a
  // label cell is followed by its value cell.
  const fieldTexts = [...head, ...headerTableFields(tokens)];
  let visibleDate: string | null = null;
  let dateRank = Number.POSITIVE_INFINITY;
  const fields: Record<string, string> = {};
  for (const p of fieldTexts) {
    const normalized = p.normalize('NFKC');
    // Every DATE_FIELDS label ends in 日期 or 时间: most paragraphs hold neither and are not searched.
    const dated = normalized.includes('日期') || normalized.includes('时间');
    for (const d of dated ? normalized.matchAll(DATE_FIELDS) : []) {
      const rank = dateLabelRank(d[1]!);
      const iso = isoDate(d[2]);
      if (iso && rank < dateRank) [visibleDate, dateRank] = [iso, rank];
    }
    for (const m of p.matchAll(AGENCY_FIELD)) fields[m[1]!] ??= m[2]!;
  }

  const meta = signals.meta;
  const htmlTitle = signals.htmlTitle?.split(/[_｜|]|\s-\s/)[0]?.trim() || null;
  // A dump's header block names the title as a field ("标题: …"); the other opening lines are the page's.
  const fieldTitle = head.map((p) => TITLE_FIELD.exec(p.trim())?.[1]?.trim()).find((t) => t !== undefined && t !== '') ?? null;
  const opening = head.filter((p) => !FIELD_LINE.test(p.trim()));
  const openingTitle = wrappedTitle(opening) ?? (opening[0] && opening[0].length <= 80 ? opening[0] : null);
  const rawTitle = meta['articletitle'] || signals.visibleTitle || htmlTitle || fieldTitle || openingTitle || null;
  const title = rawTitle === null ? null : tidyTitle(rawTitle);

  const metaDate = isoDate(meta['pubdate']) ?? isoDate(meta['firstpublishtime']);
  let published = visibleDate ?? metaDate ?? null;
  let publishedFrom: PublishedSource | undefined = visibleDate ? 'field' : metaDate ? 'meta' : undefined;

  let agency = title ? agencyFromTitle(title) : null;
  let agencyFrom: AgencySourceInReport | undefined = agency ? 'title' : undefined;
  if (!agency && isReport && !(title && /^关于/.test(title))) {
    const author = meta['author'];
    agency =
      fields['发布机构'] ??
      fields['发文机关'] ??
      fields['发布单位'] ??
      (meta['contentsource'] || null) ??
      fields['来源'] ??
      (author && !JUNK_AUTHOR.test(author) ? author : null) ??
      null;
    if (agency) agencyFrom = 'field';
    else {
      agency = signatureAgency(paras)?.replace(/\s+/g, '') ?? null;
      if (agency) agencyFrom = 'signature';
    }
  }

  let year = title ? yearFromTitle(title) : null;
  if (year === null) {
    const all = paras.join('\n').normalize('NFKC');
    const period = /统计期限[^。]*?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日/.exec(all);
    const named = /((?:19|20)\d{2})\s*年度?政府信息公开工作/.exec(all);
    year = period ? Number(period[1]) : named ? Number(named[1]) : null;
  }
  // A document without a date field (an attachment, a page without one) is dated by its signature,
  // when that date can be the report's: in the year reported on or the two after.
  if (published === null && isReport) {
    const signed = signatureDate(paras);
    const signedYear = signed ? Number(signed.slice(0, 4)) : Number.NaN;
    if (signed && (year === null || (signedYear >= year && signedYear <= year + 2))) [published, publishedFrom] = [signed, 'signature'];
  }
  if (year === null && published) year = Number(published.slice(0, 4)) - 1;
  return { title, agency, ...(agencyFrom ? { agencyFrom } : {}), year, published, ...(publishedFrom ? { publishedFrom } : {}) };
}
