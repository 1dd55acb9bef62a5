/**
 * The budget of one document: how much a single document may cost to read, enforced by every
 * decoder and by the parser, so that a hostile file (a zip or deflate bomb, a 200,000-page PDF,
 * 45 MB of tiny tables, 100,000 nested tags) ends fast with a coded error instead of taking the
 * process down. Plain data (it crosses to the parse workers as is); the defaults are sized so that
 * every real report passes with a wide margin. A refusal is a `ParseError` `NB_PARSE_TOO_LARGE` or
 * `NB_PARSE_TIMEOUT` whose message names the limit, the budget key that set it and what to raise.
 *
 * {@link BudgetMeter} is the running count of one document (bytes inflated, time) that the
 * decoders share. Pure: no I/O.
 */
import { z } from 'zod';
import { ParseError } from './errors.js';

const MiB = 1024 * 1024;

export const BudgetSchema = z.strictObject({
  /** Largest input file, bytes. @default 52428800 (50 MiB) */
  maxInputBytes: z
    .number()
    .int()
    .positive()
    .default(50 * MiB),
  /**
   * Bytes inflated in total for one document (zip entries of a .docx or an OFD, Flate streams of
   * a PDF), counted while inflating (the sizes an archive declares are never trusted).
   * @default 268435456 (256 MiB)
   */
  maxInflatedBytes: z
    .number()
    .int()
    .positive()
    .default(256 * MiB),
  /** Bytes one archive entry or one PDF stream inflates to. @default 33554432 (32 MiB) */
  maxEntryBytes: z
    .number()
    .int()
    .positive()
    .default(32 * MiB),
  /**
   * Bytes of a Word document's body (`word/document.xml`) inflated: the .docx converter needs
   * ~100 bytes of memory and ~1 s per MiB of it.
   * @default 6291456 (6 MiB)
   */
  maxWordXmlBytes: z
    .number()
    .int()
    .positive()
    .default(6 * MiB),
  /** Pages of a PDF or OFD. @default 500 */
  maxPages: z.number().int().positive().default(500),
  /**
   * Characters of text read: a plain-text document, the text extracted from a PDF, OFD or .doc,
   * the visible text of an HTML page (markup, comments and scripts not counted).
   * @default 1000000
   */
  maxTextChars: z.number().int().positive().default(1_000_000),
  /**
   * Text pieces (positioned strings) of a PDF or OFD, all pages together (a real report has a few
   * thousand per page at most; 200 pages drawing one shared stream of 20,000 pieces is not one).
   * @default 100000
   */
  maxTextItems: z.number().int().positive().default(100_000),
  /**
   * Text pieces of one page of a PDF or OFD (a dense page of small type has 3,000–4,000, one per
   * character at worst); counted while the page is read, which stops at the limit.
   * @default 12000
   */
  maxPageTextItems: z.number().int().positive().default(12_000),
  /**
   * Numbers in a document's text (every one a candidate cell value the parser weighs; a report
   * has a few thousand): a page of 20 MB of "1 1 1 …" is refused before it is tokenized.
   * @default 250000
   */
  maxNumbers: z.number().int().positive().default(250_000),
  /** Elements of an HTML page (or of the HTML a .docx becomes). @default 600000 */
  maxDomNodes: z.number().int().positive().default(600_000),
  /** Nesting depth of an HTML page's elements. @default 25000 */
  maxDomDepth: z.number().int().positive().default(25_000),
  /** Table cells (`<td>`, `<th>`) of an HTML page. @default 150000 */
  maxTableCells: z.number().int().positive().default(150_000),
  /**
   * Wall-clock time to read one document, ms: checked between pages and parts while reading,
   * and enforced on a parse worker by ending the thread.
   * @default 60000
   */
  timeoutMs: z.number().int().positive().default(60_000),
  /** Heap of a parse worker thread, MiB: a document that needs more is refused (the thread ends, the process stays). @default 512 */
  maxHeapMb: z.number().int().min(64).default(512),
});

export type Budget = z.output<typeof BudgetSchema>;
export type BudgetInput = z.input<typeof BudgetSchema>;
export type BudgetLimit = keyof Budget;

/** The default budget. */
export const DEFAULT_BUDGET: Budget = Object.freeze(BudgetSchema.parse({}));

