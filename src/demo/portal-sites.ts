/**
 * The running portal's view of its sites: each site definition with its origin, the reports a
 * crawl of it must store (from the corpus metadata, or a fictional agency's generated values),
 * what it must skip, and the site registry that points a crawl at them.
 */
import { validateRegistry, type Registry } from '../sites/registry.js';
import { corpusDoc, rewritePlace } from './corpus.js';
import type { DemoSite, ExpectedReport } from './portal-types.js';
import type { DemoSiteDef, Route } from './site-types.js';

/** The sites as served: `originOf(name)` is the origin a site listens on. */
export function describeSites(defs: readonly DemoSiteDef[], originOf: (name: string) => string, root: string): DemoSite[] {
  return defs.map((d) => {
    const origin = originOf(d.name);
    const expected: ExpectedReport[] = d.reports.map((r) => {
      const route = d.routes.get(r.path);
      if (route?.kind === 'generated') return generatedExpected(d, origin, r.path, route);
      const doc = corpusDoc(r.doc, root);
      return {
        site: d.name,
        url: origin + r.path,
        documentUrl: origin + (r.documentPath ?? r.path),
        title: rewritePlace(doc.title, d.place),
        year: doc.year,
        agency: rewritePlace(doc.agency ?? '', d.place),
        published: doc.published,
        source: doc.name,
        format: r.format,
        needsBrowser: d.needsBrowser !== undefined,
      };
    });
    const abs = (xs: { path: string; title: string }[]) => xs.map((x) => ({ url: origin + x.path, title: x.title }));
    const s: DemoSite = {
      name: d.name,
      description: d.description,
      family: d.family,
      adapter: d.adapter,
      agency: d.agency,
      region: d.region,
      level: d.level,
      origin,
      entry: origin + d.entryPath,
      charset: d.charset,
      robotsTxt: d.robots,
      expected,
      skipped: abs(d.skipped),
      missing: abs(d.missing),
      disallowed: abs(d.disallowed),
    };
    if (d.needsBrowser) s.needsBrowser = d.needsBrowser;
    return s;
  });
}

/** A validated site registry for the served sites (entries point at this portal). */
export function demoRegistry(sites: readonly DemoSite[]): Registry {
  return validateRegistry({
    version: 1,
    sites: sites.map((s) => ({
      name: s.name,
      agency: s.agency,
      region: s.region,
      level: s.level,
      entries: [s.entry],
      adapter: s.adapter,
      cms: s.family,
      source: 'nianbao demo portal',
      notes: s.description,
      enabled: true,
      local: true, // on 127.0.0.1: exempt from the private-address refusal (never from the host scope)
      overrides: {},
    })),
  });
}

/** The expected report of a fictional agency's generated page. */
function generatedExpected(d: DemoSiteDef, origin: string, path: string, route: Extract<Route, { kind: 'generated' }>): ExpectedReport {
  const r = route.report;
  const revise = r.plan.revise;
  return {
    site: d.name,
    url: origin + path,
    documentUrl: origin + path,
    title: r.title,
    year: r.plan.year,
    agency: r.plan.agency,
    published: r.plan.published,
    source: d.reports.find((x) => x.path === path)!.doc,
    format: 'html',
    needsBrowser: false,
    generated: {
      values: Object.fromEntries(r.values),
      plants: r.plan.plants ?? [],
      ...(route.round2 ? { round2: route.round2 } : {}),
      ...(revise ? { revised: { path: revise.path, from: r.values.get(revise.path) ?? 0, to: revise.value } } : {}),
    },
  };
}
