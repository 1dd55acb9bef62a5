/**
 * The text difference of two versions of a report: which sentences of its prose were removed,
 * added or changed. Pure (no I/O); revisions.ts stores what it finds.
 *
 * The prose is cut into sentences at line breaks and after 。！？!? (a closing quote or bracket
 * stays with its sentence). Sentences are compared by their normalised form — NFKC (full-width
 * letters, digits and punctuation → half-width), every whitespace and line break removed, quotes
 * folded (parsers/normalize.ts) — so a version that differs only in spacing, line breaks or the
 * width of its characters is the same text. A page counter line (`浏览次数：123`, `今天是…`) is
 * left out: it changes on every visit. The sentence lists are compared by jsdiff's `diffArrays`
 * (Myers); in each run of removed and added sentences, a removed sentence and one of the next
 * eight added ones that shares half its two-character pieces or more pair up as changed (old →
 * new), in order; the others are removed or added. A run whose sentences join to the same text (a sentence
 * cut by a new line break) is no change.
 */
import { diffArrays } from 'diff';
import { collapseSpaces, normalizeLabel } from '../../parsers/normalize.js';

export type TextChangeKind = 'changed' | 'added' | 'removed';

/** One sentence removed, added or changed (old → new). */
export interface TextChange {
  change: TextChangeKind;
  oldText: string | null;
  newText: string | null;
}

/** How the text of two versions differs: counts of every change, and the first changes themselves. */
export interface TextDiff {
  changed: number;
  added: number;
  removed: number;
  /** The first {@link TEXT_CHANGES_KEPT} changes, in document order; each sentence cut to {@link TEXT_CHARS_KEPT} characters. */
  changes: TextChange[];
}

/** Changes kept per revision (the counts cover all of them). */
export const TEXT_CHANGES_KEPT = 50;
/** Characters kept of one sentence (a paragraph without a full stop can be long). */
export const TEXT_CHARS_KEPT = 500;
/** Edit distance (sentences) past which two versions are taken as rewritten whole, without a finer diff. */
const MAX_EDIT_LENGTH = 2000;

/** Share of two-character pieces two sentences have in common (Dice) to be one sentence changed rather than one removed and one added. */
const SIMILAR = 0.5;

/** Added sentences a removed one is compared with, from the next unpaired one (a rewrite stays linear). */
const LOOK_AHEAD = 8;

/** A sentence as shown (spaces collapsed) and its comparison key. */
interface Sentence {
  text: string;
  key: string;
}

const SENTENCE = /[^。！？!?]+(?:[。！？!?]+[”’」』）)】]*)?|[。！？!?]+[”’」』）)】]*/g;
/** A line a page template fills at each visit: a view counter, today's date. Matched on the key. */
const VOLATILE = /^(?:.{0,20}(?:浏览|访问|阅读|点击)(?:次数|量|数)?:\d+.{0,20}|今天是.{0,30}|当前时间.{0,30})$/;

/** The sentences of a report's prose, counter lines left out. */
export function reportSentences(prose: string): Sentence[] {
  const out: Sentence[] = [];
  for (const line of prose.split('\n')) {
    for (const m of line.matchAll(SENTENCE)) {
      const text = collapseSpaces(m[0]);
      if (!text) continue;
      const key = normalizeLabel(text);
      if (!key || VOLATILE.test(key)) continue;
      out.push({ text, key });
    }
  }
  return out;
}

/** Two-character pieces of a key (its characters, for a key of one), kept in `seen` for the next comparison. */
function pieces(key: string, seen: Map<string, Set<string>>): Set<string> {
  const known = seen.get(key);
  if (known) return known;
  const out = new Set<string>();
  seen.set(key, out);
  if (key.length < 2) out.add(key);
  for (let i = 0; i + 1 < key.length; i++) out.add(key.slice(i, i + 2));
  return out;
}

/** Whether a new sentence is a rewording of an old one: half their two-character pieces or more in common (Dice). */
function alike(a: string, b: string, seen: Map<string, Set<string>>): boolean {
  const pa = pieces(a, seen);
  const pb = pieces(b, seen);
  let common = 0;
  for (const p of pa) if (pb.has(p)) common++;
  return (2 * common) / (pa.size + pb.size) >= SIMILAR;
}

const cut = (s: string): string => (s.length > TEXT_CHARS_KEPT ? `${s.slice(0, TEXT_CHARS_KEPT - 1)}…` : s);

/**
 * The difference between the prose of an old and a new version, or null when their text is the
 * same once normalised.
 */
export function textDiff(oldProse: string, newProse: string): TextDiff | null {
  const before = reportSentences(oldProse);
  const after = reportSentences(newProse);
  const joined = (xs: Sentence[]): string => xs.map((x) => x.key).join('');
  if (joined(before) === joined(after)) return null;
  const parts = diffArrays(
    before.map((s) => s.key),
    after.map((s) => s.key),
    { maxEditLength: MAX_EDIT_LENGTH },
  ) ?? [
    { value: before.map((s) => s.key), removed: true, added: false, count: before.length },
    { value: after.map((s) => s.key), removed: false, added: true, count: after.length },
  ];
  const out: TextDiff = { changed: 0, added: 0, removed: 0, changes: [] };
  const keep = (c: TextChange): void => {
    out[c.change]++;
    if (out.changes.length < TEXT_CHANGES_KEPT) out.changes.push(c);
  };
  let i = 0; // next sentence of `before`
  let j = 0; // next sentence of `after`
  let removed: Sentence[] = [];
  let added: Sentence[] = [];
  const seen = new Map<string, Set<string>>();
  const flush = (): void => {
    if (joined(removed) !== joined(added)) {
      // In order: a removed sentence pairs with the next added one that resembles it (changed);
      // the added ones it skips were added, a removed one without a match was removed.
      let k = 0;
      for (const r of removed) {
        let m = k;
        const last = Math.min(added.length, k + LOOK_AHEAD);
        while (m < last && !alike(r.key, added[m]!.key, seen)) m++;
        if (m === last) {
          keep({ change: 'removed', oldText: cut(r.text), newText: null });
          continue;
        }
        for (; k < m; k++) keep({ change: 'added', oldText: null, newText: cut(added[k]!.text) });
        keep({ change: 'changed', oldText: cut(r.text), newText: cut(added[m]!.text) });
        k = m + 1;
      }
      for (; k < added.length; k++) keep({ change: 'added', oldText: null, newText: cut(added[k]!.text) });
    }
    removed = [];
    added = [];
  };
  for (const p of parts) {
    const n = p.value.length;
    if (p.removed) {
      removed.push(...before.slice(i, i + n));
      i += n;
    } else if (p.added) {
      added.push(...after.slice(j, j + n));
      j += n;
    } else {
      flush();
      i += n;
      j += n;
    }
  }
  flush();
  return out.changed + out.added + out.removed > 0 ? out : null;
}

/** How much the text changed: `3 sentences changed, 1 added`. */
export function describeTextDiff(d: Pick<TextDiff, 'changed' | 'added' | 'removed'>): string {
  const parts: string[] = [];
  const first = (n: number, what: string): string => `${n} sentence${n === 1 ? '' : 's'} ${what}`;
  for (const [n, what] of [
    [d.changed, 'changed'],
    [d.added, 'added'],
    [d.removed, 'removed'],
  ] as const) {
    if (n === 0) continue;
    parts.push(parts.length === 0 ? first(n, what) : `${n} ${what}`);
  }
  return parts.join(', ');
}
