/**
 * The faults a demo portal plays: which rules apply (the flaky site's own unless turned off, the
 * `faulty` site's, the caller's), each rule's steps in order per request of its path, and how a
 * basic step (an HTTP status, a stalled response, a reset connection) or the `jsl` site's
 * 加速乐-style 521 cookie challenge is answered. The other kinds are faults.ts's.
 */
import type http from 'node:http';
import { createHash } from 'node:crypto';
import { isExtraFaultStep, serveExtraFault, type PortalFaultRule } from './faults.js';
import type { Send } from './http-reply.js';
import type { DemoPortalOptionsParsed } from './portal-options.js';
import type { RequestLogEntry } from './portal-types.js';
import type { DemoSiteDef } from './site-types.js';

/** The fault rules of the served sites: the sites' own (the flaky site's unless turned off), the faulty site's, the caller's. */
export function portalFaultRules(
  defs: readonly DemoSiteDef[],
  opts: DemoPortalOptionsParsed,
  faulty: { def: DemoSiteDef; rules: PortalFaultRule[] } | null,
): PortalFaultRule[] {
  const rules: PortalFaultRule[] = [];
  for (const d of defs) {
    for (const r of d.faults) {
      if (d.name === 'flaky' && !opts.faults.flaky) continue;
      rules.push({
        ...r,
        steps: r.steps.map((s) => ('stall' in s && opts.faults.stallMs !== undefined ? { stall: opts.faults.stallMs } : s)),
      });
    }
  }
  if (faulty && defs.includes(faulty.def)) rules.push(...faulty.rules);
  rules.push(...opts.faults.rules);
  return rules;
}

/** What a request needs to have a fault played on it. */
export interface FaultRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  site: DemoSiteDef;
  url: URL;
  entry: RequestLogEntry;
  /** Timers the portal clears on close. */
  timers: Set<NodeJS.Timeout>;
  root: string;
  send: Send;
}

/** Plays the rules on the portal's requests: each request of a rule's path takes its next step. */
export class FaultPlayer {
  readonly #rules: readonly PortalFaultRule[];
  readonly #used = new Map<PortalFaultRule, number>();

  constructor(rules: readonly PortalFaultRule[]) {
    this.#rules = rules;
  }

  /** Answers the request with its fault and returns true, or returns false (no fault: serve it). */
  play(f: FaultRequest): boolean {
    const pathAndQuery = f.url.pathname + f.url.search;
    const rule = this.#rules.find((r) => r.site === f.site.name && (r.path === pathAndQuery || r.path === f.url.pathname));
    if (!rule) return false;
    const n = this.#used.get(rule) ?? 0;
    this.#used.set(rule, n + 1);
    const step = rule.steps[n] ?? (rule.repeat ? rule.steps[rule.steps.length - 1] : undefined);
    if (!step) return false;
    const { req, res, entry } = f;
    if (isExtraFaultStep(step)) {
      serveExtraFault(step, { req, res, site: f.site, url: f.url, entry, timers: f.timers, root: f.root });
      return true;
    }
    if ('reset' in step) {
      entry.fault = 'reset';
      req.socket.destroy();
      return true;
    }
    if ('stall' in step) {
      entry.fault = 'stall';
      const t = setTimeout(() => {
        f.timers.delete(t);
        req.socket.destroy();
      }, step.stall);
      f.timers.add(t);
      req.socket.once('close', () => {
        clearTimeout(t);
        f.timers.delete(t);
      });
      return true;
    }
    entry.fault = String(step.status);
    const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
    if (step.retryAfter !== undefined) headers['Retry-After'] = String(step.retryAfter);
    f.send(req, res, step.status, headers, Buffer.from(`<html><body><h1>${step.status} Service Unavailable</h1><p>服务器繁忙，请稍后再试。</p></body></html>`));
    return true;
  }

  /** Starts every rule's steps again. */
  reset(): void {
    this.#used.clear();
  }
}

/** The 加速乐-style challenge: the clearance value is computed by script, so only a JS engine gets it. */
export function challengePage(token: string): string {
  const codes = [...token].map((c) => c.charCodeAt(0) + 7).join(',');
  return `<html><head><meta charset="utf-8"></head><body><script>var _c=[${codes}].map(function(x){return String.fromCharCode(x-7)}).join('');document.cookie=('__jsl_clearance_s=')+_c+(';max-age=3600;path=/');location.href=location.pathname+location.search</script></body></html>`;
}

/** Whether the request carries the clearance cookie `name=value`. */
export function hasCookie(req: http.IncomingMessage, name: string, value: string): boolean {
  const header = req.headers.cookie ?? '';
  return header.split(/;\s*/).some((kv) => kv === `${name}=${value}`);
}

/** Answers HTTP 521 with the challenge page and a `__jsluid_s` cookie (`seq`: the request's number). */
export function sendChallenge(send: Send, req: http.IncomingMessage, res: http.ServerResponse, token: string, seq: number): void {
  send(
    req,
    res,
    521,
    {
      'Content-Type': 'text/html; charset=utf-8',
      'Set-Cookie': `__jsluid_s=${createHash('md5').update(String(seq)).digest('hex')}; max-age=31536000; path=/; HttpOnly`,
      'Cache-Control': 'no-store',
    },
    Buffer.from(challengePage(token)),
  );
}
