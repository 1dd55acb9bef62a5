/**
 * Page-template changes among a run's revisions. A portal that changes its page template inside
 * the article region (a new footer sentence, another 打印本页/关闭窗口 line, "本网站已支持IPv6")
 * makes every report of the site that a crawl fetches again look revised, all with the same
 * sentence change. Such a change is not the agency's: after a run has stored its revisions, the
 * sentence changes that recur across the revisions of one site are marked as the template's
 * (`revision_sentences.template`), and a revision that changed nothing else — no value, every
 * sentence change a template one, all of them kept — is template-only (`revisions.template_only`)
 * and loses its `report.revised` finding (docs/changes.md).
 *
 * Revisions are counted by site, and by the host of their URL as well: a platform that hosts many
 * agencies' sites (a city's 政府信息公开 platform, each department a registry site) changes its
 * template for all of them at once, one or two revisions a site.
 *
 * A sentence change is the same when its kind and its normalised old and new sentences are
 * (`changed` old → new, `added` new, `removed` old; normalised as the text diff compares them:
 * NFKC, spaces removed, quotes folded), or, for a `changed` sentence that kept its numbers, when
 * its short edit is ({@link sentenceChangeKey}). It is a template change when it occurs in at
 * least {@link TEMPLATE_MIN_REVISIONS} revisions of the site (or host) in the run and in at least
 * {@link TEMPLATE_MIN_SHARE} of them. A change recognised so on a site stays the template's on that
 * site for {@link TEMPLATE_WINDOW_DAYS} days on either side: a later run's revisions of the site
 * that carry it are marked too however few they are (a crawl that revisits the site's reports a
 * few at a time, or one cut short and resumed), and so are earlier runs' (template-marks.ts).
 *
 * {@link findTemplateChanges} is pure; `markTemplateRevisions` (template-marks.ts) reads and writes
 * the database in one transaction.
 */
import { normalizeLabel } from '../../parsers/normalize.js';
import type { Db } from './db.js';

/** Revisions of one site in one run that must share a sentence change for it to be the template's. */
export const TEMPLATE_MIN_REVISIONS = 3;
/** Share of the site's revisions in the run that must share a sentence change for it to be the template's. */
export const TEMPLATE_MIN_SHARE = 0.5;

/**
 * Days before (and after) a run within which a change recognised as a site's template in one run
 * marks the same change in the other's revisions of that site.
 */
export const TEMPLATE_WINDOW_DAYS = 90;

/** One kept sentence change of a revision (a `revision_sentences` row). */
export interface SentenceChangeInput {
  ord: number;
  change: 'changed' | 'added' | 'removed';
  oldText: string | null;
  newText: string | null;
}

/** A revision as the template rule sees it. */
export interface RevisionInput {
  id: number;
  /** What groups revisions: the crawl site (else the URL's host; one group for an ingest run's files). */
  group: string;
  /**
   * The host its URL is on, as a group (`host:…`, {@link hostGroup}), when that is not `group`:
   * revisions are counted by host too, for the platforms that host many agencies' sites.
   */
  host?: string | null;
  cellsChanged: number;
  /** Every sentence change counted on the revision (kept or not). */
  sentencesTotal: number;
  /** The sentence changes kept (the first 50). */
  sentences: readonly SentenceChangeInput[];
}

/** What the rule says of one revision. */
export interface RevisionVerdict {
  /** No value changed and every sentence change is the template's (all kept). */
  templateOnly: boolean;
  /** `ord` of its sentence changes that are the template's. */
  templateOrds: number[];
  /** How many of them are the template's only because another run recognised them on the site. */
  fromOtherRuns: number;
}

/** Sentence-change keys ({@link sentenceChangeKey}) that are a group's template, by group. */
export type TemplateKeys = ReadonlyMap<string, ReadonlySet<string>>;

/** Runs of digits (after normalisation: NFKC makes full-width digits ASCII). */
const DIGITS = /\d+/g;
/** The longest edit (removed + inserted characters) compared as an edit rather than whole sentences. */
const EDIT_MAX = 30;
/** Characters after an edit that go into its key (numbers folded). */
const EDIT_CONTEXT = 4;

/**
 * The key a sentence change is compared by across revisions. A `changed` sentence whose numbers
 * stayed the same — the same runs of digits in the same order, old and new — and whose edit is
 * short is compared by that edit alone: what was removed, what was put in, and the few characters
 * after it (numbers folded). A template that rewords a line each page fills with its own date or
 * source (来源：某局 时间：2024-01-05 → 来源：某局 发布时间：2024-01-05) makes the same edit on
 * every page. A change of a number is never compared so, nor are added or removed sentences: one
 * correction of a figure stays that report's.
 */
export function sentenceChangeKey(s: Pick<SentenceChangeInput, 'change' | 'oldText' | 'newText'>): string {
  const oldText = s.oldText === null ? '' : normalizeLabel(s.oldText);
  const newText = s.newText === null ? '' : normalizeLabel(s.newText);
  if (s.change === 'changed') {
    const edit = numberKeepingEdit(oldText, newText);
    if (edit !== null) return `edit\u0000${edit}`;
  }
  return `${s.change}\u0000${oldText}\u0000${newText}`;
}

