/**
 * Migration 16's data step (db/migrations/0016_agency_identity.ts): the agencies a database holds
 * get what their names say (identity, region, level, kind; registry values are kept, except that
 * a government's general office becomes `government_office`), a parent, the rule merges (one body
 * by an identity rule: the registry's row is kept) and the review candidates.
 */
import type Database from 'better-sqlite3';
import { mergeAgencies } from './edit.js';
import { nameFacts } from './names.js';
import { AgencyResolver } from './resolve.js';

export function backfillAgencies(db: Database.Database): void {
  const rows = db.prepare<[], { id: number; name: string; source: string }>('SELECT id, name, source FROM agencies ORDER BY id').all();
  const update = db.prepare(
    `UPDATE agencies SET identity = @identity, region = @region, township = @township,
       province = COALESCE(province, @province), city = COALESCE(city, @city), county = COALESCE(county, @county),
       level = COALESCE(level, @level),
       kind = CASE WHEN kind IS NULL OR (source = 'registry' AND @kind = 'government_office') THEN @kind ELSE kind END
     WHERE id = @id`,
  );
  for (const r of rows) {
    const f = nameFacts(r.name);
    update.run({ id: r.id, identity: f.identity, region: f.regionPath || null, ...f.region, level: f.level, kind: f.kind });
  }
  // One body by an identity rule (平潭综合实验区 = 平潭综合实验区党工委管委会): merged, the registry's row kept.
  const groups = db
    .prepare<[], { identity: string }>('SELECT identity FROM agencies WHERE merged_into IS NULL AND identity IS NOT NULL GROUP BY identity HAVING count(*) > 1')
    .all();
  for (const { identity } of groups) {
    const ids = db
      .prepare<[string], number>("SELECT id FROM agencies WHERE identity = ? AND merged_into IS NULL ORDER BY source = 'registry' DESC, id")
      .pluck()
      .all(identity);
    mergeAgencies(db, ids[0]!, ids.slice(1), 'rule');
  }
  const resolver = new AgencyResolver(db);
  const live = db
    .prepare<
      [],
      {
        id: number;
        name: string;
        identity: string;
        region: string | null;
        province: string | null;
        city: string | null;
        county: string | null;
        township: string | null;
        parent_id: number | null;
      }
    >('SELECT id, name, identity, region, province, city, county, township, parent_id FROM agencies WHERE merged_into IS NULL ORDER BY id')
    .all();
  const setParent = db.prepare('UPDATE agencies SET parent_id = ? WHERE id = ? AND parent_id IS NULL');
  for (const a of live) {
    if (a.parent_id === null) {
      const f = nameFacts(a.name);
      const parent = resolver.parentOf(a.identity, f.region);
      if (parent !== null && parent !== a.id) setParent.run(parent, a.id);
    }
    if (a.region) resolver.listCandidates(a.id, a.name, a.region);
  }
}
