/**
 * The report page's versions: the other versions of the report (stored from the same URL, or
 * linked to it by a revision), each revision's differing values side by side (old → new) and the
 * sentences of its text that differ (old struck through → new), and a notice when the report's URL vanished (the stored copy is still shown below it).
 */
import {
  describeRevision,
  describeVanishing,
  revisionCells,
  revisionSentences,
  revisionsOfReport,
  vanishingsOfReport,
  type RevisionSentenceRow,
} from '../store/changes.js';
import type { Db } from '../store/db.js';
import { describeTextDiff } from '../store/text-diff.js';
import { html, type SafeHtml } from './html.js';
import { fmt } from './layout.js';

/**
 * Sentences of a revision's text that differ, as a list: changed `old → new`, added `+ new`,
 * removed `- old` (escaped: they are scraped text). `more`: changes not shown (counted).
 */
export function sentenceList(rows: readonly RevisionSentenceRow[], more: number): SafeHtml {
  // A change the site's page template made (the same in other revisions of the crawl) says so.
  const tpl = (s: RevisionSentenceRow): SafeHtml | '' =>
    s.template === 1 ? html` <span class="pill" title="the site's page template changed">page template</span>` : '';
  return html`<ul class="sentences">${rows.map((s) =>
    s.change === 'changed'
      ? html`<li><span class="small muted">changed</span> <del>${s.old_text ?? ''}</del> → <ins>${s.new_text ?? ''}</ins>${tpl(s)}</li>`
      : s.change === 'added'
        ? html`<li><span class="small muted">added</span> <ins>${s.new_text ?? ''}</ins>${tpl(s)}</li>`
        : html`<li><span class="small muted">removed</span> <del>${s.old_text ?? ''}</del>${tpl(s)}</li>`,
  )}${more > 0 ? html`<li class="small muted">and ${more} more sentence change(s)</li>` : ''}</ul>`;
}

/** A notice that the report's URL vanished (empty when it did not, or came back). */
export function vanishedNotice(db: Db, reportId: number): SafeHtml | '' {
  const open = vanishingsOfReport(db, reportId).filter((v) => v.returned_at === null);
  if (open.length === 0) return '';
  return html`${open.map(
    (v) =>
      html`<p class="error-box" id="vanished"><span class="pill error">vanished</span> The report's URL <code>${v.url}</code> ${describeVanishing(v.reason, v.http_status, v.final_url)} since ${v.first_seen_at.slice(0, 10)} (last checked ${v.last_seen_at.slice(0, 10)}). The copy nianbao stored is kept and shown here.</p>`,
  )}`;
}

/** The "Versions" section, or nothing when the report has a single version. */
export function versionsSection(db: Db, reportId: number, url: string | null): SafeHtml | '' {
  const revisions = revisionsOfReport(db, reportId);
  const sameUrl =
    url === null
      ? []
      : (db
          .prepare(
            `SELECT r.id, d.fetched_at, d.ingested_at, r.is_primary FROM reports r JOIN documents d ON d.id = r.document_id
             WHERE d.url = ? ORDER BY r.id`,
          )
          .all(url) as { id: number; fetched_at: string | null; ingested_at: string; is_primary: number }[]);
  if (revisions.length === 0 && sameUrl.length <= 1) return '';
  const versions = html`<ul>${sameUrl.map(
    (v) =>
      html`<li>${v.id === reportId ? html`<strong>#${v.id} (this version)</strong>` : html`<a href="/report/${v.id}#versions">#${v.id}</a>`} fetched ${(v.fetched_at ?? v.ingested_at).slice(0, 19).replace('T', ' ')}${v.is_primary ? ' · primary' : ''}</li>`,
  )}</ul>`;
  const diffs = revisions.map((rv) => {
    const cells = revisionCells(db, rv.id);
    const sentences = revisionSentences(db, rv.id);
    const total = rv.sentences_changed + rv.sentences_added + rv.sentences_removed;
    const other = rv.new_report_id === reportId ? rv.old_report_id : rv.new_report_id;
    const table =
      cells.length === 0
        ? html`<p class="small muted">No table cell changed.</p>`
        : html`<div class="scroll"><table class="data diff"><thead><tr><th>Cell</th><th>Raw (old)</th><th class="num">Old</th><th class="num">New</th><th>Raw (new)</th></tr></thead><tbody>${cells.map(
            (c) =>
              html`<tr><td><code>${c.table_name === 'report' ? c.row_key : `${c.table_name}.${c.row_key}.${c.col_key}`}</code></td><td class="small muted">${c.old_raw ?? ''}</td><td class="num old">${fmt(c.old_value)}</td><td class="num new">${fmt(c.new_value)}</td><td class="small muted">${c.new_raw ?? ''}</td></tr>`,
          )}</tbody></table></div>`;
    const text =
      total === 0
        ? ''
        : html`<h4 id="revision-${rv.id}-text">Text 正文: ${describeTextDiff({ changed: rv.sentences_changed, added: rv.sentences_added, removed: rv.sentences_removed })}</h4>
${sentenceList(sentences, total - sentences.length)}`;
    const title = rv.template_only === 1 ? html`Page template change, not a revision <span class="pill">page template</span>` : 'Revision';
    return html`<h3 id="revision-${rv.id}">${title}: <a href="/report/${rv.old_report_id}">#${rv.old_report_id}</a> → <a href="/report/${rv.new_report_id}">#${rv.new_report_id}</a> <span class="small muted">(${rv.kind === 'same_url' ? 'new content at the same URL' : 'published again'}, first seen ${rv.first_seen_at.slice(0, 10)}; ${describeRevision(rv)}; compare with <a href="/report/${other}">#${other}</a>)</span></h3>
${table}
${text}`;
  });
  return html`<h2 id="versions">Versions 版本 (${Math.max(sameUrl.length, revisions.length + 1)})</h2>
<p class="small muted">nianbao keeps every version it fetched; the values and the sentences of the text that differ are marked old → new.</p>
${sameUrl.length > 1 ? versions : ''}
${diffs}`;
}
