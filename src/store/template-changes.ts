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
 * A sentence change is the same when its kind and its normalised old and new sentences are
 * (`changed` old → new, `added` new, `removed` old; normalised as the text diff compares them:
 * NFKC, spaces removed, quotes folded). It is a template change when it occurs in at least
 * {@link TEMPLATE_MIN_REVISIONS} revisions of the site in the run and in at least
 * {@link TEMPLATE_MIN_SHARE} of them.
 *
 * {@link findTemplateChanges} is pure; {@link markTemplateRevisions} reads and writes the database
 * in one transaction.
 */
import { normalizeLabel } from '../../parsers/normalize.js';
import type { Db } from './db.js';

/** Revisions of one site in one run that must share a sentence change for it to be the template's. */
export const TEMPLATE_MIN_REVISIONS = 3;
/** Share of the site's revisions in the run that must share a sentence change for it to be the template's. */
export const TEMPLATE_MIN_SHARE = 0.5;

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
}

/** The key a sentence change is compared by across revisions. */
export function sentenceChangeKey(s: Pick<SentenceChangeInput, 'change' | 'oldText' | 'newText'>): string {
  const norm = (t: string | null): string => (t === null ? '' : normalizeLabel(t));
  return `${s.change}\u0000${norm(s.oldText)}\u0000${norm(s.newText)}`;
}

/**
 * The template changes among `revisions` (one run's): per revision with at least one template
 * sentence change, its verdict. Revisions without one are left out.
 */
export function findTemplateChanges(
  revisions: readonly RevisionInput[],
  minRevisions: number = TEMPLATE_MIN_REVISIONS,
  minShare: number = TEMPLATE_MIN_SHARE,
): Map<number, RevisionVerdict> {
  const groups = new Map<string, RevisionInput[]>();
  for (const r of revisions) {
    const g = groups.get(r.group);
    if (g) g.push(r);
    else groups.set(r.group, [r]);
  }
  const out = new Map<number, RevisionVerdict>();
  for (const members of groups.values()) {
    // In how many of the group's revisions each change occurs (once per revision).
    const keys = new Map(members.map((r) => [r, r.sentences.map(sentenceChangeKey)]));
    const seen = new Map<string, number>();
    for (const ks of keys.values()) for (const k of new Set(ks)) seen.set(k, (seen.get(k) ?? 0) + 1);
    const needed = Math.max(minRevisions, Math.ceil(minShare * members.length));
    for (const r of members) {
      const ks = keys.get(r)!;
      const templateOrds = r.sentences.filter((_, i) => (seen.get(ks[i]!) ?? 0) >= needed).map((s) => s.ord);
      if (templateOrds.length === 0) continue;
      const templateOnly = r.cellsChanged === 0 && r.sentences.length === r.sentencesTotal && templateOrds.length === r.sentences.length;
      out.set(r.id, { templateOnly, templateOrds });
    }
  }
  return out;
}

/** The group of a revision: its crawl site, else its URL's host, else (a file) the run's files. */
export function revisionGroup(site: string | null, url: string | null): string {
  if (site) return `site:${site}`;
  try {
    const host = url ? new URL(url).host : '';
    if (host) return `host:${host}`;
  } catch {
    // not a URL: one of the run's files
  }
  return 'files';
}

/** Whether the database has migration 22's columns (a read-only older file may not). */
export function hasTemplateMarks(db: Db): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info('revisions') WHERE name = 'template_only'").get() !== undefined;
}

/** What {@link markTemplateRevisions} did. */
export interface TemplateMarking {
  /** Revisions of the run looked at. */
  revisions: number;
  /** Revisions marked template-only (their `report.revised` finding removed). */
  templateOnly: number;
  /** Revisions with real changes that also carry template sentence changes (marked). */
  mixed: number;
}

interface RevisionRow {
  id: number;
  old_report_id: number;
  new_report_id: number;
  url: string | null;
  site: string | null;
  cells_changed: number;
  sentences_total: number;
  template_only: number;
}

