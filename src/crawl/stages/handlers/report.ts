/**
 * The handler of report pages: a known document (same bytes) is one more location; otherwise the
 * page is parsed while its snapshot is written. A page without report tables that links
 * attachments is a notice (the first attachment is the report); a report page's own attachments
 * are queued as extras. Shared with the attachment handler: storing a parsed document, and a known
 * report URL that now redirects away.
 */
import { findAttachments, rankAttachments, type AttachmentLink } from '../../../../parsers/sites/index.js';
import { datedByItself } from '../../../../parsers/report.js';
import { isHtmlResponse } from '../../../fetch/index.js';
import { redirectedAway } from '../../../store/revisions.js';
import type { ParseOutcome } from '../../../store/writer.js';
import type { FetchedPage, FrontierRow, NewItem } from '../contracts.js';
import { fileNameOf, parseContentType, validators } from '../got.js';
import { commit, emitPage, pageOf, reportErrors, responseRecord, storeKnown, storeVanished, type PageCtx } from '../outcomes.js';
import { refusedLinkErrors } from './discovery.js';

/** Cheap test on the raw bytes (extensions are ASCII in every charset) before looking for attachments. */
const MAY_LINK_ATTACHMENT = /\.(?:pdf|docx?|wps|mht(?:ml)?|xlsx?|et|ofd)\b|down(?:load|file)|attach|fujian/i;

export function hasTables(outcome: ParseOutcome): boolean {
  return outcome.ok && (outcome.report.cells.length > 0 || (outcome.report.stats?.length ?? 0) > 0);
}

export function rowMeta(row: FrontierRow): { date?: string; published?: string } {
  if (!row.meta) return {};
  try {
    const m = JSON.parse(row.meta) as { date?: unknown; published?: unknown };
    return {
      ...(typeof m.date === 'string' ? { date: m.date } : {}),
      ...(typeof m.published === 'string' ? { published: m.published } : {}),
    };
  } catch {
    return {};
  }
}

/** Parses a fetched document with the site's encoding override. */
export function parsePage(ctx: PageCtx, got: FetchedPage): Promise<ParseOutcome> {
  return ctx.run.sink.parse(got.res.body, fileNameOf(got.res), parseContentType(got, ctx.r.settings.encoding), got.priorDecode);
}

/**
 * A known report URL that now redirects to another page (another path or host: the home page,
 * an error page) where no report tables are: recorded as vanished, the row failed (tried again
 * later). Returns true when it did.
 */
export async function redirectedAwayFrom(ctx: PageCtx, got: FetchedPage): Promise<boolean> {
  const { row, run } = ctx;
  if (row.document_id === null || got.res.redirects.length === 0) return false;
  if (!redirectedAway(await run.sink.documentUrl(row.document_id), got.res.finalUrl)) return false;
  const known = await run.sink.knownDocument(got.sha);
  if (known && known.reportId !== null) return false; // the same report, moved
  const outcome = await parsePage(ctx, got);
  if (hasTables(outcome)) return false; // a report is there
  await storeVanished(ctx, got, await run.sink.snapshot(got.res.body, got.sha, got.res.gzip), 'redirected');
  return true;
}

