/**
 * Resolves the body a report names to an `agencies` row, inside the writer's transaction:
 * an alias (any name seen before, or given by the user), else the one agency of the same rule
 * identity (src/agencies/names.ts: `丙县` = `丙县人民政府` = `丙县政府`), else a new agency with
 * what its name says (region, level, kind, parent). A new agency that looks like an existing one
 * of the same region and kind without an identity rule saying so is listed in `agency_review`,
 * never merged.
 */
import type Database from 'better-sqlite3';
import { agencyKey, nameFacts, REVIEW_THRESHOLD, reviewFacts, similarityOfFacts, type ReviewFacts } from './names.js';

/** Where a report's agency came from (reports.agency_source). */
export type AgencySource = 'title' | 'field' | 'signature' | 'site';

const nowIso = (): string => new Date().toISOString();

/**
 * Review facts a resolver keeps at most (≈ 1 KB each): a long-running writer over a collection of
 * 100,000 agencies stays at tens of MB, not growing with every region it meets.
 */
export const REVIEW_FACTS_MAX = 20_000;

/** Review rows written by one statement: one statement's work for many rows (SQLite inserts them in order). */
const REVIEW_ROWS_PER_INSERT = 50;
const REVIEW_INSERT = 'INSERT OR IGNORE INTO agency_review (agency_id, other_id, similarity, reason, created_at) VALUES ';

/** Prepared statements of agency resolution; one per connection. */
export class AgencyResolver {
  readonly #s;
  /**
   * Review facts of the agencies compared so far, by id, with the name they were computed from:
   * facts are a pure function of the name, and an entry counts only while the row still has that
   * name (a rename through src/agencies/edit.ts, on this connection or another, makes it stale).
   */
  readonly #facts = new Map<number, { name: string; facts: ReviewFacts }>();
  /** Entries of {@link AgencyResolver.#facts} at most: full, it starts over (facts are cheap to recompute). */
  readonly #factsMax: number;

