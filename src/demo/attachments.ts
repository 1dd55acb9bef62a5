/**
 * The demo's DOCX attachments: generated once, when the portal starts, from the corpus pages the
 * `docx` routes name (with the site's place rewrite), and served with a Content-Disposition that
 * carries the Chinese file name (RFC 6266 `filename*`) and an ASCII fallback.
 */
import { corpusDoc } from './corpus.js';
import { htmlReportToDocx } from './docx.js';
import type { DemoSiteDef } from './site-types.js';
import { renderReport } from './sites.js';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The DOCX bytes of every `docx` route of the sites, by {@link attachmentKey}. */
export type DocxAttachments = Map<string, Buffer>;

export const attachmentKey = (site: DemoSiteDef, doc: string) => `${site.name}\0${doc}`;

/** Generates the DOCX of every `docx` route of `defs` (once per site and corpus page). */
export async function buildDocxAttachments(defs: readonly DemoSiteDef[], root: string): Promise<DocxAttachments> {
  const docx: DocxAttachments = new Map();
  for (const d of defs) {
    for (const route of d.routes.values()) {
      if (route.kind === 'docx' && !docx.has(attachmentKey(d, route.doc))) {
        const html = renderReport(corpusDoc(route.doc, root), d, 'http://127.0.0.1/');
        docx.set(attachmentKey(d, route.doc), await htmlReportToDocx(html, { author: `${d.place ?? ''}人民政府办公室` }));
      }
    }
  }
  return docx;
}

/** The headers of an attachment download named `filename`. */
export function attachmentHeaders(filename: string): Record<string, string> {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return {
    'Content-Type': DOCX_TYPE,
    'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
  };
}
