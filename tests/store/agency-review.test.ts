/**
 * The review candidates a new agency gets (src/agencies/resolve.ts listCandidates, with the facts
 * of the agencies it compares cached per resolver) are exactly those of the first implementation:
 * `reviewSimilarity` recomputed from both names for every agency of the same region and kind.
 * Names are real ones (the registry's bodies, the corpus's, known renames) in real regions, with
 * containment, numbered variants and renames, merges and splits between arrivals, on the
 * resolver's connection and on another one.
 */
import type Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgencyError, mergeAgencies, setAgencyFacts, splitAgency } from '../../src/agencies/edit.js';
import { agencyKey, nameFacts, REVIEW_THRESHOLD, reviewFacts, reviewSimilarity, similarityOfFacts, TWO_HAN } from '../../src/agencies/names.js';
import { backfillAgencies } from '../../src/agencies/backfill.js';
import { AgencyResolver } from '../../src/agencies/resolve.js';
import { openDatabase } from '../../src/store/db.js';
import { ROOT, tempDir } from './helpers.js';

/** reviewSimilarity as first written (names.ts before the review facts): the reference. */
function referenceSimilarity(a: string, b: string): number {
  const dice = (x: string, y: string): number => {
    const grams = (s: string): string[] => (s.length < 2 ? [s] : Array.from({ length: s.length - 1 }, (_, i) => s.slice(i, i + 2)));
    const ga = grams(x);
    const gbAll = grams(y);
    const gb = [...gbAll];
    let common = 0;
    for (const g of ga) {
      const i = gb.indexOf(g);
      if (i >= 0) {
        common++;
        gb.splice(i, 1);
      }
    }
    return (2 * common) / (ga.length + gbAll.length);
  };
  const fa = nameFacts(a);
  const fb = nameFacts(b);
  if (!fa.regionPath || fa.regionPath !== fb.regionPath || fa.kind !== fb.kind || fa.identity === fb.identity) return 0;
  if (!TWO_HAN.test(fa.rest) || !TWO_HAN.test(fb.rest)) return 0;
  if (fa.rest.includes(fb.rest) || fb.rest.includes(fa.rest)) return 1;
  return Math.round(dice(fa.rest, fb.rest) * 100) / 100;
}

/** The resolver with listCandidates as first written: every pair's names read and compared afresh. */
class ReferenceResolver extends AgencyResolver {
  readonly #sameRegion;
  readonly #addReview;
  constructor(db: Database.Database) {
    super(db);
    this.#sameRegion = db.prepare<[string, string, number], { id: number; name: string }>(
      'SELECT id, name FROM agencies WHERE region = ? AND kind = ? AND merged_into IS NULL AND id <> ? ORDER BY id',
    );
    this.#addReview = db.prepare(
      `INSERT OR IGNORE INTO agency_review (agency_id, other_id, similarity, reason, created_at)
       VALUES (@agency_id, @other_id, @similarity, @reason, @now)`,
    );
  }
  override listCandidates(id: number, name: string, regionPath: string): void {
    const facts = nameFacts(name);
    if (!regionPath || !TWO_HAN.test(facts.rest)) return;
    for (const other of this.#sameRegion.all(regionPath, facts.kind, id)) {
      const similarity = referenceSimilarity(name, other.name);
      if (similarity < REVIEW_THRESHOLD) continue;
      const [a, b] = id < other.id ? [id, other.id] : [other.id, id];
      this.#addReview.run({
        agency_id: a,
        other_id: b,
        similarity,
        reason: `same region ${regionPath}, same kind, names ${similarity === 1 ? 'contain one another' : `alike (${similarity})`}; no identity rule`,
        now: new Date().toISOString(),
      });
    }
  }
}

/** Bodies without their region: the registry's departments, the corpus's, and known renames. */
function bodies(): string[] {
  const registry = JSON.parse(readFileSync(join(ROOT, 'sites', 'registry.json'), 'utf8')) as { sites: { agency: string }[] };
  const fromRegistry = registry.sites
    .map((s) => nameFacts(s.agency))
    .filter((f) => f.regionPath && f.kind === 'department')
    .map((f) => f.rest);
  expect(fromRegistry.length).toBeGreaterThan(5);
  // Named in the corpus pages (平潭综合实验区…).
  const fromCorpus = ['教育局', '公安局', '商务营运中心', '政府投资项目管理办', '生活垃圾分类管理办', '管委会办公室', '政府信息公开工作领导小组办公室'];
  // Bodies renamed in the 2018 reform, under both names.
  const renamed = [
    '教育体育局',
    '教育和体育局',
    '卫生和计划生育委员会',
    '卫生健康局',
    '卫生局',
    '环境保护局',
    '生态环境局',
    '国土资源局',
    '自然资源和规划局',
    '自然资源局',
    '安全生产监督管理局',
    '应急管理局',
    '工商行政管理局',
    '市场监督管理局',
    '食品药品监督管理局',
    '文化广电新闻出版局',
    '文化和旅游局',
    '文化广电和旅游局',
    '人力资源和社会保障局',
    '发展和改革局',
    '发展和改革委员会',
  ];
  // Units named with the body they belong to: one name contains the other, lengths far apart.
  const units = ['财政局国库集中支付中心', '公安局交通警察支队', '人力资源和社会保障局劳动保障监察支队'];
  return [...new Set([...fromRegistry, ...fromCorpus, ...renamed, ...units])];
}

