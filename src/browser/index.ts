/**
 * The crawler's browser, used only on evidence (a list built by script, a 412/521 challenge):
 * one Chromium per crawl, launched lazily on first use, a few contexts (one per origin, the oldest
 * closed beyond `maxContexts`). Chromium is found at run time — `NIANBAO_CHROMIUM`, Playwright's
 * own download, then Debian's `/usr/bin/chromium` or `/usr/bin/chromium-browser` — and never
 * downloaded. When none is found, every call rejects with {@link BrowserUnavailableError}, whose
 * message says how to get one; the crawl records it and goes on without browser pages.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { Browser, BrowserContext, Request, Route } from 'playwright';
import { NianbaoError } from '../../parsers/errors.js';

export type BrowserErrorCode =
  | 'NB_BROWSER_UNAVAILABLE' // no Chromium binary, or it would not start
  | 'NB_BROWSER_FAILED' // the page could not be loaded or rendered
  | 'NB_BROWSER_CHALLENGE'; // the challenge was still there after the browser ran it

/** A browser problem; branch on `code`. */
export class BrowserError extends NianbaoError {
  declare readonly code: BrowserErrorCode;
  constructor(code: BrowserErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** No usable Chromium: the message tells how to install one or point `NIANBAO_CHROMIUM` at it. */
export class BrowserUnavailableError extends BrowserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NB_BROWSER_UNAVAILABLE', message, options);
  }
}

/** Where Chromium is looked for, in order, after `NIANBAO_CHROMIUM`. */
export const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'] as const;

/** Command-line switches Chromium is started with. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export const INSTALL_HINT = 'install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set NIANBAO_CHROMIUM to the path of a Chromium/Chrome binary';

export interface ChromiumLocation {
  path: string;
  source: 'NIANBAO_CHROMIUM' | 'playwright' | 'system';
}

/**
 * Finds a Chromium binary: `NIANBAO_CHROMIUM` (which must exist when set), Playwright's own
 * browser, `/usr/bin/chromium`, `/usr/bin/chromium-browser`. Throws {@link BrowserUnavailableError}
 * when none exists.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumLocation> {
  const fromEnv = env['NIANBAO_CHROMIUM'];
  if (fromEnv) {
    if (existsSync(fromEnv)) return { path: fromEnv, source: 'NIANBAO_CHROMIUM' };
    throw new BrowserUnavailableError(`NIANBAO_CHROMIUM is set to ${fromEnv}, which does not exist; ${INSTALL_HINT}`);
  }
  try {
    const { chromium } = await import('playwright');
    const own = chromium.executablePath();
    if (own && existsSync(own)) return { path: own, source: 'playwright' };
  } catch {
    // playwright's registry could not tell; fall through to the system paths
  }
  for (const p of SYSTEM_CHROMIUM_PATHS) if (existsSync(p)) return { path: p, source: 'system' };
  throw new BrowserUnavailableError(
    `no Chromium found (looked at NIANBAO_CHROMIUM, Playwright's browsers, ${SYSTEM_CHROMIUM_PATHS.join(', ')}); ${INSTALL_HINT}`,
  );
}

export const BrowserOptionsSchema = z.strictObject({
  /** Chromium binary; default: {@link findChromium}. @default undefined */
  executablePath: z.string().min(1).optional(),
  /** Environment used by {@link findChromium}. @default process.env */
  env: z.record(z.string(), z.string().optional()).optional(),
  /** Token appended to Chromium's own User-Agent (e.g. the crawler's `nianbao/0.1.0 (+contact)`). @default undefined */
  userAgentSuffix: z.string().optional(),
  /** Time allowed for one page load, in ms. @default 30000 */
  navigationTimeoutMs: z.number().int().min(100).default(30_000),
  /** After the load event, wait this long at most for the network to go quiet, in ms. @default 5000 */
  settleTimeoutMs: z.number().int().min(0).default(5_000),
  /** Browser contexts kept open (one per origin; the oldest is closed beyond this). @default 3 */
  maxContexts: z.number().int().min(1).max(16).default(3),
  /** Hosts (`host:port`) whose TLS certificate errors are ignored (registry `overrides.tls: "insecure"`). @default [] */
  insecureHosts: z.array(z.string().min(1)).default([]),
});
export type BrowserOptions = z.input<typeof BrowserOptionsSchema>;