/** The short edit from `oldText` to `newText` that left their numbers as they were, as a key part; else null. */
function numberKeepingEdit(oldText: string, newText: string): string | null {
  const numbers = (t: string): string => (t.match(DIGITS) ?? []).join(',');
  if (numbers(oldText) !== numbers(newText)) return null;
  let p = 0;
  while (p < oldText.length && p < newText.length && oldText[p] === newText[p]) p++;
  let q = 0;
  while (q < oldText.length - p && q < newText.length - p && oldText[oldText.length - 1 - q] === newText[newText.length - 1 - q]) q++;
  const removed = oldText.slice(p, oldText.length - q);
  const added = newText.slice(p, newText.length - q);
  if (removed.length + added.length > EDIT_MAX || /\d/.test(removed + added)) return null;
  const after = oldText.slice(oldText.length - q, oldText.length - q + EDIT_CONTEXT).replace(DIGITS, '#');
  return `${removed}\u0000${added}\u0000${after}`;
}

/** The groups a revision is counted in: its `group`, and its host when that is another. */
export function groupsOf(r: Pick<RevisionInput, 'group' | 'host'>): string[] {
  return r.host && r.host !== r.group ? [r.group, r.host] : [r.group];
}

/** Groups `revisions` by each of their groups ({@link groupsOf}), in order. */
function byGroup(revisions: readonly RevisionInput[]): Map<string, RevisionInput[]> {
  const groups = new Map<string, RevisionInput[]>();
  for (const r of revisions) {
    for (const name of groupsOf(r)) {
      const g = groups.get(name);
      if (g) g.push(r);
      else groups.set(name, [r]);
    }
  }
  return groups;
}

/**
 * The sentence changes that recur across one run's `revisions` of a group often enough to be its
 * template (at least `minRevisions` revisions, and at least `minShare` of the group's), by group.
 */
export function recurringTemplateKeys(
  revisions: readonly RevisionInput[],
  minRevisions: number = TEMPLATE_MIN_REVISIONS,
  minShare: number = TEMPLATE_MIN_SHARE,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [group, members] of byGroup(revisions)) {
    // In how many of the group's revisions each change occurs (once per revision).
    const seen = new Map<string, number>();
    for (const r of members) for (const k of new Set(r.sentences.map(sentenceChangeKey))) seen.set(k, (seen.get(k) ?? 0) + 1);
    const needed = Math.max(minRevisions, Math.ceil(minShare * members.length));
    const keys = new Set([...seen].filter(([, n]) => n >= needed).map(([k]) => k));
    if (keys.size > 0) out.set(group, keys);
  }
  return out;
}

/**
 * The template changes among `revisions` (one run's): per revision with at least one template
 * sentence change, its verdict. A change is the template's when it recurs across the run's
 * revisions of the group ({@link recurringTemplateKeys}) or is among `known`, the group's template
 * changes that other runs recognised. Revisions without one are left out.
 */
export function findTemplateChanges(
  revisions: readonly RevisionInput[],
  minRevisions: number = TEMPLATE_MIN_REVISIONS,
  minShare: number = TEMPLATE_MIN_SHARE,
  known: TemplateKeys = new Map(),
): Map<number, RevisionVerdict> {
  const recurring = recurringTemplateKeys(revisions, minRevisions, minShare);
  const out = new Map<number, RevisionVerdict>();
  for (const r of revisions) {
    const groups = groupsOf(r);
    const now = (k: string): boolean => groups.some((g) => recurring.get(g)?.has(k));
    const before = (k: string): boolean => groups.some((g) => known.get(g)?.has(k));
    const templateOrds: number[] = [];
    let fromOtherRuns = 0;
    for (const s of r.sentences) {
      const k = sentenceChangeKey(s);
      if (now(k)) templateOrds.push(s.ord);
      else if (before(k)) {
        templateOrds.push(s.ord);
        fromOtherRuns++;
      }
    }
    if (templateOrds.length === 0) continue;
    out.set(r.id, { templateOnly: isTemplateOnly(r, templateOrds.length), templateOrds, fromOtherRuns });
  }
  return out;
}

/** No value changed, every sentence change was kept, and `templateCount` of them are all of them. */
export function isTemplateOnly(r: Pick<RevisionInput, 'cellsChanged' | 'sentencesTotal' | 'sentences'>, templateCount: number): boolean {
  return r.cellsChanged === 0 && r.sentences.length === r.sentencesTotal && templateCount === r.sentences.length;
}

/** The group of a revision: its crawl site, else its URL's host, else (a file) the run's files. */
export function revisionGroup(site: string | null, url: string | null): string {
  if (site) return `site:${site}`;
  return hostGroup(url) ?? 'files';
}

/** The host of a revision's URL as a group (`host:…`); null for a file (no URL, or not one). */
export function hostGroup(url: string | null): string | null {
  try {
    const host = url ? new URL(url).host : '';
    if (host) return `host:${host}`;
  } catch {
    // not a URL: one of the run's files
  }
  return null;
}

/** Whether the database has migration 22's columns (a read-only older file may not). */
export function hasTemplateMarks(db: Db): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info('revisions') WHERE name = 'template_only'").get() !== undefined;
}
