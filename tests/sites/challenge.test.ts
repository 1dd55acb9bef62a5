import { describe, expect, it } from 'vitest';
import { attachmentExt, detectChallenge, findAttachments, isReportTitle, normalizeDate, reportYear } from '../../parsers/sites/index.js';
import { corpusPage, portalPage } from './_pages.js';

describe('detectChallenge', () => {
  it('recognises a 瑞数 412 page (tiny obfuscated script + meta token)', () => {
    const html =
      '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta id="9DhefwqGPrzGxEp9hPaoag" content="Ao3QdzqVxvUtA1GfJjLx8mOi5u0hHlK2pT7nR4sW9yE"><script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js"></script><script>$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=52180;$_ts.cd="qzxlrrAlqGqEcsALqqr";</script></head><body></body></html>';
    const c = detectChallenge(412, html);
    expect(c?.kind).toBe('rivers');
    expect(c?.browser).toBe(true);
    // the same body with 200 is still the challenge (some deployments answer 202/200)
    expect(detectChallenge(200, html)?.kind).toBe('rivers');
  });

  it('recognises a 加速乐 521 page', () => {
    const html = '<html><body><script>document.cookie=(\'_\')+(\'_\')+(\'j\')+(\'s\')+(\'l\')+(\'_\')+(\'c\')+(\'l\')+(\'e\')+(\'a\')+(\'r\')+(\'a\')+(\'n\')+(\'c\')+(\'e\')+(\'_\')+(\'s\')+(\'=\')+(+!+[]+\'\'+(2+5))+\'|0|\';location.href=location.pathname+location.search</script></body></html>';
    expect(detectChallenge(521, html)).toMatchObject({ kind: 'jsl', browser: true });
    expect(detectChallenge(200, '<script>document.cookie="__jsl_clearance=1700000000.1|0|x";location.reload()</script>')?.kind).toBe('jsl');
  });

  it('recognises WAF block pages by content, whatever the status', () => {
    const block = '<html><head><title>访问被拦截</title></head><body><h2>您的访问被拦截</h2><p>您的请求疑似攻击行为，已被网站防火墙拦截。事件ID：3f2a9c</p></body></html>';
    expect(detectChallenge(403, block)).toMatchObject({ kind: 'waf-block', browser: false });
    expect(detectChallenge(200, block)?.kind).toBe('waf-block');
    expect(detectChallenge(200, '<html><body><p>请输入验证码后继续访问</p><img src="/captcha.jpg"></body></html>')?.kind).toBe('captcha');
  });

  it('reads block and captcha words whose parts markup, entities or line breaks separate', () => {
    // The words are matched on the page's text (markup and whitespace become one space).
    const cases: [string, string][] = [
      ['<html><body><b>Web</b><i>应用防火墙</i> 已阻止本次请求</body></html>', 'block page (HTTP 200): Web 应用防火墙'],
      ['<html><body><span>Request</span>\n  <span>blocked</span></body></html>', 'block page (HTTP 200): Request blocked'],
      ['<html><body>ACCESS&nbsp;DENIED</body></html>', 'block page (HTTP 200): ACCESS DENIED'],
      ['<html><body><p>Please <em>verify</em>\n you are   <b>human</b></p></body></html>', 'captcha page (HTTP 200)'],
    ];
    for (const [html, reason] of cases) expect(detectChallenge(200, html)?.reason, html).toBe(reason);
    // Split inside a word, the word is no longer on the page's text: not a block page.
    expect(detectChallenge(200, '<html><body>访问被<b>拦</b>截</body></html>')).toBeNull();
  });

  it('leaves real pages alone: the Pingtan list, corpus reports, a plain 404 and a 503', () => {
    expect(detectChallenge(200, portalPage('trs-pingtan-list.html'))).toBeNull();
    expect(detectChallenge(200, portalPage('trs-pingtan-detail.html'))).toBeNull();
    for (const name of ['fujian-pingtan-2016', 'fujian-pingtan-2019', 'fujian-pingtan-2025', 'fujian-pingtan-letter-2014']) {
      expect(detectChallenge(200, corpusPage(name)), name).toBeNull();
    }
    expect(detectChallenge(404, '<html><body><h1>404 Not Found</h1></body></html>')).toBeNull();
    expect(detectChallenge(503, '<html><body><h1>503 Service Unavailable</h1></body></html>')).toBeNull();
  });
});

describe('title and link helpers', () => {
  it('tells report titles from other items of the column', () => {
    for (const t of [
      '平潭综合实验区2019年度政府信息公开工作年度报告',
      '平潭综合实验区地方税务局2013年信息公开年度报告',
      '阿城区蜚克图街道办事处2023年政府信息公开工作年度报告',
      '某市财政局2022年度报告',
      '2021年政务公开工作年报',
      '某某县人民政府二〇二三年度政府信息公开工作年度报告',
    ]) {
      expect(isReportTitle(t), t).toBe(true);
    }
    for (const t of [
      '关于2014年政府信息公开工作要点落实情况的函',
      '关于做好2024年政府信息公开工作的通知',
      '一图读懂《2023年政府信息公开工作年度报告》',
      '《2023年度政府信息公开工作年度报告》解读',
      '政府信息公开年报',
      '2023年政府工作报告',
    ]) {
      expect(isReportTitle(t), t).toBe(false);
    }
    expect(reportYear('平潭综合实验区2019年度政府信息公开工作年度报告')).toBe(2019);
    expect(reportYear('某某县人民政府二〇二三年度政府信息公开工作年度报告')).toBe(2023);
    expect(reportYear('二○一八年政府信息公开年报')).toBe(2018);
  });

  it('normalises the date shapes of list pages', () => {
    expect(normalizeDate('2020-01-20 15:22')).toBe('2020-01-20');
    expect(normalizeDate('[2020/1/5]')).toBe('2020-01-05');
    expect(normalizeDate('发布时间：2020年01月20日')).toBe('2020-01-20');
    expect(normalizeDate('2020.1.20')).toBe('2020-01-20');
    expect(normalizeDate('2020-13-01')).toBeUndefined();
    expect(normalizeDate('共3页')).toBeUndefined();
  });

  it('finds attachments by extension, download gateways and link text', () => {
    expect(attachmentExt('http://x.gov.cn/zfxxgknb/202403/P020240308512345678901.pdf')).toBe('pdf');
    expect(attachmentExt('http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=2403081234.doc')).toBe('doc');
    expect(attachmentExt('http://x.edu.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=123', '年报.wps')).toBe('wps');
    expect(attachmentExt('http://x.gov.cn/art/2024/1/1/art_1_2.html', '报告.pdf')).toBeUndefined();
    const html = `<div class="fj">附件：<a href="./P020240308.pdf">全真版.pdf</a> <a href="W020240308.xls">统计表</a> <a href="/a.html">正文</a> <a href="./P020240308.pdf">重复</a></div>`;
    expect(findAttachments(html, 'http://x.gov.cn/nb/202403/t20240308_1.htm')).toEqual([
      { url: 'http://x.gov.cn/nb/202403/P020240308.pdf', title: '全真版.pdf', ext: 'pdf' },
      { url: 'http://x.gov.cn/nb/202403/W020240308.xls', title: '统计表', ext: 'xls' },
    ]);
  });
});
