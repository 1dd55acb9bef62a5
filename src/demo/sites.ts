/**
 * The demo portal's sites: one per CMS family or failure mode, each with its routes (pages built
 * from the shapes in notes/portals.md around real report pages from `snapshots/`), the reports a
 * crawl must store, and what it must skip.
 *
 * Except `fj` (the real Pingtan column, served as found), the sites are fictional agencies named
 * 甲市, 乙市, 丙县 … that republish real Pingtan reports under their own name (see `rewritePlace`):
 * their tables and numbers are the corpus reports' own, so `snapshots/corpus/<source>.expected.json`
 * gives every value a crawl must store. The sites themselves are defined in sites-cms.ts (CMS
 * families), sites-generic.ts (generic discovery) and sites-hostile.ts (failure modes).
 */
import { rewritePlace, type CorpusDoc } from './corpus.js';
import { esc } from './page-html.js';
import { loadDemoCorpus } from './site-kit.js';
import type { DemoSiteDef } from './site-types.js';
import { fjSite, hanwebSite, trsSite, vsbSite } from './sites-cms.js';
import { docxSite, gbkSite, spaSite } from './sites-generic.js';
import { flakySite, jslSite, robotsSite } from './sites-hostile.js';

/** Re-exported for the site tests (tests/sites/_pages.ts). */
export type { DemoSiteDef } from './site-types.js';

/** Builds every demo site definition (reads the corpus metadata from `root`). */
export function buildDemoSites(root?: string): DemoSiteDef[] {
  const corpus = loadDemoCorpus(root);
  return [
    fjSite(corpus, root),
    trsSite(corpus),
    hanwebSite(corpus),
    vsbSite(corpus),
    gbkSite(corpus),
    spaSite(corpus),
    docxSite(corpus),
    flakySite(corpus),
    robotsSite(corpus),
    jslSite(corpus),
  ];
}

/** A corpus report page as a site serves it (place rewrite, meta Url pointing at the demo URL). */
export function renderReport(doc: CorpusDoc, site: DemoSiteDef, url: string): string {
  if (!site.place) return doc.html;
  let html = rewritePlace(doc.html, site.place);
  html = html.replace(/(<meta\s+name="Url"\s+content=")[^"]*(")/i, `$1${esc(url)}$2`);
  html = html.replace(/(<meta\s+name="SiteDomain"\s+content=")[^"]*(")/i, `$1${esc(new URL(url).host)}$2`);
  return html;
}

/** Replaces a UTF-8 charset declaration by a GBK one (for the GBK site's report pages). */
export function declareGbk(html: string): string {
  const meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk" />';
  if (/<meta\s+charset=["']?utf-8["']?[^>]*>/i.test(html)) return html.replace(/<meta\s+charset=["']?utf-8["']?[^>]*>/i, meta);
  return html.replace(/<head>/i, `<head>\n${meta}`);
}
