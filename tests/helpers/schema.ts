/**
 * Turning a database back into an older schema version, for the tests that upgrade one: what
 * each later migration added is removed, so opening it runs those migrations again.
 */
import type Database from 'better-sqlite3';

/** Removes what migration 8 (agency_identity) added: the database is as schema 7 left it (data of later columns lost). */
export function undoMigration8(db: Database.Database): void {
  db.exec(`
    DROP TABLE IF EXISTS document_locations;
    DROP TABLE IF EXISTS agency_review;
    DROP INDEX IF EXISTS agencies_identity;
    DROP INDEX IF EXISTS agencies_region;
  `);
  const columns = (table: string) => (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]);
  const drop = (table: string, names: string[]) => {
    const have = columns(table);
    for (const n of names) if (have.includes(n)) db.exec(`ALTER TABLE ${table} DROP COLUMN ${n}`);
  };
  drop('agencies', ['identity', 'region', 'township', 'merged_into']);
  drop('agency_aliases', ['source']);
  drop('reports', ['agency_source', 'publisher_id']);
}
