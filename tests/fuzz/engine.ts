/**
 * The parser fuzzer: builds case `index` of a run from the corpus and the run seed (nothing else),
 * parses it through the library entry point `parseReport(bytes, { fileName, contentType })` and
 * checks the properties:
 *
 * - `exception`: anything thrown must be a `ParseError` with a known code;
 * - `slow`: no parse over `maxParseMs` (2 s; a parse over it is timed twice more and the best
 *   time counts, so GC pauses and a busy machine do not fail a run, a superlinear parse does);
 * - `schema`: the report is valid against `parsedReportSchema`;
 * - `wrong_number`: every table number that differs from the reference is flagged (see oracle.ts);
 * - `lost_cell`: every cell of the reference the parse lacks is flagged (its row, or a missing or
 *   no-tables warning): nothing is lost silently;
 * - `undetected_edit`: a value edit that breaks a hard identity gets an error finding on the cell;
 * - `edit_probe`: the edited cell is read into at most one canonical key;
 * - `nondeterministic`: parsing the same bytes twice gives the same report (checked on every 10th case).
 *
 * Hangs are caught by the worker pool (pool.ts), which runs cases in worker threads.
 */
import { readFileSync } from 'node:fs';
import { ParseError, type ParseErrorCode } from '../../parsers/errors.js';
import { parsedReportSchema } from '../../parsers/schema.js';
import type { ParsedReport } from '../../parsers/types.js';
import { parseReport } from '../../src/parse/report.js';
import { corpusDocs } from '../helpers/corpus.js';
import { encodeState, HTML_OPERATORS, planEdit, SENTINEL, TEXT_OPERATORS, type DocKind, type MutationState, type PlannedEdit } from './mutators.js';
import { cellMap, checkReport, type CellMap, type WrongCell } from './oracle.js';
import { caseSeed, createRng } from './prng.js';

/** Every code `ParseError` may carry (parsers/errors.ts). */
export const KNOWN_PARSE_CODES: ReadonlySet<ParseErrorCode> = new Set<ParseErrorCode>([
  'NB_PARSE_EMPTY',
  'NB_PARSE_BINARY',
  'NB_PARSE_UNSUPPORTED',
  'NB_PARSE_TOO_LARGE',
  'NB_PARSE_NOT_A_REPORT',
  'NB_OCR_UNAVAILABLE',
]);

export interface FuzzDoc {
  name: string;
  kind: DocKind;
  source: string;
  baseline: ParsedReport;
  baselineCells: CellMap;
}

/** The corpus documents with their unmutated parse (the oracle's reference). */
export async function loadFuzzCorpus(): Promise<FuzzDoc[]> {
  const out: FuzzDoc[] = [];
  for (const d of corpusDocs()) {
    const bytes = readFileSync(d.path);
    const baseline = await parseReport(bytes, { fileName: d.name });
    out.push({ name: d.name, kind: d.name.endsWith('.html') ? 'html' : 'text', source: bytes.toString('utf8'), baseline, baselineCells: cellMap(baseline) });
  }
  return out;
}

export interface Mutation {
  op: string;
  detail: string;
}

export interface FuzzCase {
  index: number;
  seed: number;
  doc: FuzzDoc;
  mutations: Mutation[];
  edit: PlannedEdit | null;
  bytes: Uint8Array;
  fileName: string | undefined;
  contentType: string | undefined;
}

/** Builds case `index` of the run seeded with `runSeed`: one document, an optional value edit, 0–3 damage operators. */
export function generateCase(docs: readonly FuzzDoc[], runSeed: number, index: number): FuzzCase {
  const seed = caseSeed(runSeed, index);
  const rng = createRng(seed);
  // Documents with report tables carry the oracle: pick them three times as often.
  const doc = rng.weighted(docs.map((d) => [d, d.baselineCells.size > 0 ? 3 : 1] as const));
  const state: MutationState = {
    kind: doc.kind,
    source: doc.source,
    encoding: { kind: 'utf8' },
    byteOps: [],
    fileName: doc.name,
    contentType: undefined,
  };
  const mutations: Mutation[] = [];
  let edit: PlannedEdit | null = null;
  if (doc.baselineCells.size > 0 && rng.chance(0.35)) {
    edit = planEdit(doc.kind, doc.source, rng);
    if (edit) {
      state.source = edit.edited;
      mutations.push({ op: 'editValue', detail: `${edit.cell.text} → ${edit.to || '(blank)'} (${edit.kind}) at ${edit.cell.span.start}` });
    }
  }
  const ops = doc.kind === 'html' ? HTML_OPERATORS : TEXT_OPERATORS;
  const wanted = edit
    ? rng.weighted([
        [0, 3],
        [1, 3],
        [2, 1],
      ])
    : rng.weighted([
        [1, 5],
        [2, 3],
        [3, 2],
      ]);
  for (let applied = 0, attempts = 0; applied < wanted && attempts < 20; attempts++) {
    const [name, op] = rng.weighted(ops.map((o) => [o, o[2]] as const));
    const detail = op(state, rng);
    if (detail === null) continue;
    mutations.push({ op: name, detail });
    applied++;
  }
  return { index, seed, doc, mutations, edit, bytes: encodeState(state), fileName: state.fileName, contentType: state.contentType };
}

