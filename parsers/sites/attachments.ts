/**
 * Attachments of a page: which of several is *the* report, documents shown through a viewer or an
 * `<iframe>`/`<embed>`/`<object>`, and a markup pre-check that skips building a DOM for pages that
 * link none. Pure functions.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import type { AttachmentLink } from './types.js';
import { attachmentExt, cleanText, collectLinks, inTemplate, loadHtml, resolveUrl } from './util.js';

/** Attachment kinds by preference when one of several is *the* report: Word first (its tables are exact), spreadsheets last. */
export const ATTACHMENT_PREFERENCE = ['docx', 'doc', 'wps', 'mht', 'mhtml', 'pdf', 'ofd', 'xlsx', 'xls', 'et'];

/** Attachments in order of {@link ATTACHMENT_PREFERENCE} (stable: page order within a kind). */
export function rankAttachments<T extends { ext: string }>(atts: readonly T[]): T[] {
  const rank = (a: T) => {
    const i = ATTACHMENT_PREFERENCE.indexOf(a.ext);
    return i < 0 ? ATTACHMENT_PREFERENCE.length : i;
  };
  return [...atts].sort((a, b) => rank(a) - rank(b));
}

/** Query parameters a document viewer takes the document's address from (pdf.js: `viewer.html?file=…`). */
const VIEWER_PARAMS = ['file', 'url', 'src', 'pdf', 'path', 'fileUrl'];

/**
 * The document a viewer page shows: `…/viewer.html?file=/u/report.pdf` (pdf.js and its look-alikes)
 * → the file, resolved against the viewer's address. Undefined when the URL is no such viewer.
 */
export function viewedDocument(url: string): { url: string; ext: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  for (const key of VIEWER_PARAMS) {
    const value = u.searchParams.get(key)?.trim();
    if (!value) continue;
    const target = resolveUrl(value, url);
    const ext = target ? attachmentExt(target) : undefined;
    if (target && ext) return { url: target, ext };
  }
  return undefined;
}

/** Elements that show a document in the page: `<iframe src>`, `<embed src>`, `<object data>`. */
const EMBEDDING = 'iframe[src], embed[src], object[data]';

/**
 * Attachment links (PDF/DOC/DOCX/WPS/XLS/…) anywhere on the page outside templates, and the
 * documents it shows inline (an `<iframe>`/`<embed>`/`<object>` of the file, or of a viewer such
 * as pdf.js given the file's address) — a notice page often shows its report only that way.
 */
export function findAttachmentsIn($: CheerioAPI, base: string): AttachmentLink[] {
  const out: AttachmentLink[] = [];
  const seen = new Set<string>();
  const add = (url: string, title: string, ext: string): void => {
    if (seen.has(url)) return;
    seen.add(url);
    out.push({ url, title: title || decodeURIComponent(new URL(url).pathname.split('/').pop() ?? ''), ext });
  };
  for (const l of collectLinks($, base)) {
    const viewed = viewedDocument(l.url);
    if (viewed) add(viewed.url, l.title, viewed.ext);
    else {
      const ext = attachmentExt(l.url, l.title);
      if (ext) add(l.url, l.title, ext);
    }
  }
  $(EMBEDDING).each((_, node) => {
    const el = node as Element;
    if (inTemplate($, el)) return;
    const url = resolveUrl(el.attribs['src'] ?? el.attribs['data'], base);
    if (!url) return;
    const title = cleanText(el.attribs['title'] ?? '');
    const viewed = viewedDocument(url);
    const ext = viewed ? viewed.ext : attachmentExt(url);
    if (ext) add(viewed ? viewed.url : url, title, ext);
  });
  return out;
}

/**
 * Every value of an attribute named `href` (or `src`, `data`: embedded documents) in the markup, as the HTML tokenizer delimits it
 * (name after whitespace, `/` or a quote, any case; value quoted up to its quote or the end, or
 * unquoted up to whitespace or `>`). Over-inclusive on purpose: it also sees `href`s inside
 * comments, scripts and other attributes' text, never fewer than the DOM has.
 */
const HREF_ATTR = /\b(?:href|src|data)[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)(?:"|$)|'([^']*)(?:'|$)|([^\t\n\f\r >]*))/gi;

/**
 * False when no `<a href>` (nor `<iframe src>`, `<embed src>`, `<object data>`) of the page can be an attachment, decided from the markup without
 * building a DOM: every `href` value is resolved against `base` and tested as
 * {@link attachmentExt} would test it with a link text that names a file. A value holding a
 * character reference (`&…`) or a NUL, which the tokenizer would rewrite, counts as a possible
 * attachment. So `true` only means "look in the DOM"; `false` is exact.
 */
export function mayLinkAttachments(html: string, base: string): boolean {
  HREF_ATTR.lastIndex = 0;
  for (let m = HREF_ATTR.exec(html); m !== null; m = HREF_ATTR.exec(html)) {
    const value = m[1] ?? m[2] ?? m[3] ?? '';
    if (value.includes('&') || value.includes('\0')) return true;
    const url = resolveUrl(value, base);
    if (url !== null && (attachmentExt(url, 'x.pdf') !== undefined || viewedDocument(url) !== undefined)) return true;
  }
  return false;
}

/**
 * Attachments of an HTML page: `findAttachmentsIn` on the loaded page, skipped (no DOM built)
 * when {@link mayLinkAttachments} rules every link out.
 */
export function findAttachments(html: string, url: string): AttachmentLink[] {
  if (!mayLinkAttachments(html, url)) return [];
  return findAttachmentsIn(loadHtml(html), url);
}
