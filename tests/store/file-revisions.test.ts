/**
 * A file ingested again from the same path with other content is a revision of the report read
 * from it before (src/ingest/file-revisions.ts), through the real CLI on a corpus report: both
 * versions kept, the changed cell listed by `nianbao changes --json`, the new version primary; the
 * same bytes again, or another version under another path, are not revisions.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, runCli, tempDir } from './helpers.js';

const SOURCE = join(CORPUS, 'fujian-pingtan-2021.html');

/** The source page with the number of the n-th numeric table cell raised by `by`; the old and new values. */
function withCellChanged(html: string, n: number, by: number): { html: string; old: number; now: number } {
  const cells = [...html.matchAll(/>(\d{2,5})</g)];
  const cell = cells[n]!;
  const old = Number(cell[1]);
  const at = cell.index! + 1;
  return { html: html.slice(0, at) + String(old + by) + html.slice(at + cell[1]!.length), old, now: old + by };
}

describe('ingest: a file read again with other content', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('records a revision with the changed cell, keeps both versions and ranks the new one primary', () => {
    const dbFile = join(tmp.dir, 'files.db');
    const input = join(tmp.dir, 'in');
    const file = join(input, 'report.html');
    const original = readFileSync(SOURCE, 'utf8');
    writeDeep(file, original); // version 1
    const first = runCli(['ingest', input, '--db', dbFile, '--json', '--progress', 'none']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ new: 1, revised: 0 });

    // the same bytes again: unchanged, nothing recorded
    const again = runCli(['ingest', input, '--db', dbFile, '--json', '--progress', 'none']);
    expect(JSON.parse(again.stdout)).toMatchObject({ new: 0, unchanged: 1, revised: 0 });

    // version 2: one table cell changed
    const changed = withCellChanged(original, 10, 7);
    writeFileSync(file, changed.html);
    const second = runCli(['ingest', input, '--db', dbFile, '--json', '--progress', 'none']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ new: 1, revised: 1 });

    const listed = runCli(['changes', '--db', dbFile, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const flat = JSON.stringify(rows);
    expect(rows.length, flat).toBe(1);
    expect(flat).toContain(pathToFileURL(resolve(file)).href);
    expect(flat).toContain(String(changed.old));
    expect(flat).toContain(String(changed.now));

    const db = new Database(dbFile, { readonly: true });
    try {
      const reports = db.prepare('SELECT id, is_primary FROM reports ORDER BY id').all() as { id: number; is_primary: number }[];
      expect(reports).toEqual([
        { id: 1, is_primary: 0 },
        { id: 2, is_primary: 1 },
      ]);
      const rev = db.prepare('SELECT old_report_id, new_report_id, kind, cells_changed FROM revisions').all();
      expect(rev).toEqual([{ old_report_id: 1, new_report_id: 2, kind: 'same_url', cells_changed: 1 }]);
      const cell = db.prepare('SELECT old_value, new_value FROM revision_cells').get();
      expect(cell).toEqual({ old_value: changed.old, new_value: changed.now });
      const finding = db.prepare("SELECT report_id FROM findings WHERE rule = 'report.revised'").all();
      expect(finding).toEqual([{ report_id: 2 }]);
    } finally {
      db.close();
    }
  });

  it('a version whose text alone changed is a revision too; one that differs only in spacing is not', () => {
    const dbFile = join(tmp.dir, 'text.db');
    const file = join(tmp.dir, 'text', 'report.html');
    const original = readFileSync(SOURCE, 'utf8');
    writeDeep(file, original);
    expect(runCli(['ingest', file, '--db', dbFile, '--progress', 'none']).code).toBe(0);

    // Spacing and line breaks only: new bytes, the same report once normalised.
    writeFileSync(file, original.replace('我区编制完成了本报告。', '我区编制完成了\n本报告。  '));
    const spaced = runCli(['ingest', file, '--db', dbFile, '--json', '--progress', 'none']);
    expect(JSON.parse(spaced.stdout)).toMatchObject({ new: 1, revised: 0 });

    // One sentence reworded, no table cell touched.
    expect(original).toContain('我区编制完成了本报告。');
    writeFileSync(file, original.replace('我区编制完成了本报告。', '我区编制并修订了本报告。'));
    const reworded = runCli(['ingest', file, '--db', dbFile, '--json', '--progress', 'none']);
    expect(JSON.parse(reworded.stdout)).toMatchObject({ new: 1, revised: 1 });
    const db = new Database(dbFile, { readonly: true });
    try {
      const rev = db.prepare('SELECT cells_changed, sentences_changed FROM revisions').all();
      expect(rev).toEqual([{ cells_changed: 0, sentences_changed: 1 }]);
      const sentence = db.prepare('SELECT new_text FROM revision_sentences').pluck().all() as string[];
      expect(sentence.join('\n')).toContain('我区编制并修订了本报告。');
    } finally {
      db.close();
    }
  });

  it('another version under another path is a report of its own, no revision', () => {
    const dbFile = join(tmp.dir, 'paths.db');
    const a = join(tmp.dir, 'a', 'report.html');
    const b = join(tmp.dir, 'b', 'report.html');
    writeDeep(a, readFileSync(SOURCE, 'utf8'));
    expect(runCli(['ingest', a, '--db', dbFile, '--progress', 'none']).code).toBe(0);
    writeDeep(b, withCellChanged(readFileSync(SOURCE, 'utf8'), 10, 7).html);
    const r = runCli(['ingest', b, '--db', dbFile, '--json', '--progress', 'none']);
    expect(JSON.parse(r.stdout)).toMatchObject({ new: 1, revised: 0 });
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM revisions').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});

function writeDeep(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
