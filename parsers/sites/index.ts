/**
 * Discovery adapters for the CMS families of Chinese government portals (pure: text in, links out).
 * See `types.ts` for the contract and `docs/sites.md` for how a crawler drives them.
 */
import type { Adapter, AdapterId } from './types.js';
import { trsClassic } from './trs-classic.js';
import { trsFujian } from './trs-fujian.js';
import { hanweb } from './hanweb.js';
import { vsb } from './vsb.js';
import { generic } from './generic.js';

export * from './types.js';
export { detectChallenge, type Challenge, type ChallengeKind } from './challenge.js';
export { findRedirect, isReportTitle, reportYear, normalizeDate, resolveUrl, attachmentExt, ATTACHMENT_EXTS } from './util.js';
export { findAttachments, ATTACHMENT_PREFERENCE, rankAttachments, viewedDocument } from './attachments.js';
export { trsClassic, parseTrsPaging, trsPageUrls, TRS_DOC_RE, type TrsPaging } from './trs-classic.js';
export { trsFujian, parseTrsApiConfig, trsSearchRequest, discoverTrsJson, TRS_SEARCH_PATH, type TrsApiConfig } from './trs-fujian.js';
export { hanweb, datastoreRecords, parseHanwebPaging, discoverDataproxy, DATAPROXY_PATH, type HanwebPaging } from './hanweb.js';
export { vsb, vsbPageUrls, VSB_DOC_RE } from './vsb.js';
export { generic, columnScore, looksLikeDocument, paginationLinks, siteKey } from './generic.js';

/** Every adapter, most specific first (the order breaks fingerprint ties). */
export const ADAPTERS: readonly Adapter[] = [trsFujian, hanweb, vsb, trsClassic, generic];

/** The adapter with this id (throws on an unknown id: registry validation prevents it). */
export function getAdapter(id: AdapterId): Adapter {
  const a = ADAPTERS.find((x) => x.id === id);
  if (!a) throw new Error(`unknown adapter id: ${String(id)}`);
  return a;
}

export interface CmsGuess {
  id: AdapterId;
  confidence: number;
  /** Every adapter's score, for `nianbao sites check`. */
  scores: Record<AdapterId, number>;
}

/**
 * Picks the adapter whose fingerprint is most confident for this page. Below 0.3 the page gives
 * no family evidence and the generic discoverer is chosen.
 */
export function fingerprintCms(html: string, url: string): CmsGuess {
  const scores = {} as Record<AdapterId, number>;
  let best: Adapter = generic;
  let bestScore = -1;
  for (const a of ADAPTERS) {
    let s = 0;
    try {
      s = Math.max(0, Math.min(1, a.fingerprint(html, url)));
    } catch {
      s = 0;
    }
    scores[a.id] = s;
    if (s > bestScore) {
      best = a;
      bestScore = s;
    }
  }
  if (bestScore < 0.3) return { id: 'generic', confidence: scores.generic, scores };
  return { id: best.id, confidence: bestScore, scores };
}
