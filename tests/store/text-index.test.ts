/**
 * The deferred search index (migrations 17, 18): an ingest stores each report's text with a pending
 * mark and indexes all of them in one pass at its end; the bigram index answers 1–2 character
 * Chinese terms with exactly the hits LIKE finds, and longer terms (their pieces looked up, the
 * term confirmed in the text) too; reports still pending are found by a scan, with the same hits
 * as once indexed; a re-parsed report's old text leaves the index; opening the database for
 * writing finishes a pending index.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/index.js';
import { parseReport } from '../../src/parse/report.js';
import { bigramPieces, isBigramTerm, termMatch } from '../../src/store/bigrams.js';
import { openDatabase } from '../../src/store/db.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { searchReports } from '../../src/store/search.js';
import { indexPending, pendingIndexCount } from '../../src/store/text-index.js';
import { ReportWriter } from '../../src/store/writer.js';
import { CORPUS, tempDir } from './helpers.js';

const tmp = tempDir();
let dbFile: string;

beforeAll(async () => {
  dbFile = join(tmp.dir, 'corpus.db');
  const db = openDatabase(dbFile);
  const s = await ingestPaths(db, [CORPUS], { snapshotsDir: join(tmp.dir, 'snapshots') });
  expect(s.new).toBeGreaterThan(10);
  expect(s.indexed).toBe(s.ok + s.partial);
  expect(s.indexPending).toBe(0);
  db.close();
}, 120_000);
afterAll(() => tmp.cleanup());

/** Report ids whose title, agency or text holds `term`, by LIKE, in the order of unranked hits. */
function likeIds(db: Database.Database, term: string): number[] {
  const p = `%${term.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return db
    .prepare(
      `SELECT r.id FROM report_text t JOIN reports r ON r.id = t.report_id
       WHERE t.title LIKE @p ESCAPE '\\' OR t.agency LIKE @p ESCAPE '\\' OR t.text LIKE @p ESCAPE '\\'
       ORDER BY r.year DESC, r.id`,
    )
    .pluck()
    .all({ p }) as number[];
}

const ids = (db: Database.Database, q: string): number[] => searchReports(db, q, { all: true, limit: 10_000 }).hits.map((h) => h.reportId);
const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

/** Every 1–2 character term of the corpus texts worth asking: all characters, and every 41st pair of each text. */
function shortTerms(db: Database.Database): string[] {
  const terms = new Set<string>(['收费', '复议', '费', '〇', '鑫', '龘']);
  for (const { text } of db.prepare('SELECT text FROM report_text').all() as { text: string }[]) {
    const chars = [...text];
    chars.forEach((c, i) => {
      if (isBigramTerm(c)) terms.add(c);
      const pair = c + (chars[i + 1] ?? '');
      if (i % 41 === 0 && isBigramTerm(pair)) terms.add(pair);
    });
  }
  return [...terms];
}

describe('the deferred search index', () => {
  it('indexes every report with text at the end of an ingest; the index passes its integrity check', () => {
    const db = new Database(dbFile, { readonly: true });
    expect(pendingIndexCount(db)).toBe(0);
    expect(db.prepare("SELECT count(*) FROM reports WHERE status <> 'failed'").pluck().get()).toBe(
      db.prepare('SELECT count(*) FROM report_text').pluck().get(),
    );
    expect(db.prepare('SELECT rowid FROM reports_bigram ORDER BY rowid').pluck().all()).toEqual(
      db.prepare('SELECT report_id FROM report_text ORDER BY report_id').pluck().all(),
    );
    db.close();
    const rw = new Database(dbFile);
    expect(() => rw.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
    expect(rw.pragma('integrity_check', { simple: true })).toBe('ok');
    rw.close();
  });

  it('answers 1–2 character Chinese terms from the bigram index with exactly the hits, in the order, LIKE finds', () => {
    const db = openDatabase(dbFile, { readonly: true });
    const terms = shortTerms(db);
    expect(terms.length).toBeGreaterThan(300);
    let found = 0;
    for (const term of terms) {
      const r = searchReports(db, term, { all: true, limit: 10_000 });
      expect(r.mode, term).toBe('bigram');
      expect(
        r.hits.map((h) => h.reportId),
        term,
      ).toEqual(likeIds(db, term));
      if (r.hits.length > 0) found++;
    }
    // Most terms are found somewhere; the absent ones (鑫, 龘) find nothing, as LIKE.
    expect(found).toBeGreaterThan(terms.length - 10);
    expect(ids(db, '龘')).toEqual([]);
    // Two short terms, and a short with a long one: every term must match.
    const both = likeIds(db, '复议').filter((id) => likeIds(db, '收费').includes(id));
    expect(sorted(ids(db, '复议 收费'))).toEqual(sorted(both));
    const mixed = likeIds(db, '信息处理费').filter((id) => likeIds(db, '复议').includes(id));
    expect(sorted(ids(db, '信息处理费 复议'))).toEqual(sorted(mixed));
    // Short terms that are not Chinese characters are still answered, by a scan.
    const digits = searchReports(db, '20', { all: true, limit: 10_000 });
    expect(digits.mode).toBe('like');
    expect(digits.hits.map((h) => h.reportId)).toEqual(likeIds(db, '20'));
    db.close();
  });

  it('answers longer terms, phrases and terms with digits or Latin letters with exactly the hits, in the order, LIKE finds', () => {
    const db = openDatabase(dbFile, { readonly: true });
    // Pieces of the texts 3–8 characters long (every 97th position), and terms of other scripts.
    const terms = new Set<string>(['信息公开', '政府信息公开申请', '行政复议数', '2023年', '第3条', '12345', 'PDF', 'http', '%', '_']);
    for (const { text } of db.prepare('SELECT text FROM report_text').all() as { text: string }[]) {
      const chars = [...text];
      for (let i = 0; i + 8 < chars.length; i += 97) {
        const piece = chars
          .slice(i, i + 3 + (i % 6))
          .join('')
          .trim();
        // (Search reads a query as NFKC: pieces that change by it are another test's business.)
        if (piece.length >= 3 && !/\s/u.test(piece) && piece.normalize('NFKC') === piece) terms.add(piece);
      }
    }
    expect(terms.size).toBeGreaterThan(200);
    let indexed = 0;
    for (const term of terms) {
      const r = searchReports(db, term, { all: true, limit: 10_000 });
      expect(r.mode, term).toBe(termMatch(term) === null ? 'like' : 'bigram');
      if (r.mode === 'bigram') indexed++;
      expect(
        r.hits.map((h) => h.reportId),
        term,
      ).toEqual(likeIds(db, term));
    }
    expect(indexed).toBeGreaterThan(100);
    // Every piece of a term in a report, but not in a row: not a hit.
    const pairs = new Map<string, Set<number>>();
    for (const { id, text } of db.prepare('SELECT report_id AS id, text FROM report_text').all() as { id: number; text: string }[]) {
      const chars = [...text];
      for (let i = 1; i < chars.length; i++) {
        const p = chars[i - 1]! + chars[i]!;
        if (!isBigramTerm(p)) continue;
        let s = pairs.get(p);
        if (!s) pairs.set(p, (s = new Set()));
        s.add(id);
      }
    }
    let scattered: string | undefined;
    search: for (const [ab, inAb] of pairs) {
      for (const [bc, inBc] of pairs) {
        if (bc[0] !== ab[1]) continue;
        const term = ab + bc[1];
        if (likeIds(db, term).length === 0 && [...inAb].some((id) => inBc.has(id))) {
          scattered = term;
          break search;
        }
      }
    }
    expect(scattered).toBeDefined();
    expect(ids(db, scattered!)).toEqual([]);
    // Snippets show the term in its text.
    const hit = searchReports(db, '政府信息公开申请', { all: true }).hits[0]!;
    expect(hit.snippet).toContain('[政府信息公开申请]');
    db.close();
  });

  it('makes pieces of each run of Chinese characters, and nothing of other text', () => {
    expect(bigramPieces('abc 123')).toBe('');
    const code = (c: string): string => c.codePointAt(0)!.toString(36).padStart(4, '0');
    // Each piece once per call, whichever text of the call holds it.
    expect(bigramPieces('收费,费').split(' ')).toEqual([code('收') + code('费'), code('费')]);
    expect(bigramPieces('收费', '费用。收费').split(' ')).toEqual([code('收') + code('费'), code('费'), code('费') + code('用'), code('用')]);
    expect(bigramPieces('𠀀一', null, '〇', '𠀀一').split(' ')).toEqual([code('𠀀') + code('一'), code('一'), code('〇'), code('𠀀') + code('一')]);
    // A text longer than the builder's first buffer, with more distinct pieces than the set first holds.
    const distinct = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
    const pieces = bigramPieces(distinct, distinct).split(' ');
    expect(pieces.length).toBe(20_000);
    expect(new Set(pieces).size).toBe(20_000);
    // Nothing is left over for the next call.
    expect(bigramPieces('信息公开'.repeat(20_000)).split(' ')).toEqual(['信息', '息公', '公开', '开信', '开'].map((p) => [...p].map(code).join('')));
    // The MATCH of a term: its runs' pieces; a lone character as a prefix; nothing for other text.
    expect(termMatch('信息公开')).toBe(`"${code('信')}${code('息')}" AND "${code('息')}${code('公')}" AND "${code('公')}${code('开')}"`);
    expect(termMatch('2023年')).toBe(`"${code('年')}"*`);
    expect(termMatch('PDF 2023')).toBeNull();
  });

  it('searches reports not yet indexed by a scan, with the same hits as once indexed, and a writing open indexes them', () => {
    const file = join(tmp.dir, 'pending.db');
    copyFileSync(dbFile, file);
    const queries = ['信息处理费', '政府信息公开', '复议', '收费', '费', '信息处理费 复议', '20'];
    const full = openDatabase(file, { readonly: true });
    const want = new Map(queries.map((q) => [q, sorted(ids(full, q))]));
    full.close();
    // Half the reports back to pending, as a run killed before its index pass leaves them.
    const raw = new Database(file);
    raw.exec(`
      DELETE FROM reports_bigram WHERE rowid % 2 = 0;
      INSERT INTO text_index_pending (report_id) SELECT report_id FROM report_text WHERE report_id % 2 = 0;
    `);
    const pending = pendingIndexCount(raw);
    expect(pending).toBeGreaterThan(3);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const ro = openDatabase(file, { readonly: true });
    for (const q of queries) {
      const r = searchReports(ro, q, { all: true, limit: 10_000 });
      expect(sorted(r.hits.map((h) => h.reportId)), q).toEqual(want.get(q));
      if (r.mode !== 'like') expect(r.pending, q).toBe(pending);
    }
    // The limit holds over indexed and scanned hits together.
    expect(searchReports(ro, '复议', { all: true, limit: 3 }).hits).toHaveLength(Math.min(3, want.get('复议')!.length));
    ro.close();

    const rw = openDatabase(file);
    expect(pendingIndexCount(rw)).toBe(0);
    for (const q of queries) expect(sorted(ids(rw, q)), q).toEqual(want.get(q));
    expect(() => rw.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
    rw.close();
  });

  it("takes a re-parsed report's old text out of both indexes (grouped or not), and a failed one's entirely", async () => {
    const file = join(tmp.dir, 'reparse.db');
    copyFileSync(dbFile, file);
    const db = openDatabase(file);
    const name = 'fujian-pingtan-2021.html';
    const report = await parseReport(readFileSync(join(CORPUS, name)), { fileName: name });
    const id = db.prepare('SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.file_name = ?').pluck().get(name) as number;
    const writer = new ReportWriter(db);
    const marked = { ...report, text: `${report.text}\n独一无二的试验句子` };

    writer.replace(id, { ok: true, report: marked });
    expect(pendingIndexCount(db)).toBe(1);
    expect(ids(db, '独一无二的试验句子')).toEqual([id]); // scanned while pending
    indexPending(db);
    expect(ids(db, '独一无二的试验句子')).toEqual([id]); // from the index
    expect(ids(db, '独一')).toEqual([id]);

    // Twice in one group: the indexed text leaves once, the last text is the one indexed.
    const group = new GroupCommit(db, 10, 60_000);
    group.run(() => writer.replace(id, { ok: true, report }));
    group.run(() => writer.replace(id, { ok: true, report: { ...report, text: `${report.text}\n另一个试验句子` } }));
    group.commit();
    indexPending(db);
    expect(ids(db, '独一无二的试验句子')).toEqual([]);
    expect(ids(db, '独一')).toEqual(likeIds(db, '独一'));
    expect(ids(db, '另一个试验句子')).toEqual([id]);
    expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();

    // Re-parsed as a failure: no text, in neither index.
    writer.replace(id, { ok: false, code: 'NB_PARSE_INTERNAL', message: 'test' });
    expect(db.prepare('SELECT count(*) FROM report_text WHERE report_id = ?').pluck().get(id)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM reports_bigram WHERE rowid = ?').pluck().get(id)).toBe(0);
    expect(ids(db, '另一个试验句子')).toEqual([]);
    expect(pendingIndexCount(db)).toBe(0);
    expect(() => db.exec("INSERT INTO reports_bigram (reports_bigram) VALUES ('integrity-check')")).not.toThrow();
    db.close();
  });
});
