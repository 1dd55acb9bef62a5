/**
 * A registry site's agency (created by the crawler's frontier from the site registry) as an
 * entity: what its name says (identity, region), and one body with the agencies reports named
 * before under a name the identity rules make the same (merged into the registry's row).
 */
import type Database from 'better-sqlite3';
import { mergeAgencies } from './edit.js';
import { agencyKey, nameFacts } from './names.js';

/** Settles the registry agency `id` named `name`; returns the agency it stands for (its merge target, if the user merged it). */
export function settleRegistryAgency(db: Database.Database, id: number, name: string): number {
  const f = nameFacts(name);
  db.prepare('UPDATE agencies SET identity = ?, region = ?, township = ? WHERE id = ?').run(f.identity, f.regionPath || null, f.region.township, id);
  const merged = db.prepare<[number], number | null>('SELECT merged_into FROM agencies WHERE id = ?').pluck().get(id);
  if (merged !== null && merged !== undefined) return merged;
  // The user gave this name to another agency (an agencies file applied before the crawl): the site's row joins it.
  const holder = db.prepare<[string], number>('SELECT agency_id FROM agency_aliases WHERE alias = ?').pluck().get(agencyKey(name));
  if (holder !== undefined && holder !== id) return mergeAgencies(db, holder, [id], 'rule').id;
  const same = db
    .prepare<[string, number], number>("SELECT id FROM agencies WHERE identity = ? AND merged_into IS NULL AND id <> ? AND source = 'report' ORDER BY id")
    .pluck()
    .all(f.identity, id);
  if (same.length > 0) mergeAgencies(db, id, same, 'rule');
  return id;
}