/** A page as the browser saw it. */
export interface RenderedPage {
  /** URL of the main frame after redirects and script navigations. */
  url: string;
  /** HTTP status of the last main-frame response (0 when unknown). */
  status: number;
  headers: Record<string, string>;
  /** The DOM after scripts ran, serialised. */
  html: string;
  /** `name=value; …` of the context's cookies for the page's origin. */
  cookieHeader: string;
  /** The User-Agent the browser sent (reuse it with the cookies). */
  userAgent: string;
}

export interface RenderOptions {
  /** Decides whether a sub-request may go out (robots.txt, same site…). Images, media, fonts and style sheets are never loaded. */
  allowRequest?: (url: string, resourceType: string) => Promise<boolean> | boolean;
  /** Keep waiting (until the navigation timeout) while this says the page is not ready, e.g. a challenge page. */
  ready?: (html: string, status: number) => boolean;
}

export interface BrowserStats {
  launches: number;
  /** Pages loaded (renders and challenge passes). */
  pages: number;
  contexts: number;
  /** Sub-requests the browser was not allowed to make. */
  blockedRequests: number;
}

const SKIPPED_RESOURCES = new Set(['image', 'media', 'font', 'stylesheet', 'manifest', 'texttrack', 'eventsource', 'websocket']);

/** One lazily launched Chromium with a few contexts. Not safe to share between processes. */
export class BrowserSession {
  readonly options: z.output<typeof BrowserOptionsSchema>;
  #browser: Promise<Browser> | undefined;
  #unavailable: BrowserUnavailableError | undefined;
  readonly #contexts = new Map<string, Promise<BrowserContext>>();
  #userAgent = '';
  #location: ChromiumLocation | undefined;
  readonly #stats: BrowserStats = { launches: 0, pages: 0, contexts: 0, blockedRequests: 0 };
  #closed = false;

  constructor(options: BrowserOptions = {}) {
    const parsed = BrowserOptionsSchema.safeParse(options);
    if (!parsed.success) throw new TypeError(`invalid browser options:\n${z.prettifyError(parsed.error)}`);
    this.options = parsed.data;
  }

  /** Whether a Chromium was launched in this session. */
  get launched(): boolean {
    return this.#stats.launches > 0;
  }

  /** The Chromium in use (after the first launch). */
  get location(): ChromiumLocation | undefined {
    return this.#location;
  }