/** A seeded generator (the same sequence on both databases). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const REGIONS = ['平潭综合实验区', '昆明市', '上海市黄浦区'];

/** Names as reports give them: a body, its office (containment), numbered copies, spacing variants; shuffled. */
function arrivals(): string[] {
  const names: string[] = [];
  for (const region of REGIONS) {
    for (const [i, body] of bodies().entries()) {
      names.push(`${region}${body}`, `${region}${body}办公室`, `${region}${body}#${i % 7}`);
      if (i % 5 === 0) names.push(`${region} ${body}`);
    }
  }
  // One body in many numbered copies, as the ingest benchmark names its agencies: late arrivals
  // are like a hundred agencies and more.
  for (let k = 0; k < 130; k++) names.push(`平潭综合实验区教育局#${k}`);
  const rnd = prng(20_261_207);
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  return names;
}

type ReviewRow = { id: number; agency_id: number; other_id: number; similarity: number; reason: string; status: string };

/**
 * Resolves every arrival on `file` through `resolver`; between arrivals, renames, merges and
 * splits, half on the resolver's connection and half on another. Returns agency_review.
 */
function run(file: string, makeResolver: (db: Database.Database) => AgencyResolver): { rows: ReviewRow[]; renamed: number; merged: number; split: number } {
  const db = openDatabase(file);
  const other = openDatabase(file);
  try {
    const resolver = makeResolver(db);
    const rnd = prng(7);
    const pool = arrivals();
    let renamed = 0;
    let merged = 0;
    let split = 0;
    const live = (conn: Database.Database, region: string) =>
      conn.prepare<[string], { id: number; name: string }>('SELECT id, name FROM agencies WHERE region = ? AND merged_into IS NULL ORDER BY id').all(region);
    const mergedAway: { into: number; name: string }[] = [];
    for (const [n, name] of pool.entries()) {
      resolver.byName(name);
      if (n % 4 !== 3) continue;
      const conn = n % 8 === 3 ? db : other;
      const region = REGIONS[Math.floor(rnd() * REGIONS.length)]!;
      const agencies = live(conn, region);
      if (agencies.length < 3) continue;
      const pick = () => agencies[Math.floor(rnd() * agencies.length)]!;
      const op = rnd();
      if (op < 0.5) {
        // Renamed to another body of the region (kept as a name in the arrivals too).
        const a = pick();
        const unseen = pool.filter(
          (p) => nameFacts(p).regionPath === region && !conn.prepare('SELECT 1 FROM agency_aliases WHERE alias = ?').get(agencyKey(p)),
        );
        const to = unseen[Math.floor(rnd() * unseen.length)];
        if (to === undefined) continue;
        setAgencyFacts(conn, a.id, { name: to });
        renamed++;
      } else if (op < 0.85) {
        const [a, b] = [pick(), pick()];
        if (a.id === b.id) continue;
        mergeAgencies(conn, a.id, [b.id]);
        mergedAway.push({ into: a.id, name: b.name });
        merged++;
      } else if (mergedAway.length > 0) {
        const m = mergedAway.splice(Math.floor(rnd() * mergedAway.length), 1)[0]!;
        const holder = conn.prepare<[number], { id: number; merged_into: number | null }>('SELECT id, merged_into FROM agencies WHERE id = ?').get(m.into)!;
        if (holder.merged_into !== null) continue;
        try {
          splitAgency(conn, m.into, [m.name]);
          split++;
        } catch (e) {
          if (!(e instanceof AgencyError)) throw e; // a name the kept agency has itself: no split
        }
      }
    }
    const rows = db.prepare<[], ReviewRow>('SELECT id, agency_id, other_id, similarity, reason, status FROM agency_review ORDER BY id').all();
    return { rows, renamed, merged, split };
  } finally {
    other.close();
    db.close();
  }
}

