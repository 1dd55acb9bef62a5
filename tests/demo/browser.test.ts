/**
 * The two browser-only demo sites, in a real Chromium (Debian's `chromium`; CI installs it).
 * Skipped when no Chromium binary is found (set CHROMIUM_PATH to point at one).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { generic } from '../../parsers/sites/index.js';
import { fetchText } from './walk.js';

const executablePath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

describe.skipIf(!executablePath)('demo portal in a real browser', () => {
  let portal: DemoPortal;
  let browser: Browser;
  beforeAll(async () => {
    portal = await startDemoPortal({ sites: ['spa', 'jsl'] });
    browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  it('spa: the rendered list holds exactly the expected reports', async () => {
    const site = portal.sites.find((s) => s.name === 'spa')!;
    const page = await browser.newPage();
    await page.goto(site.entry);
    await page.waitForSelector('#nbList li a');
    const d = generic.discover({ url: page.url(), html: await page.content() });
    expect(d.reports.map((r) => r.url).sort()).toEqual(site.expected.map((e) => e.url).sort());
    expect(d.needsBrowser).toBeUndefined();
    await page.close();
  });

  it('jsl: the browser passes the 521 challenge and its cookie works over plain HTTP', async () => {
    const site = portal.sites.find((s) => s.name === 'jsl')!;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(site.entry);
    await page.waitForSelector('ul.list a');
    const cookies = await context.cookies(site.origin);
    const header = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect(header).toMatch(/__jsl_clearance_s=/);
    const r = await fetchText(site.expected[0]!.url, { cookie: header });
    expect(r.status).toBe(200);
    expect(r.text).toContain(site.expected[0]!.title);
    await context.close();
  });
});
