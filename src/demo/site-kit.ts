/**
 * What the demo site definitions (sites-*.ts) share: the corpus reports they republish, a route
 * map builder, the title and date a list shows for a report, and the path shapes of the families.
 */
import { corpusDoc, rewritePlace, type CorpusDoc } from './corpus.js';
import type { Route, ServeContext } from './site-types.js';

/** The Pingtan corpus reports the demo sites republish, by year (and one letter that is no report). */
export interface DemoCorpus {
  y2025: CorpusDoc;
  y2023: CorpusDoc;
  y2021: CorpusDoc;
  y2019: CorpusDoc;
  y2017: CorpusDoc;
  y2016: CorpusDoc;
  letter: CorpusDoc;
}

/** Reads the corpus metadata of the reports the demo sites republish (from `root`). */
export function loadDemoCorpus(root?: string): DemoCorpus {
  const doc = (n: string) => corpusDoc(n, root);
  return {
    y2025: doc('fujian-pingtan-2025'),
    y2023: doc('fujian-pingtan-2023'),
    y2021: doc('fujian-pingtan-2021'),
    y2019: doc('fujian-pingtan-2019'),
    y2017: doc('fujian-pingtan-2017'),
    y2016: doc('fujian-pingtan-2016'),
    letter: doc('fujian-pingtan-letter-2014'),
  };
}

/** The title and date a list shows for a corpus report republished by `place`. */
export function listed(doc: CorpusDoc, place: string | undefined) {
  return { title: rewritePlace(doc.title, place), date: doc.published ?? `${doc.day.slice(0, 4)}-${doc.day.slice(4, 6)}-${doc.day.slice(6, 8)}` };
}

/** Splits `[a,b,c,d,e]` into pages of `n`. */
export function pages<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

/** The 网站标识码 of the n-th fictional site. */
export const demoSiteId = (n: number) => `DEMO00000${n}`;

/** The Host header a page was asked for (what its SiteDomain meta names). */
export const hostOf = (ctx: ServeContext) => ctx.url.host;

export interface RouteBuilder {
  routes: Map<string, Route>;
  html(path: string, render: (ctx: ServeContext) => string, lastModified?: string): void;
  report(path: string, doc: string): void;
}

export function builder(): RouteBuilder {
  const routes = new Map<string, Route>();
  return {
    routes,
    html(path, render, lastModified) {
      routes.set(path, lastModified ? { kind: 'html', render, lastModified } : { kind: 'html', render });
    },
    report(path, doc) {
      routes.set(path, { kind: 'report', doc });
    },
  };
}

/** A TRS detail page path: `{dir}{yyyymm}/t{yyyymmdd}_{docid}.{ext}`. */
export const trsPath = (dir: string, d: CorpusDoc, ext: string) => `${dir}${d.month}/t${d.day}_${d.docid}.${ext}`;
