/**
 * The handler of attachments: a known document is one more location; the attachment a notice
 * page names its report, and Word documents and web archives wherever they are, are parsed and
 * stored; other files are snapshotted and kept on record.
 */
import { isBudgetRefusal } from '../../../../parsers/budget.js';
import { headerValue } from '../../../fetch/index.js';
import type { FetchedPage } from '../contracts.js';
import { fileNameOf, isOle, isZip, validators } from '../got.js';
import { commit, emitPage, responseRecord, storeKnown, type PageCtx } from '../outcomes.js';
import { hasTables, parsePage, redirectedAwayFrom, storeReport } from './report.js';

/** A 2xx attachment. */
export async function handleAttachment(ctx: PageCtx, got: FetchedPage): Promise<void> {
  const { r, row, run } = ctx;
  if (await redirectedAwayFrom(ctx, got)) return;
  r.summary.attachments++;
  const snapshot = run.sink.snapshot(got.res.body, got.sha, got.res.gzip);
  const existing = await run.sink.knownDocument(got.sha);
  if (existing && existing.reportId !== null) {
    await storeKnown(ctx, got, await snapshot, existing.documentId, 'attachment');
    return;
  }
  const isReport = row.role === 'report';
  // Word documents (.docx, .doc, .wps) and web archives (.mht, Word's "single file web page") are
  // read whatever their place; a PDF or a spreadsheet only when the page names it the report.
  const word =
    /\.(docx|doc|wps|mht|mhtml)$/i.test(fileNameOf(got.res)) ||
    /wordprocessingml|msword|kswps|multipart\/related|message\/rfc822/i.test(headerValue(got.res.headers, 'content-type') ?? '') ||
    isZip(got.res.body) ||
    isOle(got.res.body);
  if (isReport || word) {
    const outcome = await parsePage(ctx, got);
    // A document refused by its budget is recorded failed whatever its place (never read again).
    if (isReport || hasTables(outcome) || (!outcome.ok && isBudgetRefusal(outcome.code))) {
      await storeReport(ctx, got, await snapshot, outcome, []);
      return;
    }
  }
  const snapshotPath = await snapshot;
  await commit(ctx, {
    response: responseRecord(ctx, got, 'attachment', snapshotPath, null),
    finish: { state: 'done', status: got.res.status, sha256: got.sha, fetchedAt: got.res.fetchedAt, fetchMode: got.mode, ...validators(got) },
  });
  emitPage(ctx, 'attachment', got);
}
