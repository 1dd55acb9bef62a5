/**
 * The page of a generated report (./generate.ts): title, date line (only when dated), prose that
 * states the tables' own figures (the sentences R6 and narrative.mismatch read), the real report's
 * tables, the closing sections — and a notice that the agency is fictional.
 */
import type { GeneratedFormat, Plant, Values } from './generate.js';
import { esc } from './page-html.js';

/** Table 3's （六） sub-rows of the 2021 format (one （六） row in 2019). */
export const OTHER_SUB_ROWS = ['other_no_correction', 'other_no_fee', 'other_other'];

export interface PageParts {
  title: string;
  published: string | null;
  prose: string[];
  block: string;
  footer: string;
}

/** The report page: title, date line (when dated), prose, the tables, closing sections. */
export function reportPage(p: PageParts): string {
  const dated = p.published ? `<meta name="PubDate" content="${esc(p.published)} 09:00">\n` : '';
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="ArticleTitle" content="${esc(p.title)}">
${dated}<title>${esc(p.title)}</title>
</head>
<body>
<div class="demo-notice" style="border:2px solid #c00;padding:6px">演示数据：本报告所属机关为虚构的演示机关，数据由 nianbao 依据真实年度报告按固定种子生成，不代表任何真实机关。</div>
<div class="article">
<h1 class="title">${esc(p.title)}</h1>
${p.published ? `<div class="info">发布日期：${esc(p.published)}</div>\n` : ''}<div class="TRS_Editor">
${p.prose.map((x) => `<p>${x}</p>`).join('\n')}
${p.block}
${p.footer}
</div>
</div>
</body>
</html>
`;
}

/**
 * Round 2's text-only revision of a report (`plan.reword`): the problems paragraph reworded and a
 * correction note added — no number, no table cell changes.
 */
export function rewordedFooter(after: string): string {
  const from = '<p>本机关政府信息公开工作仍存在公开内容不够全面、解读形式较为单一等问题。';
  if (!after.includes(from)) throw new Error('nianbao demo: the report has no problems paragraph to reword');
  return after
    .replace(from, '<p>本机关政府信息公开工作仍存在公开内容不够全面、解读形式较为单一、回应社会关切不够及时等问题。')
    .replace('<p>六、其他需要报告的事项</p>', '<p>本报告发布后，本机关对第五部分的表述作了更正。</p>\n<p>六、其他需要报告的事项</p>');
}

export function proseFor(v: Values, format: GeneratedFormat, year: number, plants: Plant[]): { before: string[]; after: string } {
  if (format === 'pre2019') {
    return {
      before: [
        '一、概述',
        `${year}年，本机关按照《中华人民共和国政府信息公开条例》的要求，认真做好政府信息公开工作，现将本年度政府信息公开工作情况报告如下，统计数据见附表。`,
        '二、主动公开政府信息情况',
        '本机关通过门户网站、政府公报等渠道主动公开政府信息，具体数据见附表。',
      ],
      after: '<p>附表：政府信息公开情况统计表</p>',
    };
  }
  const n = (path: string) => v.get(path) ?? 0;
  const sum = (rows: string[]) => rows.reduce((a, r) => a + n(`requests.${r}.total`), 0);
  const denied = sum([
    'denied_state_secret',
    'denied_prohibited_by_law',
    'denied_safety_stability',
    'denied_third_party',
    'denied_internal_affairs',
    'denied_process_info',
    'denied_enforcement_files',
    'denied_query_matter',
  ]);
  const unavailable = sum(['unavailable_not_held', 'unavailable_needs_creation', 'unavailable_unclear']);
  const rejected = sum(['rejected_petition', 'rejected_duplicate', 'rejected_publication', 'rejected_excessive', 'rejected_confirmation']);
  const other = format === '2019' ? n('requests.other.total') : sum(OTHER_SUB_ROWS);
  const granted = n('requests.granted.total') + (plants.includes('narrative_mismatch') ? 9 : 0);
  const issued =
    format === '2021' ? `本年度制发的规范性文件${n('active.normative_documents.issued')}件，均已按规定主动公开。` : '规范性文件均已按规定主动公开。';
  return {
    before: [
      '一、总体情况',
      `${year}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政府信息公开工作。`,
      `（一）主动公开。${issued}`,
      `（二）依申请公开。全年新收政府信息公开申请${n('requests.new_received.total')}件，上年结转政府信息公开申请${n('requests.carried_over.total')}件，办结政府信息公开申请${n('requests.total.total')}件。` +
        `办理的政府信息公开申请中，予以公开${granted}件，部分公开${n('requests.partially_granted.total')}件，不予公开${denied}件，无法提供${unavailable}件，不予处理${rejected}件，其他处理${other}件，结转下年度继续办理${n('requests.carried_forward.total')}件。`,
      `（三）复议诉讼。全年因政府信息公开引发行政复议${n('appeals.review.total')}件，行政诉讼${n('appeals.litigation_direct.total') + n('appeals.litigation_after_review.total')}件。`,
      '二、主动公开政府信息情况',
    ],
    after: `<p>五、存在的主要问题及改进情况</p>
<p>本机关政府信息公开工作仍存在公开内容不够全面、解读形式较为单一等问题。下一步将进一步完善工作机制，提升公开质量。</p>
<p>六、其他需要报告的事项</p>
<p>本年度未收取信息处理费。本机关无其他需要报告的事项。</p>`,
  };
}
