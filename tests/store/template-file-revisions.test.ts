/**
 * Page-template changes among the file revisions of an ingest (src/ingest/file-revisions.ts, then
 * src/store/template-changes.ts), through the real CLI: four saved pages read again after the
 * portal's template added one sentence to each, one of them with a corrected cell too. The three
 * that changed nothing else are template-only (no finding, left out of `nianbao changes`); the
 * fourth stays a revision. And a database of schema 21 opened by this build keeps its revisions as
 * they were (template_only 0, still listed).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import * as m0019 from '../../db/migrations/0019_revision_text.js';
import { openDatabase } from '../../src/store/db.js';
import { CORPUS, runCli, tempDir } from './helpers.js';

const NOTICE = '本网站已支持IPv6访问。';
const YEARS = ['2019', '2021', '2023', '2025'];

/** `page` with `from` (which must occur exactly once) replaced by `to`. */
function replaceOnce(page: string, from: string, to: string): string {
  expect(page.split(from), from).toHaveLength(2);
  return page.replace(from, () => to);
}

describe('ingest: the same sentence added to every file of a saved portal', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const dbFile = join(tmp.dir, 'files.db');
  const input = join(tmp.dir, 'in');

  it('marks the three files whose only change it is template-only; the corrected one stays revised', () => {
    mkdirSync(input, { recursive: true });
    const pages = new Map(YEARS.map((y) => [y, readFileSync(join(CORPUS, `fujian-pingtan-${y}.html`), 'utf8')]));
    for (const [y, html] of pages) writeFileSync(join(input, `${y}.html`), html);
    const first = runCli(['ingest', input, '--db', dbFile, '--json', '--progress', 'none']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ new: 4, revised: 0 });

    for (const [y, html] of pages) {
      let out = replaceOnce(html, '</body>', `<p>${NOTICE}</p></body>`);
      if (y === '2021') out = replaceOnce(out, '政府信息2645条', '政府信息2745条');
      writeFileSync(join(input, `${y}.html`), out);
    }
    const second = runCli(['ingest', input, '--db', dbFile, '--json', '--progress', 'none']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ new: 4, revised: 4, revisedTemplateOnly: 3 });
    const line = runCli(['changes', '--db', dbFile]);
    expect(line.code, line.stderr).toBe(0);
    expect(line.stdout).toContain('1 change(s): 1 revised, 0 vanished\n');
    expect(line.stdout).toContain('3 template-only revision(s) not listed');
    expect(line.stdout).toContain(`    + ${NOTICE}  [page template]\n`);

    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT sum(template_only) FROM revisions').pluck().get()).toBe(3);
      expect(db.prepare("SELECT count(*) FROM findings WHERE rule = 'report.revised'").pluck().get()).toBe(1);
      expect(db.prepare('SELECT template FROM revision_sentences WHERE new_text = ?').pluck().all(NOTICE)).toEqual([1, 1, 1, 1]);
    } finally {
      db.close();
    }
  });

  it('a database of schema 21 opened by this build keeps its revisions as they were (template_only 0)', () => {
    const old = join(tmp.dir, 'old.db');
    copyFileSync(dbFile, old);
    const raw = new Database(old);
    // Back to schema 21: the columns of migration 22 gone, migration 19's view.
    raw.exec('DROP VIEW report_changes; ALTER TABLE revisions DROP COLUMN template_only; ALTER TABLE revision_sentences DROP COLUMN template;');
    m0019.backfill(raw);
    raw.pragma('user_version = 21');
    const before = raw.prepare('SELECT * FROM revisions ORDER BY id').all() as Record<string, unknown>[];
    raw.close();
    const db = openDatabase(old);
    try {
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(22);
      expect(db.prepare('SELECT * FROM revisions ORDER BY id').all()).toEqual(before.map((r) => ({ ...r, template_only: 0 })));
      expect(db.prepare('SELECT DISTINCT template FROM revision_sentences').pluck().all()).toEqual([0]);
      expect(db.prepare("SELECT count(*) FROM report_changes WHERE change = 'revised' AND template_only = 0").pluck().get()).toBe(4);
    } finally {
      db.close();
    }
    const listed = runCli(['changes', '--db', old]);
    expect(listed.stdout).toContain('4 change(s): 4 revised, 0 vanished\n');
  });
});