  /** `factsMax`: review facts kept at most (see REVIEW_FACTS_MAX). */
  constructor(db: Database.Database, factsMax: number = REVIEW_FACTS_MAX) {
    this.#factsMax = factsMax;
    this.#s = {
      alias: db.prepare<[string], { id: number }>(
        'SELECT COALESCE(a.merged_into, a.id) AS id FROM agency_aliases al JOIN agencies a ON a.id = al.agency_id WHERE al.alias = ?',
      ),
      byIdentity: db.prepare<[string], { id: number }>(
        `SELECT id FROM agencies WHERE identity = ? AND merged_into IS NULL
         ORDER BY source = 'user' DESC, source = 'registry' DESC, id LIMIT 1`,
      ),
      mergedInto: db.prepare<[number], { merged_into: number | null }>('SELECT merged_into FROM agencies WHERE id = ?'),
      byKey: db.prepare<[string], { id: number }>('SELECT COALESCE(merged_into, id) AS id FROM agencies WHERE key = ?'),
      insert: db.prepare(
        `INSERT INTO agencies (key, name, province, city, county, township, region, level, kind, identity, parent_id, source, created_at)
         VALUES (@key, @name, @province, @city, @county, @township, @region, @level, @kind, @identity, @parent_id, 'report', @now)`,
      ),
      addAlias: db.prepare('INSERT OR IGNORE INTO agency_aliases (alias, agency_id, source) VALUES (?, ?, ?)'),
      sameRegion: db
        .prepare<[string, string, number], [id: number, name: string]>(
          'SELECT id, name FROM agencies WHERE region = ? AND kind = ? AND merged_into IS NULL AND id <> ? ORDER BY id',
        )
        .raw(),
      addReview: db.prepare<[(number | string)[]]>(`${REVIEW_INSERT}(?, ?, ?, ?, ?)`),
      addReviews: db.prepare<[(number | string)[]]>(`${REVIEW_INSERT}${Array<string>(REVIEW_ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}`),
    };
  }

  /** The id of the agency a stored id now stands for (its merge target, if merged). */
  current(id: number): number {
    return this.#s.mergedInto.get(id)?.merged_into ?? id;
  }

  /**
   * The report's agency and where it came from: the body it names (`from` says where the parser
   * read it), else the publisher (`site`), else none. A field or signature name without a region
   * on a site gives way to the site's agency.
   */
  resolve(
    name: string | null,
    from: Exclude<AgencySource, 'site'> | undefined,
    publisher: number | null,
  ): { agencyId: number | null; source: AgencySource | null } {
    const trimmed = name?.trim() ?? '';
    if (!trimmed) return { agencyId: publisher, source: publisher === null ? null : 'site' };
    // A field or signature naming a body without its region (办公室, 管委会办公室: the page's own
    // author tag) names it relative to the site it is on: the site's agency is the surer answer.
    if (from !== undefined && from !== 'title' && publisher !== null) {
      const f = nameFacts(trimmed);
      if (!f.regionPath && f.level !== 'national') return { agencyId: publisher, source: 'site' };
    }
    return { agencyId: this.byName(trimmed), source: from ?? 'title' };
  }

  /** The agency of a name: by alias, by rule identity (the name becomes an alias), or new. */
  byName(name: string): number {
    const key = agencyKey(name);
    const alias = this.#s.alias.get(key);
    if (alias) return alias.id;
    const facts = nameFacts(key);
    const same = this.#s.byIdentity.get(facts.identity);
    if (same) {
      this.#s.addAlias.run(key, same.id, 'rule');
      return same.id;
    }
    const existing = this.#s.byKey.get(key);
    if (existing) {
      this.#s.addAlias.run(key, existing.id, 'report');
      return existing.id;
    }
    const parent = this.parentOf(facts.identity, facts.region);
    const id = Number(
      this.#s.insert.run({
        key,
        name: name.normalize('NFKC').trim(),
        province: facts.region.province,
        city: facts.region.city,
        county: facts.region.county,
        township: facts.region.township,
        region: facts.regionPath || null,
        level: facts.level,
        kind: facts.kind,
        identity: facts.identity,
        parent_id: parent,
        now: nowIso(),
      }).lastInsertRowid,
    );
    this.#s.addAlias.run(key, id, 'report');
    this.listCandidates(id, key, facts.regionPath);
    return id;
  }

  /** Records agencies of the same region that look like `name` in agency_review. */
  listCandidates(id: number, name: string, regionPath: string): void {
    const facts = reviewFacts(name);
    if (!regionPath || !facts.comparable) return;
    let now: string | undefined;
    const rows: (number | string)[] = [];
    for (const [otherId, otherName] of this.#s.sameRegion.all(regionPath, facts.kind, id)) {
      const similarity = similarityOfFacts(facts, this.#factsOf(otherId, otherName), REVIEW_THRESHOLD);
      if (similarity < REVIEW_THRESHOLD) continue;
      const reason = `same region ${regionPath}, same kind, names ${similarity === 1 ? 'contain one another' : `alike (${similarity})`}; no identity rule`;
      rows.push(id < otherId ? id : otherId, id < otherId ? otherId : id, similarity, reason, (now ??= nowIso()));
      if (rows.length === 5 * REVIEW_ROWS_PER_INSERT) this.#s.addReviews.run(rows.splice(0));
    }
    for (let i = 0; i < rows.length; i += 5) this.#s.addReview.run(rows.slice(i, i + 5));
  }

  /** The review facts of agency `id` as it is named now (`name`, just read from its row). */
  #factsOf(id: number, name: string): ReviewFacts {
    const cached = this.#facts.get(id);
    if (cached?.name === name) return cached.facts;
    const facts = reviewFacts(name);
    if (this.#facts.size >= this.#factsMax) this.#facts.clear();
    this.#facts.set(id, { name, facts });
    return facts;
  }

  /** A department's or office's parent: its region's government; a government's: the region above's. */
  parentOf(identity: string, region: { province: string | null; city: string | null; county: string | null; township: string | null }): number | null {
    const parts = [region.province, region.city, region.county, region.township].filter((p): p is string => p !== null);
    if (parts.length === 0) return null;
    const own = identity.startsWith('gov:') ? parts.slice(0, -1) : parts;
    if (own.length === 0) return null;
    // The region as named (福州市鼓楼区 → 福州市), and its deepest part alone (as titles name it).
    for (const path of [own.join(''), own[own.length - 1]!]) {
      const gov = this.#s.byIdentity.get(`gov:${path}`);
      if (gov) return gov.id;
    }
    return null;
  }
}