/** Damage operators that keep every number of the page by construction. */
const NUMBER_KEEPING = new Set(['splitNumber']);

export type Property = 'exception' | 'slow' | 'schema' | 'wrong_number' | 'lost_cell' | 'undetected_edit' | 'edit_probe' | 'nondeterministic' | 'hang';

export interface Failure {
  property: Property;
  message: string;
}

export interface CaseMetrics {
  /** Cells that differ from the reference / of them flagged. */
  wrong: number;
  wrongFlagged: number;
  lost: number;
  lostFlagged: number;
  injected: number;
  zeroBlank: number;
  ambiguous: number;
  /** none: no edit; untracked: the edited cell is in no keyed table; undetectable: no identity breaks; detectable. */
  edit: 'none' | 'untracked' | 'undetectable' | 'detectable';
  formatChanged: boolean;
  /** The input was decoded with another charset than the original, though no operator touched the encoding. */
  charsetFlipped: boolean;
}

export interface CaseResult {
  index: number;
  seed: number;
  doc: string;
  mutations: Mutation[];
  bytes: number;
  outcome: 'report' | 'rejected' | 'crashed';
  code?: string;
  ms: number;
  failures: Failure[];
  metrics: CaseMetrics;
}

export interface RunOptions {
  /** Longest acceptable parse. @default 2000 */
  maxParseMs?: number;
  /** Re-parse every n-th case to check determinism (0: never). @default 10 */
  determinismEvery?: number;
}

const fmtCell = (w: WrongCell) => `${w.path}: expected ${w.expected === undefined ? '(absent)' : w.expected}, got ${w.got} (raw ${JSON.stringify(w.raw)})`;

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
  return String(e);
}

async function parseCase(c: Pick<FuzzCase, 'bytes' | 'fileName' | 'contentType'>): Promise<ParsedReport> {
  return parseReport(c.bytes, {
    ...(c.fileName !== undefined && { fileName: c.fileName }),
    ...(c.contentType !== undefined && { contentType: c.contentType }),
  });
}

/**
 * Wall time on a busy machine includes GC and scheduling: a case over the limit is timed twice
 * more (whether it parses or is rejected) and the best time counts. A parse that is really slow
 * (superlinear work) is slow every time.
 */
async function retimed(c: Pick<FuzzCase, 'bytes' | 'fileName' | 'contentType'>, firstMs: number, maxParseMs: number, rejected: boolean): Promise<number[]> {
  const times = [firstMs];
  for (let i = 0; i < 2 && Math.min(...times) > maxParseMs; i++) {
    const t = performance.now();
    // A rejection is expected to throw again; a parse that passed must pass again.
    await (rejected ? parseCase(c).catch(() => undefined) : parseCase(c));
    times.push(performance.now() - t);
  }
  return times;
}

/** Finds the canonical key of the edited cell: the one cell that reads the sentinel in the probe document. */
async function locateEdit(c: FuzzCase): Promise<{ key: string | null; failure?: Failure }> {
  if (!c.edit) return { key: null };
  const probe = await parseReport(Buffer.from(c.edit.probe, 'utf8'), { fileName: c.doc.name });
  const hits = probe.cells.filter((cell) => cell.raw.replace(/\s+/g, '').includes(SENTINEL));
  if (hits.length === 0) return { key: null };
  if (hits.length > 1) {
    return {
      key: null,
      failure: {
        property: 'edit_probe',
        message: `one source cell was read into ${hits.length} keys: ${hits.map((h) => `${h.table}.${h.row}.${h.col}`).join(', ')}`,
      },
    };
  }
  const hit = hits[0]!;
  // A unit column converts the number: such a cell cannot be given an expected value here.
  if (hit.value !== Number(SENTINEL)) return { key: null };
  return { key: `${hit.table}.${hit.row}.${hit.col}` };
}

