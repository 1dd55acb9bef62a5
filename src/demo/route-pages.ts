/**
 * What a demo site's route answers: generated HTML pages, corpus report pages (place rewrite, GBK
 * re-encoding for the GBK site), real portal files byte for byte, DOCX attachments, JSON/XML
 * APIs, and the fictional agencies' generated reports (revised or gone in round 2). Pages carry
 * an ETag and Last-Modified so a re-crawl can ask conditionally; APIs are dynamic.
 */
import type http from 'node:http';
import iconv from 'iconv-lite';
import { attachmentHeaders, attachmentKey, type DocxAttachments } from './attachments.js';
import { corpusDoc, portalFile } from './corpus.js';
import { LAST_MODIFIED_DEFAULT, etagOf, type Replier } from './http-reply.js';
import type { DemoSiteDef, Route, ServeContext } from './site-types.js';
import { declareGbk, renderReport } from './sites.js';

export type ServeRoute = (site: DemoSiteDef, route: Route, ctx: ServeContext, req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The route server of a portal: `round()` is the round it serves now. */
export function routeServer(o: { root: string; reply: Replier; docx: DocxAttachments; round: () => 1 | 2 }): ServeRoute {
  const { send, notFound } = o.reply;
  const encode = (site: DemoSiteDef, html: string): Buffer => (site.charset === 'gbk' ? iconv.encode(html, 'gbk') : Buffer.from(html, 'utf8'));
  const htmlType = (site: DemoSiteDef) => (site.charset === 'gbk' ? 'text/html' : 'text/html; charset=utf-8');

  return (site, route, ctx, req, res) => {
    switch (route.kind) {
      case 'html': {
        const body = encode(site, route.render(ctx));
        const lm = route.lastModified ? Date.parse(route.lastModified) : LAST_MODIFIED_DEFAULT;
        return send(req, res, 200, { 'Content-Type': htmlType(site) }, body, { etag: etagOf(body), lastModified: lm });
      }
      case 'report': {
        const doc = corpusDoc(route.doc, o.root);
        let html = renderReport(doc, site, ctx.url.href);
        if (site.charset === 'gbk') html = declareGbk(html);
        const body = encode(site, html);
        const lm = doc.published ? Date.parse(`${doc.published}T08:00:00Z`) : LAST_MODIFIED_DEFAULT;
        return send(req, res, 200, { 'Content-Type': htmlType(site) }, body, { etag: etagOf(body), lastModified: lm });
      }
      case 'file': {
        const body = portalFile(route.file, o.root);
        return send(req, res, 200, { 'Content-Type': route.contentType }, body, { etag: etagOf(body), lastModified: LAST_MODIFIED_DEFAULT });
      }
      case 'docx': {
        const body = o.docx.get(attachmentKey(site, route.doc))!;
        return send(req, res, 200, attachmentHeaders(route.filename), body, { etag: etagOf(body), lastModified: LAST_MODIFIED_DEFAULT });
      }
      case 'api': {
        return send(req, res, 200, { 'Content-Type': route.contentType, 'Cache-Control': 'no-cache' }, Buffer.from(route.render(ctx), 'utf8'));
      }
      case 'generated': {
        const round = o.round();
        if (round === 2 && route.round2 === 'vanished') return notFound(req, res);
        const html =
          round === 2 && (route.round2 === 'revised' || route.round2 === 'reworded') && route.report.revisedHtml ? route.report.revisedHtml : route.report.html;
        const body = encode(site, html);
        const p = route.report.plan.published;
        return send(req, res, 200, { 'Content-Type': htmlType(site) }, body, {
          etag: etagOf(body),
          ...(p ? { lastModified: Date.parse(`${p}T08:00:00Z`) } : {}),
        });
      }
    }
  };
}
