/**
 * Reports of the demo's fictional agencies (演示省, 演示市 …), generated deterministically from the
 * real corpus reports in `snapshots/corpus/`.
 *
 * Values: a cell of a generated report is a non-negative integer combination Σ wₖ·vₖ of the same
 * cell in several real reports of the format (weights from a seeded PRNG, trending by year). Every
 * identity of FORMAT.md §6 is linear and every inequality has non-negative sides, so a combination
 * of consistent reports is consistent: sizes and shares (granted / denied / not held …) differ per
 * agency and year while all sums hold. 上年结转 of year N is then set to 结转下年度 of year N−1 (per
 * column, R5), rebalancing R3 through 结转下年度 (or 本年新收 when it would go negative).
 *
 * Page: the real report's tables (the HTML from its first to its last `<table>`, cells rewritten by
 * position) inside a generated page whose prose states the table's own figures — so the prose rules
 * (R6, narrative.mismatch) find nothing unless a case is planted.
 *
 * Template cells are located once per template: every numeric cell gets a sentinel value, the
 * parser reads the page, and the sentinel each field holds names its cell.
 */
import { parseHtmlReport } from '../../parsers/report.js';
import { statParts } from '../../parsers/validate/stats.js';
import type { ParsedReport } from '../../parsers/types.js';
import { corpusDoc, projectRoot } from './corpus.js';
import { OTHER_SUB_ROWS, proseFor, reportPage, rewordedFooter } from './generated-page.js';
import { esc } from './page-html.js';

// ---------------------------------------------------------------------------------------------
// Seeded PRNG

export type Rng = () => number;

/** mulberry32 seeded with the FNV-1a hash of `seed`: the same seed gives the same sequence everywhere. */
export function rngFor(seed: string): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let a = h;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi]. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

// ---------------------------------------------------------------------------------------------
// Templates: the real tables with their numeric cells located

/** Cell values by path: `requests.granted.total`, `active.licensing.decisions`, `stats.3.value`. */
export type Values = Map<string, number | null>;

export type GeneratedFormat = '2021' | '2019' | 'pre2019';

interface Td {
  /** Offsets of the cell's inner HTML in the block. */
  start: number;
  end: number;
  /** Text after the number (a unit such as 元), kept when the cell is rewritten. */
  suffix: string;
}

interface Template {
  name: string;
  format: GeneratedFormat;
  /** The HTML from the first `<table` to the end of the last `</table>`. */
  block: string;
  tds: Td[];
  /** Path of each numeric cell (null: the parser does not read it as a value). */
  pathOf: (string | null)[];
}

const SENTINEL = 700_000;
const NUMERIC_CELL = /^[+-]?\d[\d,]*(?:\.\d+)?\s*(元|万元)?$/;

function cellText(inner: string): string {
  return inner
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/\s+/g, '')
    .trim();
}

function tableBlock(html: string, name: string): string {
  const a = html.indexOf('<table');
  const b = html.lastIndexOf('</table>');
  if (a < 0 || b < a) throw new Error(`nianbao demo: corpus report ${name} has no table to build generated reports from`);
  return html.slice(a, b + '</table>'.length);
}

function rewriteBlock(t: Template, text: (i: number) => string | null): string {
  let out = '';
  let at = 0;
  t.tds.forEach((td, i) => {
    const v = text(i);
    if (v === null) return;
    out += t.block.slice(at, td.start) + v;
    at = td.end;
  });
  return out + t.block.slice(at);
}

/** Every value a parsed report holds, by path. */
export function valuesOf(r: ParsedReport): Values {
  const v: Values = new Map();
  for (const c of r.cells) if (c.table !== 'stats' && !v.has(`${c.table}.${c.row}.${c.col}`)) v.set(`${c.table}.${c.row}.${c.col}`, c.value);
  (r.stats ?? []).forEach((s, i) => {
    v.set(`stats.${i + 1}.value`, s.value);
    if (s.cumulative !== undefined) v.set(`stats.${i + 1}.cumulative`, s.cumulative);
  });
  return v;
}

const templates = new Map<string, Template>();

function template(name: string, root: string): Template {
  const hit = templates.get(`${root}\0${name}`);
  if (hit) return hit;
  const doc = corpusDoc(name, root);
  const block = tableBlock(doc.html, name);
  const tds: Td[] = [];
  for (const m of block.matchAll(/<td\b[^>]*>([\s\S]*?)<\/td>/g)) {
    const inner = m[1]!;
    const text = cellText(inner);
    const num = NUMERIC_CELL.exec(text);
    if (!num) continue;
    const start = m.index + m[0].indexOf('>') + 1;
    tds.push({ start, end: start + inner.length, suffix: num[1] ?? '' });
  }
  const format = doc.year < 2019 ? 'pre2019' : doc.year < 2021 ? '2019' : '2021';
  const t: Template = { name, format, block, tds, pathOf: tds.map(() => null) };
  const probe = rewriteBlock(t, (i) => `${SENTINEL + i}${tds[i]!.suffix}`);
  const parsed = parseHtmlReport(reportPage({ title: doc.title, published: null, prose: [], block: probe, footer: '' }));
  for (const [path, value] of valuesOf(parsed)) {
    if (value === null) continue;
    const i = value - SENTINEL;
    if (Number.isInteger(i) && i >= 0 && i < tds.length && t.pathOf[i] === null) t.pathOf[i] = path;
  }
  templates.set(`${root}\0${name}`, t);
  return t;
}