/** Stores a parsed document (new, updated, the same values again, or no report where one was). */
export async function storeReport(ctx: PageCtx, got: FetchedPage, snapshotPath: string, outcome: ParseOutcome, extra: NewItem[]): Promise<void> {
  const { r, row, run } = ctx;
  if (outcome.ok && !datedByItself(outcome.report)) {
    // A document without a date of its own (a DOCX, a bare page), or dated only by its signature
    // (the date it was written): the date the linking list or page gives is when it was published.
    const m = rowMeta(row);
    const date = m.published ?? m.date;
    if (date && /^\d{4}-\d{2}-\d{2}$/.test(date)) {
      outcome.report.published = date;
      outcome.report.publishedFrom = 'link';
    }
  }
  const charset = outcome.ok ? outcome.report.input.charset : got.charset;
  const page = pageOf(ctx, {
    response: { ...responseRecord(ctx, got, 'report', snapshotPath, null), charset },
    discovered: extra,
    finish: {
      state: 'done',
      status: got.res.status,
      sha256: got.sha,
      fetchedAt: got.res.fetchedAt,
      fetchMode: got.mode,
      ...(outcome.ok ? {} : { errorCode: outcome.code, error: outcome.message.slice(0, 1000) }),
      ...validators(got),
    },
    // A document that could not be read: on record with its report (failed), not as a run error count.
    ...(outcome.ok ? {} : { errors: [{ code: outcome.code, message: outcome.message, counted: false }] }),
  });
  const doc = { page: got, snapshotPath, fileName: fileNameOf(got.res), agencyId: r.agencyId, site: r.site.name, row };
  const stored = await run.sink.storeReport(doc, outcome, page);
  if (stored.outcome === 'no-tables') {
    // Where a report was, a page without report tables ("page not found" answered 200).
    await storeVanished(ctx, got, snapshotPath, 'no_tables');
    return;
  }
  if (stored.outcome === 'known') {
    await storeKnown(ctx, got, snapshotPath, stored.documentId, row.kind === 'attachment' ? 'attachment' : 'report');
    return;
  }
  if (stored.outcome === 'same') {
    await storeKnown(ctx, got, snapshotPath, row.document_id!, row.kind === 'attachment' ? 'attachment' : 'report');
    return;
  }
  if (stored.revised) r.summary.reportsRevised++;
  if (stored.outcome === 'updated') r.summary.reportsUpdated++;
  else r.summary.reportsNew++;
  if (stored.status === 'ok') r.summary.reportsOk++;
  else if (stored.status === 'partial') {
    r.summary.reportsPartial++;
    if (outcome.ok && !hasTables(outcome)) r.reason('no report tables (stored as partial)');
  } else {
    r.summary.reportsFailed++;
    r.summary.errors++;
    r.reason(outcome.ok ? 'failed' : outcome.code);
    run.emit({ type: 'error', site: r.site.name, url: row.url, code: outcome.ok ? 'failed' : outcome.code, message: outcome.ok ? 'failed' : outcome.message });
  }
  emitPage(ctx, stored.outcome, got, { reportStatus: stored.status });
}

function attachmentItems(ctx: PageCtx, atts: AttachmentLink[], pageIsNotice: boolean, published?: string): NewItem[] {
  const { r, row } = ctx;
  return rankAttachments(atts).map((a, i) => ({
    key: a.url,
    url: a.url,
    site: r.site.name,
    kind: 'attachment' as const,
    depth: row.depth + 1,
    parent: row.key,
    title: a.title,
    year: row.year,
    role: pageIsNotice && i === 0 ? 'report' : 'extra',
    ...(published ? { meta: { published } } : {}),
  }));
}

/** A 2xx report page. */
export async function handleReport(ctx: PageCtx, got: FetchedPage): Promise<void> {
  const { row, run } = ctx;
  if (await redirectedAwayFrom(ctx, got)) return;
  const refused = refusedLinkErrors(ctx, got);
  if (refused.length > 0) await commit(ctx, { errors: refused });
  const existing = await run.sink.knownDocument(got.sha);
  // The snapshot is compressed and written while the page is parsed; it is on disk before any
  // row pointing to it is written.
  const snapshot = run.sink.snapshot(got.res.body, got.sha, got.res.gzip);
  if (existing && existing.reportId !== null) {
    await storeKnown(ctx, got, await snapshot, existing.documentId, 'report');
    return;
  }
  const outcome = await parsePage(ctx, got);
  const attachments =
    isHtmlResponse(got.res) && MAY_LINK_ATTACHMENT.test(got.res.body.toString('latin1')) && got.text !== null
      ? findAttachments(got.text, got.res.finalUrl)
      : [];
  const snapshotPath = await snapshot;
  if (!hasTables(outcome) && attachments.length > 0) {
    // The page is a notice; the attachment is the report.
    const published = (outcome.ok ? outcome.report.published : null) ?? rowMeta(row).published ?? rowMeta(row).date;
    const page = pageOf(ctx, {
      response: responseRecord(ctx, got, 'notice', snapshotPath, null),
      discovered: attachmentItems(ctx, attachments, true, published ?? undefined),
      finish: { state: 'done', status: got.res.status, sha256: got.sha, fetchedAt: got.res.fetchedAt, fetchMode: got.mode, ...validators(got) },
      seen: true,
    });
    await run.frontier.commit(page);
    reportErrors(ctx, page.errors);
    emitPage(ctx, 'notice', got);
    return;
  }
  const extra = hasTables(outcome) ? attachmentItems(ctx, attachments, false) : [];
  await storeReport(ctx, got, snapshotPath, outcome, extra);
}