  stats(): BrowserStats {
    return { ...this.#stats };
  }

  async #launch(): Promise<Browser> {
    if (this.#unavailable) throw this.#unavailable;
    if (this.#closed) throw new BrowserError('NB_BROWSER_FAILED', 'the browser session is closed');
    this.#browser ??= (async () => {
      const location: ChromiumLocation = this.options.executablePath
        ? { path: this.options.executablePath, source: 'NIANBAO_CHROMIUM' }
        : await findChromium((this.options.env as NodeJS.ProcessEnv | undefined) ?? process.env);
      if (!existsSync(location.path)) throw new BrowserUnavailableError(`Chromium not found at ${location.path}; ${INSTALL_HINT}`);
      const { chromium } = await import('playwright');
      try {
        const browser = await chromium.launch({
          executablePath: location.path,
          headless: true,
          args: [...CHROMIUM_ARGS],
          timeout: this.options.navigationTimeoutMs,
        });
        this.#stats.launches++;
        this.#location = location;
        const base = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`;
        this.#userAgent = this.options.userAgentSuffix ? `${base} ${this.options.userAgentSuffix}` : base;
        return browser;
      } catch (err) {
        throw new BrowserUnavailableError(`Chromium at ${location.path} did not start (${firstLine(err)}); ${INSTALL_HINT}`, { cause: err });
      }
    })();
    try {
      return await this.#browser;
    } catch (err) {
      this.#browser = undefined;
      if (err instanceof BrowserUnavailableError) this.#unavailable = err;
      throw err;
    }
  }

  async #context(origin: string): Promise<BrowserContext> {
    const existing = this.#contexts.get(origin);
    if (existing) {
      // Most recently used last.
      this.#contexts.delete(origin);
      this.#contexts.set(origin, existing);
      return existing;
    }
    const browser = await this.#launch();
    const insecure = this.options.insecureHosts.some((h) => h.toLowerCase() === new URL(origin).host.toLowerCase());
    const created = browser.newContext({ userAgent: this.#userAgent, locale: 'zh-CN', javaScriptEnabled: true, ignoreHTTPSErrors: insecure });
    this.#contexts.set(origin, created);
    this.#stats.contexts++;
    while (this.#contexts.size > this.options.maxContexts) {
      const [oldest, ctx] = this.#contexts.entries().next().value as [string, Promise<BrowserContext>];
      this.#contexts.delete(oldest);
      void ctx.then((c) => c.close()).catch(() => undefined);
    }
    return created;
  }

  /**
   * Loads `url`, lets its scripts run (load event, then up to `settleTimeoutMs` of network quiet,
   * and longer while `ready` says no), and returns the DOM with the context's cookies.
   */
  async render(url: string, options: RenderOptions = {}): Promise<RenderedPage> {
    const origin = new URL(url).origin;
    const context = await this.#context(origin);
    const page = await context.newPage();
    this.#stats.pages++;
    const handler = async (route: Route, request: Request): Promise<void> => {
      const type = request.resourceType();
      let allowed = !SKIPPED_RESOURCES.has(type) && !/\/favicon\.ico$/.test(request.url());
      if (allowed && options.allowRequest) {
        try {
          allowed = await options.allowRequest(request.url(), type);
        } catch {
          allowed = false;
        }
      }
      if (!allowed) {
        this.#stats.blockedRequests++;
        await route.abort('blockedbyclient').catch(() => undefined);
        return;
      }
      await route.continue().catch(() => undefined);
    };
    await page.route('**/*', handler);
    try {
      let status = 0;
      let headers: Record<string, string> = {};
      page.on('response', (res) => {
        if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) {
          status = res.status();
          headers = res.headers();
        }
      });
      const deadline = Date.now() + this.options.navigationTimeoutMs;
      try {
        await page.goto(url, { waitUntil: 'load', timeout: this.options.navigationTimeoutMs });
      } catch (err) {
        // A challenge script that navigates during load interrupts goto; the loop below waits for the result.
        if (status === 0) throw new BrowserError('NB_BROWSER_FAILED', `could not load ${url}: ${firstLine(err)}`, { cause: err });
      }
      await page.waitForLoadState('networkidle', { timeout: this.options.settleTimeoutMs }).catch(() => undefined);
      let html = await safeContent(page);
      while (options.ready && !options.ready(html, status) && Date.now() < deadline) {
        await page.waitForLoadState('load', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
        await page.waitForTimeout(100);
        html = await safeContent(page);
      }
      const cookies = await context.cookies(page.url());
      return {
        url: page.url(),
        status,
        headers,
        html,
        cookieHeader: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        userAgent: this.#userAgent,
      };
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  /** Closes every context and the browser. */
  async close(): Promise<void> {
    this.#closed = true;
    const contexts = [...this.#contexts.values()];
    this.#contexts.clear();
    await Promise.all(contexts.map((c) => c.then((x) => x.close()).catch(() => undefined)));
    const b = this.#browser;
    this.#browser = undefined;
    if (b) await b.then((x) => x.close()).catch(() => undefined);
  }
}

async function safeContent(page: import('playwright').Page): Promise<string> {
  for (let i = 0; i < 20; i++) {
    try {
      return await page.content();
    } catch {
      // "Execution context was destroyed": a navigation is in progress.
      await page.waitForLoadState('load', { timeout: 2_000 }).catch(() => undefined);
    }
  }
  return page.content();
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.slice(0, 300);
}
