/**
 * The explorer in a real Chromium (Debian's; NIANBAO_CHROMIUM or /usr/bin/chromium): a
 * journalist's path from the overview to a report, a finding highlighted, a CSV download compared
 * with `nianbao export`, pages without JavaScript, and XSS payloads that stay text and run nothing.
 * Skipped, with the reason logged, when no Chromium binary is found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright';
import { type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import { BROKEN, buildTestDb, expected, reportIdOf, runCli, type TestDb, XSS } from './helpers.js';

const executablePath = [process.env['NIANBAO_CHROMIUM'], '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
if (!executablePath) console.warn('tests/explorer/browser.test.ts skipped: no Chromium (set NIANBAO_CHROMIUM or install /usr/bin/chromium)');

/** Text of the first element the locator finds (waits for it). */
const text = async (l: Locator): Promise<string> => ((await l.first().textContent({ timeout: 15_000 })) ?? '').trim();

/** Runs in the page: the computed background colour of an element (no DOM types in this project's tsconfig). */
const backgroundOf = (el: unknown): string =>
  (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!executablePath)('explorer in Chromium', () => {
  let t: TestDb;
  let server: RunningExplorer;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  /** Console errors and failed requests on the explorer's own pages (CSP violations show here). */
  const problems: string[] = [];
  /** Requests to the /pwned-* URLs planted in the XSS page that got an answer, and how the others were stopped. */
  const pwnedRequests: string[] = [];
  const pwnedBlocked: string[] = [];
  let dialogs = 0;

  const watch = (page: Page, label: string): Page => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${label}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${label}: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    page.on('response', (r) => {
      if (r.url().includes('pwned')) pwnedRequests.push(r.url());
    });
    page.on('requestfailed', (r) => {
      if (r.url().includes('pwned')) pwnedBlocked.push(`${new URL(r.url()).pathname} ${r.failure()?.errorText}`);
    });
    return page;
  };

  beforeAll(async () => {
    t = await buildTestDb();
    server = await startExplorer({ dbFile: t.dbFile, port: 0 });
    base = server.url.replace(/\/$/, '');
    browser = await chromium.launch({ executablePath: executablePath!, args: ARGS });
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  it('from the overview to a report: search an agency, open a year, check three cells against the corpus', async () => {
    const page = watch(await context.newPage(), 'flow');
    await page.goto(`${base}/`);
    expect(await text(page.locator('h1'))).toMatch(/政府信息公开工作年度报告/);
    expect(await page.locator('table.coverage tbody tr').count()).toBeGreaterThanOrEqual(4);

    await page.locator('header input[name=q]').fill('平潭综合');
    await page.locator('header input[name=q]').press('Enter');
    await page.waitForURL(/\/search\?q=/);
    await page.locator('ul.agencies a', { hasText: /^平潭综合实验区$/ }).click();
    await page.waitForURL(/\/agency\/\d+$/);
    expect(await text(page.locator('#agency-name'))).toBe('平潭综合实验区');
    // The three charts are drawn by uPlot (scripts allowed by the CSP, no violation).
    await page.waitForSelector('.chart[data-drawn="1"] canvas');
    expect(await page.locator('.chart[data-drawn="1"]').count()).toBe(3);
    expect(await text(page.locator('#carry'))).toContain('2017');

    await page.locator('#years thead a', { hasText: '2021' }).click();
    await page.waitForURL(new RegExp(`/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2021.html')}$`));
    const exp = expected('fujian-pingtan-2021');
    const checks: [string, number | null | undefined][] = [
      ['requests.new_received.natural_person', exp.requests['new_received']?.['natural_person']],
      ['active.fees.amount_wan_yuan', exp.active['fees']?.['amount_wan_yuan']],
      ['appeals.litigation_direct.upheld', exp.appeals['litigation_direct']?.['upheld']],
    ];
    for (const [path, value] of checks) {
      expect(await text(page.locator(`td[data-path="${path}"] .v`))).toBe(String(value));
    }
    // Provenance on hover: the raw text and where it came from.
    const cell = page.locator('td[data-path="requests.new_received.natural_person"]');
    expect(await cell.locator('.prov').isVisible()).toBe(false);
    await cell.hover();
    await cell.locator('.prov').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await text(cell.locator('.prov'))).toContain('raw text');
    expect(await text(cell.locator('.prov'))).toMatch(/HTML table \d+ of the page/);
    // The stored snapshot in its sandboxed frame.
    await page.locator('iframe.snapshot').scrollIntoViewIfNeeded();
    expect(await text(page.frameLocator('iframe.snapshot').locator('body'))).toContain('平潭综合实验区2021年度政府信息公开工作年度报告');
    await page.close();
  });

  it('highlights the cells of a finding with the rule and the numbers', async () => {
    const page = watch(await context.newPage(), 'finding');
    await page.goto(`${base}/report/${reportIdOf(t.dbFile, BROKEN.file)}`);
    const cell = page.locator('td[data-path="requests.new_received.natural_person"]');
    expect(await cell.getAttribute('class')).toMatch(/finding-error/);
    const bg = await cell.evaluate(backgroundOf);
    const plain = await page.locator('td[data-path="requests.granted.natural_person"]').evaluate(backgroundOf);
    expect(bg).not.toBe(plain);
    await cell.click();
    await cell.locator('.prov').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await text(cell.locator('.prov'))).toContain('requests.balance');
    expect(await text(cell.locator('.prov'))).toContain('65 vs 64, Δ 1');
    expect(await text(page.locator('ul.findings'))).toContain('requests.row_total');
    await page.close();
  });

  it('downloads CSV that is byte-for-byte what `nianbao export` writes, and a ranking CSV row-for-row as shown', async () => {
    const page = watch(await context.newPage(), 'download');
    await page.goto(`${base}/search?q=${encodeURIComponent('平潭综合实验区')}`);
    await page.locator('ul.agencies a', { hasText: /^平潭综合实验区$/ }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-view="requests"]').click()]);
    const got = readFileSync((await download.path())!);
    const cli = runCli(['export', '--view', 'requests', '--agency', '平潭综合实验区', '--db', t.dbFile]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(got.length).toBeGreaterThan(1000);
    expect(got.equals(Buffer.from(cli.stdout, 'utf8'))).toBe(true);
    expect(download.suggestedFilename()).toMatch(/^nianbao-requests-.*\.csv$/);

    await page.goto(`${base}/compare?measure=new_received&year=2023`);
    const shown = await page
      .locator('#rank tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    const [csvDl] = await Promise.all([page.waitForEvent('download'), page.locator('p.downloads a', { hasText: /^CSV$/ }).click()]);
    const csv = readFileSync((await csvDl.path())!, 'utf8')
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(csv[0]).toEqual(['rank', 'agency_id', 'agency', 'province', 'level', 'year', 'value', 'report_id']);
    expect(csv.length - 1).toBe(shown.length);
    csv.slice(1).forEach((row, i) => {
      const s = shown[i]!;
      expect([row[0], row[5], row[6], `#${row[7]}`]).toEqual([s[0], s[4], s[5], s[6]]);
    });
    await page.close();
  });

  it('reads without JavaScript: tables and provenance need no script', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const page = watch(await noJs.newPage(), 'nojs');
    await page.goto(`${base}/report/${reportIdOf(t.dbFile, 'fujian-pingtan-2021.html')}`);
    const exp = expected('fujian-pingtan-2021');
    expect(await text(page.locator('td[data-path="requests.total.total"] .v'))).toBe(String(exp.requests['total']?.['total']));
    const cell = page.locator('td[data-path="requests.total.total"]');
    await cell.hover();
    await cell.locator('.prov').waitFor({ state: 'visible', timeout: 10_000 });
    await page.goto(
      `${base}/agency/${await page
        .locator('#report-agency a')
        .getAttribute('href')
        .then((h) => h?.split('/').pop())}`,
    );
    expect(await text(page.locator('#years'))).toContain('2021');
    await page.locator('.chart .nojs').first().waitFor({ state: 'visible', timeout: 10_000 });
    await noJs.close();
  });

  it('shows script payloads in names, titles and snapshots as text and runs nothing', async () => {
    const page = watch(await context.newPage(), 'xss');
    const clean = async (where: string): Promise<void> => {
      expect(await page.evaluate('typeof window.__pwned'), where).toBe('undefined');
    };
    await page.goto(`${base}/`);
    expect(await text(page.locator('table.coverage a', { hasText: 'XSS测试局' }))).toBe(XSS.agency);
    await clean('overview');
    await page.goto(`${base}/search?q=${encodeURIComponent('XSS测试局')}`);
    expect(await text(page.locator('ul.agencies a'))).toBe(XSS.agency);
    expect(await text(page.locator('ol.hits a'))).toBe(XSS.title);
    await clean('search');
    await page.locator('ul.agencies a').first().click();
    await page.waitForURL(/\/agency\/\d+$/);
    expect(await text(page.locator('#agency-name'))).toBe(XSS.agency);
    await clean('agency');
    await page.locator('table.data a', { hasText: 'XSS测试局2023' }).first().click();
    await page.waitForURL(/\/report\/\d+$/);
    expect(await text(page.locator('#report-title'))).toBe(XSS.title);
    expect(await text(page.locator('#report-agency'))).toContain('<script>window.__pwned=1</script>');
    expect(await text(page.locator('dl.meta'))).toContain(XSS.url);
    expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
    // The stored page itself holds a <script>, an <img onerror> and an <iframe>: in the sandboxed frame none of them run or load.
    await page.locator('iframe.snapshot').scrollIntoViewIfNeeded();
    expect(await text(page.frameLocator('iframe.snapshot').locator('body'))).toContain('XSS测试局2023年度');
    await page.waitForTimeout(500);
    await clean('report with snapshot frame');
    // Opened on its own, the snapshot is still a sandbox (the CSP header, not only the iframe attribute).
    const href = await page.locator('a', { hasText: 'Open it alone' }).getAttribute('href');
    await page.goto(`${base}${href}`);
    expect(await text(page.locator('body'))).toContain('XSS测试局2023年度');
    await page.waitForTimeout(500);
    await clean('snapshot alone');
    expect(dialogs).toBe(0);
    // Nothing planted in the page reached the server; the image was stopped by the CSP, the script never ran.
    expect(pwnedRequests).toEqual([]);
    for (const b of pwnedBlocked) expect(b).toMatch(/^\/pwned-(img|frame) (net::ERR_BLOCKED_BY_CSP|csp)$/);
    await page.close();
  });

  it('logged no console error or CSP violation on the explorer pages', () => {
    expect(problems.filter((p) => !p.startsWith('xss:'))).toEqual([]);
  });
});