/**
 * Marks the template changes among the revisions run `runId` stored (call once the run has stored
 * them all): `revision_sentences.template` on each template sentence change, and for a
 * template-only revision `revisions.template_only` with its `report.revised` finding removed; a
 * revision with real changes keeps its finding, whose message says how many of its sentence
 * changes are the template's. One transaction; running it again changes nothing.
 */
export function markTemplateRevisions(db: Db, runId: number): TemplateMarking {
  const none: TemplateMarking = { revisions: 0, templateOnly: 0, mixed: 0 };
  if (!hasTemplateMarks(db)) return none;
  return db.transaction((): TemplateMarking => {
    const rows = db
      .prepare<[number], RevisionRow>(
        `SELECT v.id, v.old_report_id, v.new_report_id, v.url, v.cells_changed, v.template_only,
                v.sentences_changed + v.sentences_added + v.sentences_removed AS sentences_total,
                (SELECT dl.site FROM reports r JOIN document_locations dl ON dl.document_id = r.document_id
                 WHERE r.id = v.new_report_id AND dl.site IS NOT NULL ORDER BY dl.place = v.url DESC, dl.id LIMIT 1) AS site
         FROM revisions v WHERE v.run_id = ? ORDER BY v.id`,
      )
      .all(runId);
    if (rows.length === 0) return none;
    // The run's kept sentence changes in one read, by revision.
    const sentencesOf = new Map<
      number,
      { ord: number; change: SentenceChangeInput['change']; old_text: string | null; new_text: string | null; template: number }[]
    >();
    for (const s of db
      .prepare<
        [number],
        { revision_id: number; ord: number; change: SentenceChangeInput['change']; old_text: string | null; new_text: string | null; template: number }
      >(
        `SELECT s.revision_id, s.ord, s.change, s.old_text, s.new_text, s.template
         FROM revision_sentences s JOIN revisions v ON v.id = s.revision_id WHERE v.run_id = ? ORDER BY s.revision_id, s.ord`,
      )
      .all(runId)) {
      const list = sentencesOf.get(s.revision_id);
      if (list) list.push(s);
      else sentencesOf.set(s.revision_id, [s]);
    }
    const alreadyMarked = new Set<number>();
    const inputs: RevisionInput[] = rows.map((r) => {
      const sentences = sentencesOf.get(r.id) ?? [];
      if (r.template_only === 1 || sentences.some((s) => s.template === 1)) alreadyMarked.add(r.id);
      return {
        id: r.id,
        group: revisionGroup(r.site, r.url),
        cellsChanged: r.cells_changed,
        sentencesTotal: r.sentences_total,
        sentences: sentences.map((s) => ({ ord: s.ord, change: s.change, oldText: s.old_text, newText: s.new_text })),
      };
    });
    const verdicts = findTemplateChanges(inputs);
    const markSentence = db.prepare('UPDATE revision_sentences SET template = 1 WHERE revision_id = ? AND ord = ?');
    const markOnly = db.prepare('UPDATE revisions SET template_only = 1 WHERE id = ?');
    const dropFinding = db.prepare("DELETE FROM findings WHERE rule = 'report.revised' AND report_id = ? AND other_report_id = ?");
    const noteFinding = db.prepare("UPDATE findings SET message = message || ? WHERE rule = 'report.revised' AND report_id = ? AND other_report_id = ?");
    const byId = new Map(rows.map((r) => [r.id, r]));
    const out: TemplateMarking = { revisions: rows.length, templateOnly: 0, mixed: 0 };
    for (const [id, v] of verdicts) {
      const r = byId.get(id)!;
      if (v.templateOnly) out.templateOnly++;
      else out.mixed++;
      if (alreadyMarked.has(id)) continue;
      for (const ord of v.templateOrds) markSentence.run(id, ord);
      if (v.templateOnly) {
        markOnly.run(id);
        dropFinding.run(r.new_report_id, r.old_report_id);
      } else {
        const n = v.templateOrds.length;
        noteFinding.run(
          `; ${n} sentence change(s) of them the site's page template (the same in other revisions of this crawl)`,
          r.new_report_id,
          r.old_report_id,
        );
      }
    }
    return out;
  })();
}