describe('agency review candidates', () => {
  const tmp = tempDir('nianbao-agency-review-');
  afterAll(() => tmp.cleanup());

  it('similarityOfFacts is reviewSimilarity as first written, and its floor only drops what is below it', () => {
    const names = [...new Set(arrivals())];
    const facts = names.map(reviewFacts);
    let listed = 0;
    let below = 0;
    for (let i = 0; i < names.length; i++) {
      for (let j = 0; j < names.length; j++) {
        if (nameFacts(names[i]!).regionPath !== nameFacts(names[j]!).regionPath && (i + j) % 17 !== 0) continue; // other regions: a sample
        const expected = referenceSimilarity(names[i]!, names[j]!);
        expect(reviewSimilarity(names[i]!, names[j]!), `${names[i]} / ${names[j]}`).toBe(expected);
        const floored = similarityOfFacts(facts[i]!, facts[j]!, REVIEW_THRESHOLD);
        if (expected >= REVIEW_THRESHOLD) {
          expect(floored, `${names[i]} / ${names[j]}`).toBe(expected);
          listed++;
        } else {
          expect(floored, `${names[i]} / ${names[j]}`).toBeLessThan(REVIEW_THRESHOLD);
          if (expected > 0) below++;
        }
      }
    }
    expect(listed).toBeGreaterThan(1000);
    expect(below).toBeGreaterThan(1000);
  });

  it('skips the bigrams only when their bound, rounded as the similarity is, is below the floor', () => {
    // 16 bigrams against 65, all 16 in common without one name containing the other: Dice is
    // 32/81 = 0.395…, stored as 0.4, so the pair is listed although its bound is below 0.4.
    const body = '人力资源和社会保障与就业服务管理局';
    const spread = `${body.slice(0, 9)}${'政府信息公开工作领导小组办公室'.repeat(4).slice(0, 48)}${body.slice(8)}`;
    const [a, b] = [`昆明市${body}`, `昆明市${spread}`];
    expect(referenceSimilarity(a, b)).toBeGreaterThanOrEqual(REVIEW_THRESHOLD);
    expect((2 * 16) / (16 + 65)).toBeLessThan(REVIEW_THRESHOLD);
    expect(similarityOfFacts(reviewFacts(a), reviewFacts(b), REVIEW_THRESHOLD)).toBe(referenceSimilarity(a, b));
    // One name inside a much longer one: 1, whatever the bound of their bigrams says.
    const [unit, of] = ['昆明市财政局国库集中支付中心', '昆明市财政局'];
    expect(similarityOfFacts(reviewFacts(of), reviewFacts(unit), REVIEW_THRESHOLD)).toBe(referenceSimilarity(of, unit));
  });

  it('lists the same rows as recomputing both names per pair, with renames, merges and splits between arrivals', () => {
    const cached = run(join(tmp.dir, 'cached.db'), (db) => new AgencyResolver(db));
    const reference = run(join(tmp.dir, 'reference.db'), (db) => new ReferenceResolver(db));
    expect(cached.renamed).toBeGreaterThan(20);
    expect(cached.merged).toBeGreaterThan(15);
    expect(cached.split).toBeGreaterThan(5);
    expect(reference.rows.filter((r) => r.status === 'open').length).toBeGreaterThan(300);
    expect(new Set(reference.rows.map((r) => r.similarity)).size).toBeGreaterThan(10);
    expect(cached.rows).toEqual(reference.rows);
    // A resolver whose facts cache keeps 3 entries, so it starts over all the time: the same rows.
    const small = run(join(tmp.dir, 'small-cache.db'), (db) => new AgencyResolver(db, 3));
    expect(small.rows).toEqual(reference.rows);
  });

  it("migration 16's backfill lists every alike pair of one region and kind, as the first implementation would", () => {
    const db = openDatabase(join(tmp.dir, 'backfill.db'));
    try {
      const insert = db.prepare("INSERT OR IGNORE INTO agencies (key, name, source, created_at) VALUES (?, ?, 'report', '2026-01-01')");
      for (const name of arrivals()) insert.run(agencyKey(name), name);
      backfillAgencies(db);
      const live = db
        .prepare<[], { id: number; name: string; region: string | null; kind: string }>(
          'SELECT id, name, region, kind FROM agencies WHERE merged_into IS NULL AND region IS NOT NULL ORDER BY id',
        )
        .all();
      const expected: Omit<ReviewRow, 'id' | 'status'>[] = [];
      for (const [i, x] of live.entries()) {
        for (const y of live.slice(i + 1)) {
          if (x.region !== y.region || x.kind !== y.kind) continue;
          const similarity = referenceSimilarity(x.name, y.name);
          if (similarity < REVIEW_THRESHOLD) continue;
          const alike = similarity === 1 ? 'contain one another' : `alike (${similarity})`;
          expected.push({ agency_id: x.id, other_id: y.id, similarity, reason: `same region ${x.region}, same kind, names ${alike}; no identity rule` });
        }
      }
      const listed = db.prepare("SELECT agency_id, other_id, similarity, reason FROM agency_review WHERE status = 'open' ORDER BY agency_id, other_id").all();
      expect(expected.length).toBeGreaterThan(1000);
      expect(listed).toEqual(expected);
    } finally {
      db.close();
    }
  });

  it('compares an agency renamed on another connection under its new name', () => {
    const file = join(tmp.dir, 'renamed.db');
    const db = openDatabase(file);
    const other = openDatabase(file);
    try {
      const resolver = new AgencyResolver(db);
      const edu = resolver.byName('昆明市教育局');
      resolver.byName('昆明市教育体育局'); // compares 昆明市教育局: its facts are now known
      setAgencyFacts(other, edu, { name: '昆明市公安局' });
      const traffic = resolver.byName('昆明市公安局交通警察支队');
      const review = db.prepare('SELECT similarity, reason FROM agency_review WHERE agency_id = ? AND other_id = ?').get(edu, traffic);
      expect(review).toEqual({ similarity: 1, reason: 'same region 昆明市, same kind, names contain one another; no identity rule' });
    } finally {
      other.close();
      db.close();
    }
  });
});
