/**
 * Marks a run's page-template changes in the database (the rule is template-changes.ts): the
 * run's own revisions, by what recurs among them and by what other runs recognised on the same site
 * within {@link TEMPLATE_WINDOW_DAYS} days; and the other runs' revisions of those days that carry a
 * change this run recognised. {@link markStoppedRuns} does it for runs that stopped before their
 * end. A site whose reports a crawl revisits a few at a time (more reports
 * than `--revisit-reports`, a run cut short and resumed) shows one template change over several
 * runs: the runs with one or two of its revisions could not recognise it on their own.
 */
import type { Db } from './db.js';
import {
  findTemplateChanges,
  groupsOf,
  hasTemplateMarks,
  hostGroup,
  isTemplateOnly,
  recurringTemplateKeys,
  revisionGroup,
  sentenceChangeKey,
  TEMPLATE_WINDOW_DAYS,
  type RevisionInput,
  type SentenceChangeInput,
} from './template-changes.js';

/** What {@link markTemplateRevisions} did. */
export interface TemplateMarking {
  /** Revisions of the run looked at. */
  revisions: number;
  /** Revisions of the run marked template-only (their `report.revised` finding removed). */
  templateOnly: number;
  /** Revisions of the run with real changes that also carry template sentence changes (marked). */
  mixed: number;
  /**
   * Revisions of other runs (within the window) marked template-only by this run: their change
   * recurred among this run's revisions of the site. Their `report.revised` finding is removed.
   */
  otherRunsTemplateOnly: number;
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

interface SentenceRow {
  revision_id: number;
  ord: number;
  change: SentenceChangeInput['change'];
  old_text: string | null;
  new_text: string | null;
  template: number;
}

/** A revision's columns the rule needs; `where` selects them (its parameters follow). */
const revisionsWhere = (where: string): string =>
  `SELECT v.id, v.old_report_id, v.new_report_id, v.url, v.cells_changed, v.template_only,
          v.sentences_changed + v.sentences_added + v.sentences_removed AS sentences_total,
          (SELECT dl.site FROM reports r JOIN document_locations dl ON dl.document_id = r.document_id
           WHERE r.id = v.new_report_id AND dl.site IS NOT NULL ORDER BY dl.place = v.url DESC, dl.id LIMIT 1) AS site
   FROM revisions v WHERE ${where} ORDER BY v.id`;

/** The kept sentence changes of the revisions `where` selects, by revision. */
function sentencesWhere(db: Db, where: string, params: unknown[]): Map<number, SentenceRow[]> {
  const out = new Map<number, SentenceRow[]>();
  for (const s of db
    .prepare<unknown[], SentenceRow>(
      `SELECT s.revision_id, s.ord, s.change, s.old_text, s.new_text, s.template
       FROM revision_sentences s JOIN revisions v ON v.id = s.revision_id WHERE ${where} ORDER BY s.revision_id, s.ord`,
    )
    .all(...params)) {
    const list = out.get(s.revision_id);
    if (list) list.push(s);
    else out.set(s.revision_id, [s]);
  }
  return out;
}

function inputOf(r: RevisionRow, sentences: readonly SentenceRow[]): RevisionInput {
  return {
    id: r.id,
    group: revisionGroup(r.site, r.url),
    host: hostGroup(r.url),
    cellsChanged: r.cells_changed,
    sentencesTotal: r.sentences_total,
    sentences: sentences.map((s) => ({ ord: s.ord, change: s.change, oldText: s.old_text, newText: s.new_text })),
  };
}

/** A group that spans runs: a crawl site or a host (an ingest run's files are a group of that run only). */
const crossRun = (group: string): boolean => group !== 'files';

const DAY_MS = 86_400_000;

/**
 * Marks the template changes among the revisions run `runId` stored (call once the run has stored
 * them all): `revision_sentences.template` on each template sentence change, and for a
 * template-only revision `revisions.template_only` with its `report.revised` finding removed; a
 * revision with real changes keeps its finding, whose message says how many of its sentence
 * changes are the template's. Then the same for other runs' revisions of the window that carry a
 * change recurring in this run. One transaction; running it again changes nothing.
 */
export function markTemplateRevisions(db: Db, runId: number): TemplateMarking {
  const none: TemplateMarking = { revisions: 0, templateOnly: 0, mixed: 0, otherRunsTemplateOnly: 0 };
  if (!hasTemplateMarks(db)) return none;
  return db.transaction((): TemplateMarking => {
    const rows = db.prepare<[number], RevisionRow>(revisionsWhere('v.run_id = ?')).all(runId);
    if (rows.length === 0) return none;
    const sentencesOf = sentencesWhere(db, 'v.run_id = ?', [runId]);
    const alreadyMarked = new Set<number>();
    const inputs = rows.map((r) => {
      const sentences = sentencesOf.get(r.id) ?? [];
      if (r.template_only === 1 || sentences.some((s) => s.template === 1)) alreadyMarked.add(r.id);
      return inputOf(r, sentences);
    });
    // Other runs' revisions of the same sites within the window of this run's (none when a time
    // cannot be read: a row written by hand, say).
    const seen = db
      .prepare<[number], { lo: string; hi: string }>('SELECT min(first_seen_at) AS lo, max(first_seen_at) AS hi FROM revisions WHERE run_id = ?')
      .get(runId)!;
    const [lo, hi] = [Date.parse(seen.lo), Date.parse(seen.hi)];
    const windowKnown = Number.isFinite(lo) && Number.isFinite(hi);
    const groups = new Set(windowKnown ? inputs.flatMap(groupsOf).filter(crossRun) : []);
    const window = windowKnown
      ? [runId, new Date(lo - TEMPLATE_WINDOW_DAYS * DAY_MS).toISOString(), new Date(hi + TEMPLATE_WINDOW_DAYS * DAY_MS).toISOString()]
      : [runId, '', ''];
    const others = 'v.run_id IS NOT ? AND v.first_seen_at BETWEEN ? AND ?';
    const known = new Map<string, Set<string>>();
    if (groups.size > 0) {
      const marked = sentencesWhere(db, `${others} AND s.template = 1`, window);
      if (marked.size > 0) {
        for (const r of db
          .prepare<unknown[], RevisionRow>(revisionsWhere(`${others} AND v.id IN (SELECT value FROM json_each(?))`))
          .all(...window, JSON.stringify([...marked.keys()]))) {
          for (const group of groupsOf(inputOf(r, []))) {
            if (!groups.has(group)) continue;
            const keys = known.get(group) ?? new Set<string>();
            for (const s of marked.get(r.id)!) keys.add(sentenceChangeKey({ change: s.change, oldText: s.old_text, newText: s.new_text }));
            known.set(group, keys);
          }
        }
      }
    }

    const marks = statements(db);
    const out: TemplateMarking = { revisions: rows.length, templateOnly: 0, mixed: 0, otherRunsTemplateOnly: 0 };
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [id, v] of findTemplateChanges(inputs, undefined, undefined, known)) {
      const r = byId.get(id)!;
      if (v.templateOnly) out.templateOnly++;
      else out.mixed++;
      if (alreadyMarked.has(id)) continue;
      for (const ord of v.templateOrds) marks.sentence.run(id, ord);
      if (v.templateOnly) marks.templateOnly(r);
      else
        marks.note(
          r,
          v.fromOtherRuns === v.templateOrds.length
            ? `; ${v.templateOrds.length} sentence change(s) of them the site's page template (recognised in other revisions of the site within ${TEMPLATE_WINDOW_DAYS} days)`
            : `; ${v.templateOrds.length} sentence change(s) of them the site's page template (the same in other revisions of this crawl)`,
        );
    }

    // This run's recurring changes, on the other runs' revisions of the window that carry them.
    const recurring = new Map([...recurringTemplateKeys(inputs)].filter(([group]) => windowKnown && crossRun(group)));
    if (recurring.size > 0) {
      const where = `${others} AND v.template_only = 0`;
      const otherSentences = sentencesWhere(db, where, window);
      for (const r of db.prepare<unknown[], RevisionRow>(revisionsWhere(where)).all(...window)) {
        const keys = groupsOf(inputOf(r, [])).flatMap((g) => recurring.get(g) ?? []);
        const sentences = otherSentences.get(r.id);
        if (keys.length === 0 || !sentences) continue;
        const fresh = sentences.filter(
          (s) => s.template === 0 && keys.some((k) => k.has(sentenceChangeKey({ change: s.change, oldText: s.old_text, newText: s.new_text }))),
        );
        if (fresh.length === 0) continue;
        const before = sentences.length - sentences.filter((s) => s.template === 0).length;
        for (const s of fresh) marks.sentence.run(r.id, s.ord);
        if (isTemplateOnly(inputOf(r, sentences), before + fresh.length)) {
          marks.templateOnly(r);
          out.otherRunsTemplateOnly++;
        } else if (before === 0) {
          marks.note(
            r,
            `; ${fresh.length} sentence change(s) of them the site's page template (recognised in other revisions of the site within ${TEMPLATE_WINDOW_DAYS} days)`,
          );
        }
      }
    }
    return out;
  })();
}

