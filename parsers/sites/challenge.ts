/**
 * Recognises anti-bot challenge and block pages (notes/portals.md §3) so they are recorded as such,
 * never parsed as reports, and so the host can be moved to the browser.
 */

export type ChallengeKind =
  /** Rivers Security 瑞数 (RS4-6): HTTP 412 (or 202) with a tiny obfuscated-JS page and a `<meta id content>` token. */
  | 'rivers'
  /** 加速乐 (Knownsec/Yunaq): HTTP 521 with `document.cookie=…__jsl_clearance…` JS. */
  | 'jsl'
  /** A WAF / CDN block page (您的访问被拦截 …), any status. */
  | 'waf-block'
  /** A captcha / human verification page. */
  | 'captcha';

export interface Challenge {
  kind: ChallengeKind;
  /** Whether a real browser is expected to get through (true for the JS challenges). */
  browser: boolean;
  reason: string;
}

const WAF_TEXT =
  /您的访问被拦截|访问被拦截|访问已被拦截|您的请求已被拦截|请求被拒绝|访问被拒绝|被网站防火墙拦截|网站防火墙|Web\s*应用防火墙|Web应用防火墙|安全狗|云盾|云防护|您的访问疑似攻击|非法访问|IP已被封禁|访问频率过快|当前访问疑似黑客攻击|Request blocked|Access Denied/i;
const CAPTCHA_TEXT = /请输入验证码|滑动验证|人机验证|安全验证|verify you are human|captcha/i;

/**
 * Words one of which every {@link WAF_TEXT} / {@link CAPTCHA_TEXT} match holds, without spaces.
 * {@link textOf} only removes markup and turns it (and whitespace, `&nbsp;`) into spaces, so a
 * page whose markup holds none of these words cannot match on its text: its text is not made.
 */
const WAF_WORDS = /拦截|拒绝|防火墙|安全狗|云盾|云防护|疑似攻击|疑似黑客攻击|非法访问|封禁|访问频率过快|blocked|denied/i;
const CAPTCHA_WORDS = /请输入验证码|滑动验证|人机验证|安全验证|verify|captcha/i;

function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|\s+/g, ' ')
    .trim();
}

/**
 * Detects a challenge or block page from the HTTP status and the decoded body. Returns null for a
 * normal page. Content is checked as well as status: block pages often come with 200.
 */
export function detectChallenge(status: number, html: string): Challenge | null {
  const body = html ?? '';
  const small = body.length < 30_000;
  const hasScript = /<script\b/i.test(body);
  let visible: string | undefined;
  const text = (): string => (visible ??= textOf(body));

  if (status === 521 || /__jsl_clearance|__jsluid/.test(body)) {
    if (status === 521 || (small && hasScript && /document\.cookie/.test(body))) {
      return {
        kind: 'jsl',
        browser: true,
        reason: `加速乐 challenge (HTTP ${status}${/__jsl_clearance/.test(body) ? ', __jsl_clearance cookie script' : ''})`,
      };
    }
  }
  const riversMarkers =
    /\$_ts\s*=|\$_ts\[|window\.\$_ts|FSSBBIl1UgzbN7N8|NfBCSins2OywS/.test(body) ||
    (/<meta\s+id=["'][^"']+["']\s+content=["'][^"']{20,}["']/i.test(body) && hasScript);
  if (status === 412 || ((status === 202 || status === 200) && small && riversMarkers && text().length < 200)) {
    if (status === 412 || riversMarkers) {
      return {
        kind: 'rivers',
        browser: true,
        reason: `瑞数 (Rivers Security) challenge (HTTP ${status}${riversMarkers ? ', $_ts / meta token script' : ''})`,
      };
    }
  }
  if (small && CAPTCHA_WORDS.test(body) && CAPTCHA_TEXT.test(text()) && text().length < 2000) {
    return { kind: 'captcha', browser: false, reason: `captcha page (HTTP ${status})` };
  }
  if ((status === 403 || status === 405 || status === 429 || small) && WAF_WORDS.test(body) && WAF_TEXT.test(text()) && text().length < 3000) {
    return { kind: 'waf-block', browser: false, reason: `block page (HTTP ${status}): ${WAF_TEXT.exec(text())![0]}` };
  }
  return null;
}