const sources = new Map<string, Values>();

/** The values of a real corpus report, as the parser reads them. */
export function corpusValues(name: string, root = projectRoot()): Values {
  const key = `${root}\0${name}`;
  let v = sources.get(key);
  if (!v) {
    v = valuesOf(parseHtmlReport(corpusDoc(name, root).html));
    sources.set(key, v);
  }
  return v;
}

/** Which real reports a format's values are combined from, and which one's tables are served. */
export const FORMAT_SOURCES: Record<GeneratedFormat, { template: string; sources: string[] }> = {
  '2021': { template: 'fujian-pingtan-2025', sources: ['fujian-pingtan-2021', 'fujian-pingtan-2023', 'fujian-pingtan-2025'] },
  '2019': { template: 'fujian-pingtan-2019', sources: ['fujian-pingtan-2019', 'fujian-pingtan-2021', 'fujian-pingtan-2023', 'fujian-pingtan-2025'] },
  pre2019: { template: 'fujian-pingtan-2017', sources: ['fujian-pingtan-2017'] },
};

/** A source's value for a path, reading a 2019 （六）其他处理 row as the sum of the 2021 sub-rows. */
function sourceValue(src: Values, path: string): number | undefined {
  const v = src.get(path);
  if (v !== undefined) return v ?? 0;
  const m = /^requests\.other\.(\w+)$/.exec(path);
  if (!m) return undefined;
  const parts = OTHER_SUB_ROWS.map((r) => src.get(`requests.${r}.${m[1]}`));
  return parts.some((p) => p === undefined) ? undefined : parts.reduce<number>((a, p) => a + (p ?? 0), 0);
}

const round6 = (x: number) => Number(x.toFixed(6));

/** Σ wₖ·vₖ over the sources that have the path; the template's blank cells stay blank. */
function combine(t: Template, srcs: Values[], weights: number[], root: string): Values {
  const out: Values = new Map();
  const own = corpusValues(t.name, root);
  for (const path of t.pathOf) {
    if (path === null) continue;
    if (own.get(path) === null) {
      out.set(path, null);
      continue;
    }
    let sum = 0;
    srcs.forEach((s, k) => {
      const v = sourceValue(s, path);
      if (v !== undefined) sum += weights[k]! * v;
    });
    out.set(path, round6(sum));
  }
  return out;
}

export const APPLICANT_COLS = ['natural_person', 'commercial', 'research', 'social', 'legal', 'other'] as const;

/**
 * 上年结转 (per column) := 结转下年度 of the year before; R3 (新收 + 结转 = 总计 + 结转下年度) is kept
 * by moving 结转下年度, or 本年新收 when 结转下年度 would go negative; row totals recomputed.
 */
