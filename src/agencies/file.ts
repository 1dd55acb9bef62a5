/**
 * The agencies file (`agencies.json`): the user's decisions on agencies — which names are one
 * body, what it is called, its kind, level and parent, which look-alikes are distinct — as a
 * versioned JSON file a project keeps in git. `export` writes what the database holds; `apply`
 * makes a database (a rebuilt one too, even before any report is stored) say the same.
 *
 *   { "version": 1,
 *     "agencies": [{ "name": "平潭综合实验区党工委管委会", "aliases": ["平潭综合实验区"],
 *                    "kind": "government", "level": "county", "parent": "福建省人民政府" }],
 *     "distinct": [["丙县教育局", "丙县教育体育局"]] }
 */
import { z } from 'zod';
import type Database from 'better-sqlite3';
import { AgencyError, addAlias, findAgency, markDistinct, mergeAgencies, setAgencyFacts } from './edit.js';
import { AGENCY_KINDS, AGENCY_LEVELS, agencyKey, nameFacts } from './names.js';

export const AGENCIES_FILE_VERSION = 1;

const name = z.string().trim().min(1).max(200);

export const agenciesFileSchema = z.strictObject({
  /** Format version of the file (1). */
  version: z.literal(AGENCIES_FILE_VERSION),
  agencies: z.array(
    z.strictObject({
      /** The agency's name as shown. */
      name,
      /** Other names of the same body (reports naming themselves so belong to it). Default: none. */
      aliases: z.array(name).default([]),
      kind: z.enum(AGENCY_KINDS).optional(),
      level: z.enum(AGENCY_LEVELS).optional(),
      /** Name (or alias) of the parent agency. */
      parent: name.optional(),
    }),
  ),
  /** Pairs of names that are distinct bodies (review candidates answered no). Default: none. */
  distinct: z.array(z.tuple([name, name])).default([]),
});

export type AgenciesFile = z.infer<typeof agenciesFileSchema>;

/** Parses and validates an agencies file's text; errors name the file and the first problem. */
export function parseAgenciesFile(text: string, path: string): AgenciesFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AgencyError('NB_AGENCY_FILE', `${path}: not JSON (${(err as Error).message}); fix the file or export a new one with \`nianbao agencies export\``);
  }
  const r = agenciesFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new AgencyError(
      'NB_AGENCY_FILE',
      `${path}: ${issue.path.join('.') || '(top)'}: ${issue.message} (agencies file version ${AGENCIES_FILE_VERSION}, see README "Agency identity")`,
    );
  }
  return r.data;
}

/** The database's agencies as an agencies file: every agency, its names, kind, level, parent; distinct pairs. */
export function exportAgencies(db: Database.Database): AgenciesFile {
  const rows = db
    .prepare<[], { id: number; name: string; kind: string | null; level: string | null; parent: string | null }>(
      `SELECT a.id, a.name, a.kind, a.level, p.name AS parent FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id
       WHERE a.merged_into IS NULL ORDER BY a.region IS NULL, a.region, a.name, a.id`,
    )
    .all();
  const aliases = db.prepare<[number], string>('SELECT alias FROM agency_aliases WHERE agency_id = ? ORDER BY alias').pluck();
  const kinds = new Set<string>(AGENCY_KINDS);
  const levels = new Set<string>(AGENCY_LEVELS);
  return {
    version: AGENCIES_FILE_VERSION,
    agencies: rows.map((r) => ({
      name: r.name,
      aliases: aliases.all(r.id).filter((a) => a !== agencyKey(r.name)),
      ...(r.kind && kinds.has(r.kind) ? { kind: r.kind as AgenciesFile['agencies'][number]['kind'] } : {}),
      ...(r.level && levels.has(r.level) ? { level: r.level as AgenciesFile['agencies'][number]['level'] } : {}),
      ...(r.parent ? { parent: r.parent } : {}),
    })),
    distinct: db
      .prepare<[], [string, string]>(
        `SELECT a.name, o.name FROM agency_review v JOIN agencies a ON a.id = v.agency_id JOIN agencies o ON o.id = v.other_id
         WHERE v.status = 'distinct' AND a.merged_into IS NULL AND o.merged_into IS NULL ORDER BY a.name, o.name`,
      )
      .raw()
      .all(),
  };
}

export interface ApplySummary {
  created: number;
  merged: number;
  aliases: number;
  distinct: number;
  warnings: string[];
}

const holderOf = (db: Database.Database, n: string): number | null => {
  try {
    return findAgency(db, n).id;
  } catch {
    return null;
  }
};

/** Makes the database say what the file says (one transaction; idempotent). */
export function applyAgencies(db: Database.Database, file: AgenciesFile): ApplySummary {
  const sum: ApplySummary = { created: 0, merged: 0, aliases: 0, distinct: 0, warnings: [] };
  db.transaction(() => {
    for (const entry of file.agencies) {
      const names = [entry.name, ...entry.aliases];
      const holders = [...new Set(names.map((n) => holderOf(db, n)).filter((id): id is number => id !== null))];
      let target = holderOf(db, entry.name) ?? holders[0] ?? null;
      if (target === null) {
        // Not in this database yet: the names wait for the reports that give them.
        const f = nameFacts(entry.name);
        const key = agencyKey(entry.name);
        target = Number(
          db
            .prepare(
              `INSERT INTO agencies (key, name, province, city, county, township, region, level, kind, identity, source, created_at)
               VALUES (@key, @name, @province, @city, @county, @township, @region, @level, @kind, @identity, 'user', @now)`,
            )
            .run({
              key,
              name: entry.name,
              ...f.region,
              region: f.regionPath || null,
              level: f.level,
              kind: f.kind,
              identity: f.identity,
              now: new Date().toISOString(),
            }).lastInsertRowid,
        );
        sum.created++;
      }
      for (const h of holders) {
        if (h === target) continue;
        // A whole agency whose names are all this entry's is merged; else only the names move.
        const its = db.prepare<[number], string>('SELECT alias FROM agency_aliases WHERE agency_id = ?').pluck().all(h);
        const keys = new Set(names.map(agencyKey));
        if (its.every((a) => keys.has(a))) {
          mergeAgencies(db, target, [h]);
          sum.merged++;
        }
      }
      for (const n of names) {
        const before = holderOf(db, n);
        addAlias(db, target, n);
        if (before !== target) sum.aliases++;
      }
      let parentId: number | null | undefined;
      if (entry.parent !== undefined) {
        parentId = holderOf(db, entry.parent);
        if (parentId === null) sum.warnings.push(`${entry.name}: parent "${entry.parent}" is not in this database; left unset`);
      }
      setAgencyFacts(db, target, { name: entry.name, kind: entry.kind, level: entry.level, ...(parentId ? { parentId } : {}) });
    }
    for (const [x, y] of file.distinct) {
      const a = holderOf(db, x);
      const b = holderOf(db, y);
      if (a === null || b === null || a === b) {
        sum.warnings.push(
          `distinct ${x} / ${y}: ${a === b && a !== null ? 'one agency in this database (split it first)' : 'not both in this database'}; skipped`,
        );
        continue;
      }
      markDistinct(db, a, b);
      sum.distinct++;
    }
  })();
  return sum;
}
