/**
 * The user's decisions on agencies — merge, split, alias, distinct — applied to the database in
 * one transaction each. A merge keeps the merged row (`merged_into`), so a registry site merged
 * away still resolves and a split can bring it back; reports move with the names they give
 * themselves, and every (agency, year) group touched is ranked again (is_primary).
 */
import type Database from 'better-sqlite3';
import { NianbaoError } from '../../parsers/errors.js';
import { ReportWriter } from '../store/writer.js';
import { agencyKey, nameFacts } from './names.js';

export type AgencyErrorCode =
  | 'NB_AGENCY_UNKNOWN' // no agency has this id, name or alias
  | 'NB_AGENCY_SAME' // merge/split/alias of an agency with itself
  | 'NB_AGENCY_FILE'; // the agencies file is not valid JSON of the documented shape

/** An error of agency management; branch on `code`. */
export class AgencyError extends NianbaoError {
  declare readonly code: AgencyErrorCode;
  constructor(code: AgencyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface AgencyRecord {
  id: number;
  key: string;
  name: string;
  kind: string | null;
  level: string | null;
  province: string | null;
  city: string | null;
  county: string | null;
  township: string | null;
  region: string | null;
  identity: string | null;
  parent_id: number | null;
  portal: string | null;
  source: string;
  merged_into: number | null;
}

const nowIso = (): string => new Date().toISOString();

/** The agency an id, name or alias refers to (a merged agency refers to its merge target). */
export function findAgency(db: Database.Database, ref: string | number): AgencyRecord {
  const get = (sql: string, v: unknown) => db.prepare<[{ v: unknown }], AgencyRecord>(sql).get({ v });
  let row: AgencyRecord | undefined;
  if (typeof ref === 'number' || /^\d+$/.test(ref.trim())) row = get('SELECT * FROM agencies WHERE id = @v', Number(ref));
  if (!row && typeof ref === 'string') {
    const key = agencyKey(ref);
    row =
      get('SELECT a.* FROM agency_aliases al JOIN agencies a ON a.id = al.agency_id WHERE al.alias = @v', key) ??
      get('SELECT * FROM agencies WHERE key = @v OR name = @v ORDER BY merged_into IS NOT NULL, id LIMIT 1', key);
  }
  if (!row) {
    throw new AgencyError('NB_AGENCY_UNKNOWN', `no agency has the id, name or alias "${String(ref)}"; see \`nianbao agencies list\``);
  }
  return row.merged_into !== null ? findAgency(db, row.merged_into) : row;
}

function yearsOf(db: Database.Database, agencyId: number): number[] {
  return db.prepare<[number], number>('SELECT DISTINCT year FROM reports WHERE agency_id = ? AND year IS NOT NULL').pluck().all(agencyId);
}

function rank(db: Database.Database, groups: Iterable<[number, number]>): void {
  const writer = new ReportWriter(db);
  const seen = new Set<string>();
  for (const [agency, year] of groups) {
    if (seen.has(`${agency}:${year}`)) continue;
    seen.add(`${agency}:${year}`);
    writer.rankGroup(agency, year);
  }
}

/** Merges `gone` into `keep` (inside the caller's transaction): names, reports, children, review. */
function mergeOne(db: Database.Database, keep: AgencyRecord, gone: AgencyRecord, decided: 'user' | 'rule'): void {
  const years = yearsOf(db, gone.id);
  db.prepare('UPDATE agency_aliases SET agency_id = ? WHERE agency_id = ?').run(keep.id, gone.id);
  db.prepare('UPDATE reports SET agency_id = ?, is_primary = 0 WHERE agency_id = ?').run(keep.id, gone.id);
  db.prepare('UPDATE reports SET publisher_id = ? WHERE publisher_id = ?').run(keep.id, gone.id);
  db.prepare('UPDATE document_locations SET publisher_id = ? WHERE publisher_id = ?').run(keep.id, gone.id);
  db.prepare('UPDATE agencies SET parent_id = ? WHERE parent_id = ? AND id <> ?').run(keep.id, gone.id, keep.id);
  db.prepare('UPDATE agencies SET merged_into = ? WHERE merged_into = ?').run(keep.id, gone.id);
  db.prepare('UPDATE agencies SET merged_into = ? WHERE id = ?').run(keep.id, gone.id);
  // What the kept agency does not know, it takes from the merged one.
  db.prepare(
    `UPDATE agencies SET province = COALESCE(province, @province), city = COALESCE(city, @city), county = COALESCE(county, @county),
       township = COALESCE(township, @township), region = COALESCE(region, @region), level = COALESCE(level, @level),
       kind = COALESCE(kind, @kind), portal = COALESCE(portal, @portal),
       parent_id = CASE WHEN parent_id IS NULL AND @parent_id <> id THEN @parent_id ELSE parent_id END
     WHERE id = @id`,
  ).run({
    id: keep.id,
    province: gone.province,
    city: gone.city,
    county: gone.county,
    township: gone.township,
    region: gone.region,
    level: gone.level,
    kind: gone.kind,
    portal: gone.portal,
    parent_id: gone.parent_id,
  });
  const [a, b] = keep.id < gone.id ? [keep.id, gone.id] : [gone.id, keep.id];
  db.prepare(
    `INSERT INTO agency_review (agency_id, other_id, similarity, reason, status, created_at, decided_at)
     VALUES (?, ?, 1, ?, 'merged', ?, ?)
     ON CONFLICT (agency_id, other_id) DO UPDATE SET status = 'merged', decided_at = excluded.decided_at`,
  ).run(a, b, decided === 'user' ? 'merged by the user' : 'one body by an identity rule', nowIso(), nowIso());
  rank(
    db,
    years.map((y): [number, number] => [keep.id, y]),
  );
}

/** Merges agencies into `into`: one body named several ways. Returns the kept agency. */
export function mergeAgencies(db: Database.Database, into: string | number, others: (string | number)[], decided: 'user' | 'rule' = 'user'): AgencyRecord {
  return db.transaction(() => {
    const keep = findAgency(db, into);
    for (const ref of others) {
      const gone = findAgency(db, ref);
      if (gone.id === keep.id) throw new AgencyError('NB_AGENCY_SAME', `"${String(ref)}" already is agency ${keep.id} (${keep.name})`);
      mergeOne(db, keep, gone, decided);
    }
    return findAgency(db, keep.id);
  })();
}

/**
 * Moves names (aliases) of one agency to another, with the reports that name themselves so.
 * Reports resolved from their site (no self-name) stay.
 */
function moveNames(db: Database.Database, from: AgencyRecord, to: AgencyRecord, names: string[]): void {
  const keys = new Set(names.map(agencyKey));
  const years = new Set<number>(yearsOf(db, from.id));
  for (const key of keys) {
    db.prepare(
      "INSERT INTO agency_aliases (alias, agency_id, source) VALUES (?, ?, 'user') ON CONFLICT (alias) DO UPDATE SET agency_id = excluded.agency_id, source = 'user'",
    ).run(key, to.id);
  }
  const named = db
    .prepare<[number], { id: number; agency_name: string | null }>('SELECT id, agency_name FROM reports WHERE agency_id = ? AND agency_name IS NOT NULL')
    .all(from.id)
    .filter((r) => keys.has(agencyKey(r.agency_name!)));
  const move = db.prepare('UPDATE reports SET agency_id = ?, is_primary = 0 WHERE id = ?');
  for (const r of named) move.run(to.id, r.id);
  const groups: [number, number][] = [];
  for (const y of years) groups.push([from.id, y]);
  for (const y of yearsOf(db, to.id)) groups.push([to.id, y]);
  rank(db, groups);
}

/**
 * Splits names off an agency into an agency of their own (a merge undone, or two bodies the rules
 * took for one): the first name names it. Returns the new (or restored) agency.
 */
export function splitAgency(db: Database.Database, ref: string | number, names: string[]): AgencyRecord {
  return db.transaction(() => {
    const from = findAgency(db, ref);
    const first = names[0];
    if (first === undefined) throw new AgencyError('NB_AGENCY_UNKNOWN', 'split: name at least one name to split off');
    const key = agencyKey(first);
    // An agency merged into this one earlier under this name comes back; else a new one.
    const restored = db
      .prepare<[number, string, string], { id: number }>(
        'SELECT id FROM agencies WHERE merged_into = ? AND (key = ? OR id IN (SELECT agency_id FROM agency_aliases WHERE alias = ?)) ORDER BY id LIMIT 1',
      )
      .get(from.id, key, key);
    let toId: number;
    if (restored) {
      toId = restored.id;
      db.prepare('UPDATE agencies SET merged_into = NULL WHERE id = ?').run(toId);
    } else {
      if (key === agencyKey(from.name))
        throw new AgencyError('NB_AGENCY_SAME', `"${first}" is the name of agency ${from.id}; split off its other names instead`);
      const f = nameFacts(key);
      toId = Number(
        db
          .prepare(
            `INSERT INTO agencies (key, name, province, city, county, township, region, level, kind, identity, source, created_at)
             VALUES (@key, @name, @province, @city, @county, @township, @region, @level, @kind, @identity, 'user', @now)`,
          )
          .run({
            key: db.prepare('SELECT 1 FROM agencies WHERE key = ?').get(key) ? `user:${key}:${Date.now()}` : key,
            name: first.normalize('NFKC').trim(),
            ...f.region,
            region: f.regionPath || null,
            level: f.level,
            kind: f.kind,
            identity: f.identity,
            now: nowIso(),
          }).lastInsertRowid,
      );
    }
    const to = findAgency(db, toId);
    moveNames(db, from, to, names);
    markDistinct(db, from.id, to.id, 'split by the user');
    return to;
  })();
}

/** Gives an agency another name; a name another agency holds moves here with its reports. */
export function addAlias(db: Database.Database, ref: string | number, name: string): AgencyRecord {
  return db.transaction(() => {
    const to = findAgency(db, ref);
    const key = agencyKey(name);
    const holder = db.prepare<[string], { agency_id: number }>('SELECT agency_id FROM agency_aliases WHERE alias = ?').get(key);
    if (holder && findAgency(db, holder.agency_id).id !== to.id) moveNames(db, findAgency(db, holder.agency_id), to, [name]);
    else
      db.prepare("INSERT INTO agency_aliases (alias, agency_id, source) VALUES (?, ?, 'user') ON CONFLICT (alias) DO UPDATE SET source = 'user'").run(
        key,
        to.id,
      );
    return to;
  })();
}

/** Records two agencies as distinct bodies (a review candidate answered no). */
export function markDistinct(db: Database.Database, x: number, y: number, reason = 'distinct by the user'): void {
  const [a, b] = x < y ? [x, y] : [y, x];
  db.prepare(
    `INSERT INTO agency_review (agency_id, other_id, similarity, reason, status, created_at, decided_at)
     VALUES (?, ?, 0, ?, 'distinct', ?, ?)
     ON CONFLICT (agency_id, other_id) DO UPDATE SET status = 'distinct', decided_at = excluded.decided_at`,
  ).run(a, b, reason, nowIso(), nowIso());
}

/** Sets what the user says about an agency (name, kind, level, parent). */
export function setAgencyFacts(
  db: Database.Database,
  id: number,
  facts: { name?: string | undefined; kind?: string | undefined; level?: string | undefined; parentId?: number | null | undefined },
): void {
  const cur = findAgency(db, id);
  db.prepare('UPDATE agencies SET name = ?, kind = ?, level = ?, parent_id = ? WHERE id = ?').run(
    facts.name ?? cur.name,
    facts.kind ?? cur.kind,
    facts.level ?? cur.level,
    facts.parentId === undefined ? cur.parent_id : facts.parentId,
    cur.id,
  );
  if (facts.name) {
    db.prepare("INSERT INTO agency_aliases (alias, agency_id, source) VALUES (?, ?, 'user') ON CONFLICT (alias) DO NOTHING").run(agencyKey(facts.name), cur.id);
  }
}