export async function runCase(c: FuzzCase, options: RunOptions = {}): Promise<CaseResult> {
  const maxParseMs = options.maxParseMs ?? 2000;
  const determinismEvery = options.determinismEvery ?? 10;
  const failures: Failure[] = [];
  const metrics: CaseMetrics = {
    wrong: 0,
    wrongFlagged: 0,
    lost: 0,
    lostFlagged: 0,
    injected: 0,
    zeroBlank: 0,
    ambiguous: 0,
    edit: 'none',
    formatChanged: false,
    charsetFlipped: false,
  };
  const result: CaseResult = {
    index: c.index,
    seed: c.seed,
    doc: c.doc.name,
    mutations: c.mutations,
    bytes: c.bytes.byteLength,
    outcome: 'report',
    ms: 0,
    failures,
    metrics,
  };

  let editKey: string | null = null;
  try {
    const located = await locateEdit(c);
    editKey = located.key;
    if (located.failure) failures.push(located.failure);
  } catch (e) {
    failures.push({ property: 'exception', message: `the edit probe threw ${describeError(e)}` });
  }
  const reference: CellMap = new Map(c.doc.baselineCells);
  if (c.edit) {
    metrics.edit = 'untracked';
    if (editKey !== null) reference.set(editKey, c.edit.to === '' ? null : Number(c.edit.to));
  }

  let report: ParsedReport;
  const t0 = performance.now();
  try {
    report = await parseCase(c);
    result.ms = performance.now() - t0;
  } catch (e) {
    result.ms = performance.now() - t0;
    if (e instanceof ParseError && KNOWN_PARSE_CODES.has(e.code)) {
      result.outcome = 'rejected';
      result.code = e.code;
    } else {
      result.outcome = 'crashed';
      failures.push({ property: 'exception', message: describeError(e) });
    }
    if (result.ms > maxParseMs) {
      // Timed again like a parse below: a rejection on a loaded machine stretches just the same.
      const times = await retimed(c, result.ms, maxParseMs, true);
      result.ms = Math.min(...times);
      if (result.ms > maxParseMs) {
        failures.push({ property: 'slow', message: `rejecting took ${times.map((t) => t.toFixed(0)).join(' / ')} ms (limit ${maxParseMs})` });
      }
    }
    return result;
  }
  if (result.ms > maxParseMs) {
    const times = await retimed(c, result.ms, maxParseMs, false);
    result.ms = Math.min(...times);
    if (result.ms > maxParseMs) {
      failures.push({ property: 'slow', message: `parse took ${times.map((t) => t.toFixed(0)).join(' / ')} ms (limit ${maxParseMs})` });
    }
  }

  const valid = parsedReportSchema.safeParse(report);
  if (!valid.success) {
    failures.push({
      property: 'schema',
      message: valid.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; '),
    });
  }

  // Markup between the digits keeps every number: such a case must read the same values exactly.
  const exact = !c.edit && c.mutations.length > 0 && c.mutations.every((m) => NUMBER_KEEPING.has(m.op));
  const oracle = checkReport({ baseline: c.doc.baseline, reference, report, editKey, exact });
  metrics.wrong = oracle.wrong.length;
  metrics.wrongFlagged = oracle.wrong.length - oracle.unflaggedWrong.length;
  metrics.lost = oracle.lost.length;
  metrics.lostFlagged = oracle.lost.length - oracle.unflaggedLost.length;
  metrics.injected = oracle.injected;
  metrics.zeroBlank = oracle.zeroBlank;
  metrics.ambiguous = oracle.ambiguous;
  metrics.formatChanged = report.format !== c.doc.baseline.format;
  metrics.charsetFlipped =
    report.input.charset !== c.doc.baseline.input.charset && !c.mutations.some((m) => m.op === 'mixedEncoding' || m.op === 'lyingCharset');
  if (oracle.unflaggedWrong.length > 0) {
    const shown = oracle.unflaggedWrong.slice(0, 4).map(fmtCell).join('; ');
    failures.push({
      property: 'wrong_number',
      message: `${oracle.unflaggedWrong.length} cell(s) differ from the original ${exact ? 'after damage that keeps every number' : 'with no finding on their row'}: ${shown}${oracle.unflaggedWrong.length > 4 ? '; …' : ''}`,
    });
  }
  if (oracle.unflaggedLost.length > 0) {
    const shown = oracle.unflaggedLost.slice(0, 6).join(', ');
    failures.push({
      property: 'lost_cell',
      message: `${oracle.unflaggedLost.length} cell(s) of the original are missing with no finding on their row or table: ${shown}${oracle.unflaggedLost.length > 6 ? ', …' : ''}`,
    });
  }
  if (oracle.edit) {
    metrics.edit = oracle.edit.breaking.length > 0 ? 'detectable' : 'undetectable';
    if (oracle.edit.breaking.length > 0 && !oracle.edit.flagged) {
      failures.push({
        property: 'undetected_edit',
        message: `edit of ${oracle.edit.key} breaks ${oracle.edit.breaking.join(', ')} but no error finding names the cell`,
      });
    }
  }

  if (determinismEvery > 0 && c.index % determinismEvery === 0) {
    const again = await parseCase(c);
    if (JSON.stringify(again) !== JSON.stringify(report))
      failures.push({ property: 'nondeterministic', message: 'a second parse of the same bytes gave a different report' });
  }
  return result;
}