function chainCarryOver(v: Values, previous: Values | null): void {
  if (!v.has('requests.carried_over.total')) return;
  const get = (row: string, col: string) => v.get(`requests.${row}.${col}`) ?? 0;
  for (const c of APPLICANT_COLS) {
    if (previous) v.set(`requests.carried_over.${c}`, previous.get(`requests.carried_forward.${c}`) ?? 0);
    let cf = get('new_received', c) + get('carried_over', c) - get('total', c);
    if (cf < 0) {
      v.set(`requests.new_received.${c}`, get('new_received', c) - cf);
      cf = 0;
    }
    v.set(`requests.carried_forward.${c}`, cf);
  }
  for (const row of ['new_received', 'carried_over', 'carried_forward']) {
    v.set(
      `requests.${row}.total`,
      APPLICANT_COLS.reduce((a, c) => a + get(row, c), 0),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Plans and planted cases

/** A case planted in a generated report, each giving one kind of finding. */
export type Plant =
  /** 本年新收 / 总计 raised without its parts: requests.row_total and requests.balance fail. */
  | 'sum_fails'
  /** The prose's 予以公开 figure differs from table 3: narrative.mismatch. */
  | 'narrative_mismatch'
  /** A 其中 part of the pre-2019 statistics exceeds its whole: stats.part_exceeds_whole. */
  | 'part_exceeds_whole';

export interface GeneratedReportPlan {
  agency: string;
  year: number;
  /** Publication date (YYYY-MM-DD), or null for an undated report (no date on the page or the list). */
  published: string | null;
  /** Seed of the agency (the same for all its years, so trends are its own). */
  seed: string;
  /** Range of the agency's size factor (weights are multiplied by it). @default [1, 4] */
  size?: [number, number];
  plants?: Plant[];
  /** Round 2 of the portal: a revised value for one cell (path → value). */
  revise?: { path: string; value: number };
  /** Round 2 of the portal: the prose reworded (a sentence changed, one added), no cell changed. */
  reword?: boolean;
}

export interface GeneratedReport {
  plan: GeneratedReportPlan;
  format: GeneratedFormat;
  title: string;
  /** The values served (round 1), by path. */
  values: Values;
  html: string;
  /** The page in round 2 when `plan.revise` (one cell differs) or `plan.reword` (only the text differs) is set. */
  revisedHtml: string | null;
}

/** Weights of an agency's year: base weights per source (seeded), scaled by the agency's trend. */
function weightsFor(plan: GeneratedReportPlan, n: number): number[] {
  const rng = rngFor(`${plan.seed}:weights`);
  const base = Array.from({ length: n }, () => randInt(rng, 0, 3));
  // At least two sources, so the shares (granted, denied, not held …) are the agency's own mix.
  while (base.filter((w) => w > 0).length < Math.min(2, n)) base[randInt(rng, 0, n - 1)] = randInt(rng, 1, 3);
  const size = randInt(rng, plan.size?.[0] ?? 1, plan.size?.[1] ?? 4);
  const trend = (randInt(rng, -12, 30) / 100) * (plan.year - 2021);
  const jitter = rngFor(`${plan.seed}:${plan.year}`);
  const w: number[] = base.map((b) => (b === 0 ? 0 : Math.max(0, Math.round(b * size * (1 + trend)) + randInt(jitter, -1, 1))));
  if (!w.some((x) => x > 0)) w[base.findIndex((b) => b > 0)] = 1;
  return w;
}

/** Values of a pre-2019 statistics appendix: the real one scaled by a seeded factor. */
function scaledStats(t: Template, plan: GeneratedReportPlan, root: string): Values {
  const k = randInt(rngFor(`${plan.seed}:stats`), 2, 5);
  const out: Values = new Map();
  const own = corpusValues(t.name, root);
  for (const path of t.pathOf) if (path !== null) out.set(path, own.get(path) === null ? null : round6((own.get(path) ?? 0) * k));
  return out;
}

function plant(v: Values, plans: Plant[], root: string): void {
  if (plans.includes('sum_fails')) {
    v.set('requests.new_received.total', (v.get('requests.new_received.total') ?? 0) + 12);
  }
  if (plans.includes('part_exceeds_whole')) {
    const t = template(FORMAT_SOURCES.pre2019.template, root);
    const parsed = parseHtmlReport(corpusDoc(t.name, root).html);
    const parts = statParts(parsed.stats ?? []);
    const first = [...parts.entries()][0];
    if (!first) throw new Error(`nianbao demo: ${t.name} has no 其中 row to plant a part that exceeds its whole`);
    const [p, w] = first;
    v.set(`stats.${p + 1}.value`, (v.get(`stats.${w + 1}.value`) ?? 0) + 37);
  }
}

function fmtValue(x: number): string {
  return Number.isInteger(x) ? String(x) : String(round6(x));
}

/** The format a report on `year` is in (and the corpus report its tables come from). */
export function formatOfYear(year: number): GeneratedFormat {
  return year < 2019 ? 'pre2019' : year < 2021 ? '2019' : '2021';
}

/**
 * Generates an agency's reports, oldest first (so 上年结转 follows the year before). Deterministic:
 * the same plans give byte-identical pages.
 */
export function generateAgencyReports(plans: GeneratedReportPlan[], root = projectRoot()): GeneratedReport[] {
  const out: GeneratedReport[] = [];
  let previous: { year: number; values: Values } | null = null;
  for (const plan of [...plans].sort((a, b) => a.year - b.year)) {
    const format = formatOfYear(plan.year);
    const spec = FORMAT_SOURCES[format];
    const t = template(spec.template, root);
    let values: Values;
    if (format === 'pre2019') values = scaledStats(t, plan, root);
    else {
      values = combine(
        t,
        spec.sources.map((s) => corpusValues(s, root)),
        weightsFor(plan, spec.sources.length),
        root,
      );
      chainCarryOver(values, previous && previous.year === plan.year - 1 ? previous.values : null);
    }
    previous = { year: plan.year, values: new Map(values) };
    const plants = plan.plants ?? [];
    plant(values, plants, root);
    const title = `${plan.agency}${plan.year}年${format === 'pre2019' ? '' : '度'}政府信息公开工作年度报告`;
    const prose = proseFor(values, format, plan.year, plants);
    const page = (vals: Values, footer = prose.after) =>
      reportPage({
        title,
        published: plan.published,
        prose: prose.before.map(esc),
        block: rewriteBlock(t, (i) => {
          const path = t.pathOf[i] ?? null;
          const x = path === null ? undefined : vals.get(path);
          return x === undefined || x === null ? null : `${fmtValue(x)}${t.tds[i]!.suffix}`;
        }),
        footer,
      });
    let revisedHtml: string | null = null;
    if (plan.revise) {
      if (!values.has(plan.revise.path)) throw new Error(`nianbao demo: ${title} has no cell ${plan.revise.path} to revise`);
      revisedHtml = page(new Map(values).set(plan.revise.path, plan.revise.value));
    } else if (plan.reword) {
      revisedHtml = page(values, rewordedFooter(prose.after));
    }
    out.push({ plan, format, title, values, html: page(values), revisedHtml });
  }
  return out;
}
