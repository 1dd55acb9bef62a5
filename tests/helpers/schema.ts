/**
 * Turning a database back into an older schema version, for the tests that upgrade one: what
 * each later migration added is removed, so opening it runs those migrations again.
 */
import type Database from 'better-sqlite3';

/**
 * Removes what migration 16 (agency_identity) added, and the views of migration 10 (re-created
 * when the database is opened again; migrations 14 and 15 create only what is missing): with
 * `user_version` set back to 7 the database is as schema 7 left it (data of later columns lost).
 */
export function undoMigration16(db: Database.Database): void {
  db.exec(`
    DROP VIEW IF EXISTS missing_reports;
    DROP VIEW IF EXISTS expected_reports;
    DROP TABLE IF EXISTS document_locations;
    DROP TABLE IF EXISTS agency_review;
    DROP INDEX IF EXISTS agencies_identity;
    DROP INDEX IF EXISTS agencies_region;
  `);
  const columns = (table: string) => db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
  const drop = (table: string, names: string[]) => {
    const have = columns(table);
    for (const n of names) if (have.includes(n)) db.exec(`ALTER TABLE ${table} DROP COLUMN ${n}`);
  };
  drop('agencies', ['identity', 'region', 'township', 'merged_into']);
  drop('agency_aliases', ['source']);
  drop('reports', ['agency_source', 'publisher_id']);
}