/** A budget from partial settings; throws a `TypeError` naming the bad key. */
export function makeBudget(input: BudgetInput | Budget = {}): Budget {
  const parsed = BudgetSchema.safeParse(input);
  if (!parsed.success) throw new TypeError(`invalid parse budget: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * A short key of a budget (8 hex digits, FNV-1a of its limits in a fixed order): stored with a
 * refusal, so that a later run re-reads the document only when the budget that refused it changed.
 * The time and heap limits are part of it too (a timeout may pass with more time).
 */
export function budgetKey(budget: Budget): string {
  const keys = Object.keys(BudgetSchema.shape).sort() as BudgetLimit[];
  const text = keys.map((k) => `${k}=${budget[k]}`).join(';');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The CLI option that raises each limit (the ones the CLI has). */
export const BUDGET_OPTIONS: Partial<Record<BudgetLimit, string>> = {
  maxInputBytes: '--max-document-mb',
  maxInflatedBytes: '--max-inflated-mb',
  maxEntryBytes: '--max-inflated-mb',
  maxWordXmlBytes: '--max-inflated-mb',
  maxPages: '--max-document-pages',
  maxTextChars: '--max-text-chars',
  maxTextItems: '--max-text-chars',
  maxPageTextItems: '--max-text-chars',
  maxNumbers: '--max-text-chars',
  timeoutMs: '--parse-timeout',
  maxHeapMb: '--parse-heap-mb',
};

const UNITS: Partial<Record<BudgetLimit, 'bytes' | 'ms' | 'MiB'>> = {
  maxInputBytes: 'bytes',
  maxInflatedBytes: 'bytes',
  maxEntryBytes: 'bytes',
  maxWordXmlBytes: 'bytes',
  timeoutMs: 'ms',
  maxHeapMb: 'MiB',
};

/** A limit's value as people read it: "64 MiB", "60 s", "500". */
export function formatLimit(budget: Budget, limit: BudgetLimit): string {
  const v = budget[limit];
  switch (UNITS[limit]) {
    case 'bytes':
      return v >= MiB ? `${+(v / MiB).toFixed(1)} MiB` : v >= 1024 ? `${+(v / 1024).toFixed(1)} KiB` : `${v} bytes`;
    case 'ms':
      return v < 1000 ? `${v} ms` : `${+(v / 1000).toFixed(1)} s`;
    case 'MiB':
      return `${v} MiB`;
    default:
      return v.toLocaleString('en-US');
  }
}

/** The sentence that ends a refusal: the budget key and how to raise the limit. */
function advice(budget: Budget, limit: BudgetLimit): string {
  const option = BUDGET_OPTIONS[limit];
  return (
    `(budget ${limit}, key ${budgetKey(budget)}); ` +
    (option ? `raise it with ${option} if this really is a report` : `raise budget.${limit} if this really is a report`)
  );
}

/**
 * `NB_PARSE_TOO_LARGE` for a document over one limit. `what` leads into the limit: "its
 * word/document.xml inflates past" → "… inflates past the 6 MiB limit (budget maxWordXmlBytes, key
 * 1a2b3c4d); raise it with --max-inflated-mb if this really is a report."
 */
export function overBudget(budget: Budget, limit: BudgetLimit, what: string, file?: string, cause?: unknown): ParseError {
  return new ParseError('NB_PARSE_TOO_LARGE', `${what} the ${formatLimit(budget, limit)} limit ${advice(budget, limit)}.`, {
    ...(file !== undefined && { file }),
    ...(cause !== undefined && { cause }),
  });
}

/** `NB_PARSE_TIMEOUT`: reading took longer than the budget's `timeoutMs`. */
export function overTime(budget: Budget, what: string, file?: string): ParseError {
  return new ParseError('NB_PARSE_TIMEOUT', `${what} took longer than the ${formatLimit(budget, 'timeoutMs')} deadline ${advice(budget, 'timeoutMs')}.`, {
    ...(file !== undefined && { file }),
  });
}

/** Throws `NB_PARSE_TOO_LARGE` when `text` holds more numbers than the budget's `maxNumbers`. */
export function checkNumbers(meter: BudgetMeter, text: string, counted = 0): number {
  const limit = meter.budget.maxNumbers;
  let n = counted;
  // Runs of ASCII digits (what /\d+/g matches), counted in one loop: this runs on every text of every page.
  let inRun = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    if (digit && !inRun && ++n > limit) meter.check('maxNumbers', n, 'numbers in its text');
    inRun = digit;
  }
  return n;
}

/** True for the errors a budget gives (a refused document, not a broken one). */
export function isBudgetRefusal(code: string | undefined): boolean {
  return code === 'NB_PARSE_TOO_LARGE' || code === 'NB_PARSE_TIMEOUT';
}

/**
 * The running account of one document against its budget: bytes inflated so far, the deadline.
 * Created once per document (by `parseReport`) and handed to each decoder.
 */
export class BudgetMeter {
  readonly budget: Budget;
  readonly file: string | undefined;
  readonly deadline: number;
  #inflated = 0;

  constructor(budget: Budget = DEFAULT_BUDGET, file?: string, now: number = Date.now()) {
    this.budget = budget;
    this.file = file;
    this.deadline = now + budget.timeoutMs;
  }

  get inflated(): number {
    return this.#inflated;
  }

  /** Bytes the document may still inflate (per document and per entry). */
  entryAllowance(limit: BudgetLimit = 'maxEntryBytes'): number {
    return Math.min(this.budget[limit], this.budget.maxInflatedBytes - this.#inflated);
  }

  /** Counts inflated bytes; throws `NB_PARSE_TOO_LARGE` past the per-document total. */
  addInflated(n: number): void {
    this.#inflated += n;
    if (this.#inflated > this.budget.maxInflatedBytes) throw this.tooLarge('maxInflatedBytes', 'inflates (all its parts together) past');
  }

  /** Throws `NB_PARSE_TIMEOUT` once the deadline has passed. */
  checkTime(what = 'reading it'): void {
    if (Date.now() > this.deadline) throw overTime(this.budget, what, this.file);
  }

  /**
   * Throws `NB_PARSE_TOO_LARGE` when `count` is over the limit: "has 200,000 pages, over the 500
   * limit …" when the count is known (`exact`), else "has more elements than the 600,000 limit …".
   */
  check(limit: BudgetLimit, count: number, what: string, exact = false): void {
    if (count > this.budget[limit]) throw this.tooLarge(limit, exact ? `has ${count.toLocaleString('en-US')} ${what}, over` : `has more ${what} than`);
  }

  tooLarge(limit: BudgetLimit, what: string, cause?: unknown): ParseError {
    return overBudget(this.budget, limit, what, this.file, cause);
  }
}
