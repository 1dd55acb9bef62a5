/** Test helpers: the real portal snapshots and the demo sites' pages rendered without HTTP. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoSites, renderReport, type DemoSiteDef } from '../../src/demo/sites.js';
import { corpusDoc, projectRoot } from '../../src/demo/corpus.js';

export const ROOT = projectRoot();
export const PINGTAN_LIST_URL = 'https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/';
export const PINGTAN_DETAIL_URL = 'https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202001/t20200120_80576.htm';

export function portalPage(name: string): string {
  return readFileSync(join(ROOT, 'snapshots', 'portals', name), 'utf8');
}

export function corpusPage(name: string): string {
  return readFileSync(join(ROOT, 'snapshots', 'corpus', `${name}.html`), 'utf8');
}

const sites = buildDemoSites(ROOT);
export const DEMO_ORIGIN = 'http://demo.test:8080';

export function demoSite(name: string): DemoSiteDef {
  const s = sites.find((x) => x.name === name);
  if (!s) throw new Error(`no demo site ${name}`);
  return s;
}

/** The text a demo site serves at `pathAndQuery` (as UTF-8 text, before any GBK encoding). */
export function demoPage(siteName: string, pathAndQuery: string, params?: Record<string, string>): { url: string; text: string } {
  const site = demoSite(siteName);
  const url = new URL(pathAndQuery, DEMO_ORIGIN);
  const route = site.routes.get(url.pathname + url.search) ?? site.routes.get(url.pathname);
  if (!route) throw new Error(`${siteName}: no route ${pathAndQuery}`);
  const ctx = { origin: DEMO_ORIGIN, url, params: new URLSearchParams({ ...Object.fromEntries(url.searchParams), ...params }) };
  switch (route.kind) {
    case 'html':
    case 'api':
      return { url: url.href, text: route.render(ctx) };
    case 'report':
      return { url: url.href, text: renderReport(corpusDoc(route.doc, ROOT), site, url.href) };
    case 'file':
      return { url: url.href, text: portalPage(route.file) };
    case 'docx':
      throw new Error('docx route is binary');
    case 'generated':
      return { url: url.href, text: route.report.html };
  }
}

/** Absolute demo URL of a path. */
export function demoUrl(path: string): string {
  return new URL(path, DEMO_ORIGIN).href;
}