/**
 * Marks the template changes of earlier runs that stopped before marking their own (status
 * `failed`, or `interrupted`: killed, then found dead) and started within
 * {@link TEMPLATE_WINDOW_DAYS} days of now, as {@link markTemplateRevisions} would have at their
 * end; `except` (the calling run) is left out. A run is looked at while it has a revision with no
 * template mark at all: once marked, it is not read again by every later crawl's end.
 * Returns how many revisions became template-only, in those runs and in others of their window.
 */
export function markStoppedRuns(db: Db, except: number, now: number = Date.now()): number {
  if (!hasTemplateMarks(db)) return 0;
  const since = new Date(now - TEMPLATE_WINDOW_DAYS * DAY_MS).toISOString();
  const runs = db
    .prepare<[number, string], number>(
      `SELECT id FROM runs WHERE id <> ? AND status IN ('failed', 'interrupted') AND started_at >= ?
         AND EXISTS (SELECT 1 FROM revisions v WHERE v.run_id = runs.id AND v.template_only = 0
                     AND NOT EXISTS (SELECT 1 FROM revision_sentences s WHERE s.revision_id = v.id AND s.template = 1))
       ORDER BY id`,
    )
    .pluck()
    .all(except, since);
  if (runs.length === 0) return 0;
  const templateOnly = db.prepare('SELECT count(*) FROM revisions WHERE template_only = 1').pluck();
  const before = templateOnly.get() as number;
  for (const id of runs) markTemplateRevisions(db, id);
  return (templateOnly.get() as number) - before;
}

/** The writes of the marking. */
function statements(db: Db) {
  const sentence = db.prepare('UPDATE revision_sentences SET template = 1 WHERE revision_id = ? AND ord = ?');
  const only = db.prepare('UPDATE revisions SET template_only = 1 WHERE id = ?');
  const dropFinding = db.prepare("DELETE FROM findings WHERE rule = 'report.revised' AND report_id = ? AND other_report_id = ?");
  const noteFinding = db.prepare("UPDATE findings SET message = message || ? WHERE rule = 'report.revised' AND report_id = ? AND other_report_id = ?");
  return {
    sentence,
    /** Marks `r` template-only and removes its `report.revised` finding. */
    templateOnly: (r: RevisionRow): void => {
      only.run(r.id);
      dropFinding.run(r.new_report_id, r.old_report_id);
    },
    /** Appends `note` to `r`'s `report.revised` finding. */
    note: (r: RevisionRow, note: string): void => void noteFinding.run(note, r.new_report_id, r.old_report_id),
  };
}
