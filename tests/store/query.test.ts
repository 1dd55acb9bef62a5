/**
 * `nianbao query`, `export` and `search` through the CLI on a corpus database: read-only
 * refusal of writes, output formats (CJK-aligned table, RFC 4180 CSV with BOM, JSON, JSONL),
 * bound-parameter filters, full-text search with snippets and the LIKE fallback.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { csvRecord, displayWidth, formatTable } from '../../src/store/format.js';
import { OutputSink } from '../../src/store/output.js';
import { runQuery } from '../../src/store/query.js';
import { searchReports } from '../../src/store/search.js';
import { proseText } from '../../src/store/writer.js';
import { parseCsv } from '../helpers/csv.js';
import { CORPUS, buildCorpusDb, corpusDocuments, loadExpected, runCli, tempDir } from './helpers.js';

const COUNT_ALL = `SELECT (SELECT count(*) FROM reports) || '/' || (SELECT count(*) FROM cells) || '/' || (SELECT count(*) FROM agencies) AS n`;

describe('nianbao query / export / search', () => {
  const tmp = tempDir();
  let dbFile: string;
  const counts = () => {
    const db = new Database(dbFile, { readonly: true });
    const n = (db.prepare(COUNT_ALL).get() as { n: string }).n;
    db.close();
    return n;
  };

  beforeAll(() => {
    dbFile = buildCorpusDb(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  describe('query', () => {
    it('refuses writes: the connection is read-only', async () => {
      const before = counts();
      // Through the CLI: a plain write and a write that returns rows.
      for (const sql of ['DELETE FROM reports', "INSERT INTO agencies (key, name, created_at) VALUES ('x', 'x', 'x') RETURNING id"]) {
        const r = runCli(['query', sql, '--db', dbFile]);
        expect(r.code, sql).toBe(1);
        expect(r.stderr, sql).toMatch(/^nianbao query: the database is opened read-only.*\[NB_DB_READONLY\]\n$/);
        expect(r.stdout, sql).toBe('');
      }
      // Through the library (same code path, no process start-up).
      const ro0 = openDatabase(dbFile, { readonly: true });
      const sink = new OutputSink(new PassThrough());
      for (const sql of [
        'UPDATE cell_values SET value = 0 WHERE report_id = 1',
        'DROP VIEW requests',
        'PRAGMA journal_mode = DELETE',
        'PRAGMA query_only = OFF',
      ]) {
        if (sql.startsWith('PRAGMA query_only')) {
          // Turning query_only off does not make the connection writable.
          await runQuery(ro0, sql, { sink });
          // (INSERT … RETURNING is a reader statement: it reaches the connection, which refuses it.)
          await expect(runQuery(ro0, "INSERT INTO labels VALUES ('t', 'row', 'k', 'l', 1, NULL) RETURNING key", { sink }), sql).rejects.toMatchObject({
            code: 'NB_DB_READONLY',
          });
          continue;
        }
        await expect(runQuery(ro0, sql, { sink }), sql).rejects.toMatchObject({ code: 'NB_DB_READONLY' });
      }
      ro0.close();
      const vacuum = join(tmp.dir, 'copy.db');
      const r = runCli(['query', `VACUUM INTO '${vacuum}'`, '--db', dbFile]);
      expect(r.code).toBe(1);
      expect(existsSync(vacuum)).toBe(false);
      expect(counts()).toBe(before);
      // The library's read-only connection itself refuses (not only the CLI's checks).
      const ro = openDatabase(dbFile, { readonly: true });
      expect(() => ro.prepare('DELETE FROM findings').run()).toThrow(/readonly/);
      ro.close();
    });

    it('fails clearly on bad SQL and on a missing database', () => {
      const bad = runCli(['query', 'SELEC 1', '--db', dbFile]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/syntax error.*\[NB_DB_QUERY\]/);
      const missing = join(tmp.dir, 'missing.db');
      const r = runCli(['query', 'SELECT 1', '--db', missing]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/does not exist.*\[NB_DB_NOT_FOUND\]/);
      expect(existsSync(missing)).toBe(false);
    });

    it('prints an aligned table in which a CJK character takes two columns', () => {
      const r = runCli(['query', 'SELECT agency, year, new_received FROM report_summary WHERE new_received IS NOT NULL ORDER BY agency, year', '--db', dbFile]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^agency\s+year\s+new_received$/);
      expect(lines.some((l) => /[\u4e00-\u9fff]/.test(l))).toBe(true);
      // The last column is numeric (right-aligned): every line ends at the same display column.
      const widths = new Set(lines.map(displayWidth));
      expect(widths.size).toBe(1);
      const col = lines[0]!.indexOf('year');
      for (const l of lines.slice(2)) {
        const year = l.match(/(\d{4})\s+\d+$/)!;
        // Display width of everything before the year equals the header's offset of "year".
        expect(displayWidth(l.slice(0, l.lastIndexOf(year[1]!)))).toBe(col);
      }
    });

    it('prints CSV (RFC 4180, optional BOM), JSON and JSON Lines with the same rows', () => {
      const sql = 'SELECT report_id, agency, year, title, days_late FROM report_summary ORDER BY report_id';
      const json = JSON.parse(runCli(['query', sql, '--json', '--db', dbFile]).stdout) as Record<string, unknown>[];
      expect(json.length).toBe(corpusDocuments().length);
      const jsonl = runCli(['query', sql, '--jsonl', '--db', dbFile])
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(jsonl).toEqual(json);
      const csv = runCli(['query', sql, '--csv', '--bom', '--db', dbFile]).stdout;
      expect(csv.startsWith('\uFEFFreport_id,agency,year,title,days_late\r\n')).toBe(true);
      const rows = parseCsv(csv.slice(1));
      expect(rows[0]).toEqual(['report_id', 'agency', 'year', 'title', 'days_late']);
      expect(rows.slice(1)).toEqual(json.map((o) => Object.values(o).map((v) => (v === null ? '' : String(v)))));
    });
  });

  describe('export', () => {
    it('exports a view filtered by agency and year (bound parameters) as CSV with BOM', () => {
      const out = join(tmp.dir, 'requests-2021.csv');
      const r = runCli([
        'export',
        '--view',
        'requests',
        '--format',
        'csv',
        '--agency',
        '平潭综合实验区',
        '--year',
        '2021',
        '--primary',
        '--bom',
        '--out',
        out,
        '--db',
        dbFile,
      ]);
      expect(r.code).toBe(0);
      const buf = readFileSync(out);
      expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = parseCsv(buf.toString('utf8').slice(1));
      const head = rows[0]!;
      expect(head.slice(0, 6)).toEqual(['report_id', 'agency_id', 'agency', 'year', 'format', 'row_key']);
      const exp = loadExpected('fujian-pingtan-2021').requests!;
      const body = rows.slice(1);
      expect(body.map((x) => x[head.indexOf('row_key')])).toEqual(Object.keys(exp));
      for (const x of body) {
        expect(x[head.indexOf('agency')]).toBe('平潭综合实验区');
        expect(x[head.indexOf('year')]).toBe('2021');
        const want = exp[x[head.indexOf('row_key')]!]!;
        for (const c of ['natural_person', 'commercial', 'research', 'social', 'legal', 'other', 'total']) {
          expect(x[head.indexOf(c)]).toBe(String(want[c]));
        }
      }
    });

    it('exports JSON and JSON Lines; a hostile filter value is only a value', () => {
      const json = JSON.parse(runCli(['export', '--view', 'appeals', '--format', 'json', '--year', '2025', '--db', dbFile]).stdout) as Record<
        string,
        unknown
      >[];
      const exp = loadExpected('fujian-pingtan-2025').appeals!;
      // HTML page and pipe copy of Pingtan 2025, and the Shanghai 2025 converter copy.
      const pingtan = json.filter((row) => row['agency'] === '平潭综合实验区');
      expect(pingtan).toHaveLength(2 * Object.keys(exp).length);
      for (const row of pingtan) expect(row).toMatchObject({ year: 2025, ...exp[row['group_key'] as string] });
      const shanghai = loadExpected('shanghai-szfbgt-2025').appeals!;
      const others = json.filter((row) => row['agency'] !== '平潭综合实验区');
      expect(others).toHaveLength(Object.keys(shanghai).length);
      for (const row of others) expect(row).toMatchObject({ year: 2025, ...shanghai[row['group_key'] as string] });
      const jsonl = runCli(['export', '--view', 'report_summary', '--format', 'jsonl', '--primary', '--db', dbFile]).stdout.trim().split('\n');
      const db = new Database(dbFile, { readonly: true });
      const primaries = (db.prepare('SELECT count(*) AS n FROM reports WHERE is_primary = 1').get() as { n: number }).n;
      db.close();
      expect(jsonl).toHaveLength(primaries);
      const hostile = runCli(['export', '--view', 'cells', '--format', 'jsonl', '--agency', "x' OR 1=1 --", '--db', dbFile]);
      expect(hostile.code).toBe(0);
      expect(hostile.stdout).toBe('');
    });

    it('exports the long cells table with agency and year', () => {
      const lines = runCli(['export', '--view', 'cells', '--format', 'jsonl', '--year', '2019', '--agency', '平潭综合实验区', '--primary', '--db', dbFile])
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const exp = loadExpected('fujian-pingtan-2019');
      const n = (['active', 'requests', 'appeals'] as const).reduce((s, t) => s + Object.values(exp[t]!).reduce((k, r) => k + Object.keys(r).length, 0), 0);
      expect(lines).toHaveLength(n);
      const fee = lines.find((l) => l['table_name'] === 'active' && l['row_key'] === 'procurement' && l['col_key'] === 'amount_yuan')!;
      expect(fee['value']).toBe(exp.active!['procurement']!['amount_yuan']);
      expect(fee['raw']).toMatch(/元/);
    });

    it('rejects an unknown view', () => {
      const r = runCli(['export', '--view', 'reports; DROP TABLE cells', '--db', dbFile]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Allowed choices are requests, appeals, active, report_summary, cells/);
    });
  });

  describe('search', () => {
    const texts = corpusDocuments()
      .filter((d) => d.expected.agency)
      // The index holds the prose of each report (table rows are in `cells`).
      .map((d) => ({
        key: `${d.expected.agency} ${d.expected.year}`,
        text: proseText(readFileSync(join(CORPUS, d.file.endsWith('.html') ? `${d.name}.pipe.txt` : d.file), 'utf8')),
      }));
    const expectedHits = (term: string) => [...new Set(texts.filter((t) => t.text.includes(term)).map((t) => t.key))].sort();

    it('finds reports by a Chinese term with highlighted snippets (bigram index, confirmed in the text)', () => {
      const term = '信息处理费';
      const r = runCli(['search', term, '--json', '--db', dbFile]);
      expect(r.code).toBe(0);
      const hits = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { agency: string; year: number; snippet: string; mode: string });
      expect(hits.map((h) => `${h.agency} ${h.year}`).sort()).toEqual(expectedHits(term));
      for (const h of hits) {
        expect(h.mode).toBe('bigram');
        expect(h.snippet).toContain(`[${term}]`);
      }
      const text = runCli(['search', term, '--db', dbFile]).stdout;
      expect(text).toMatch(new RegExp(`^${expectedHits(term).length} hit\\(s\\)`));
      expect(text).toContain(`[${term}]`);
    });

    it('answers 1–2 character Chinese terms from the bigram index, and combines terms with AND', () => {
      const r = runCli(['search', '复议', '--json', '--limit', '100', '--db', dbFile]);
      const hits = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { agency: string; year: number; snippet: string; mode: string });
      expect(hits.map((h) => `${h.agency} ${h.year}`).sort()).toEqual(expectedHits('复议'));
      for (const h of hits) {
        expect(h.mode).toBe('bigram');
        expect(h.snippet).toContain('[复议]');
      }
      const both = runCli(['search', '信息处理费', '复议', '--json', '--db', dbFile]).stdout.trim().split('\n').filter(Boolean);
      const want = expectedHits('信息处理费').filter((k) => expectedHits('复议').includes(k));
      expect(
        both
          .map((l) => JSON.parse(l))
          .map((h: { agency: string; year: number }) => `${h.agency} ${h.year}`)
          .sort(),
      ).toEqual(want);
    });

    it('treats FTS syntax in the query as text', () => {
      const r = runCli(['search', '"', 'NEAR(a', '--json', '--db', dbFile]);
      expect(r.code).toBe(0);
      const ro = openDatabase(dbFile, { readonly: true });
      for (const q of ['NEAR(a b)', '信息 OR 公开*', "'; DROP TABLE reports; --", 'col:value ^x']) {
        expect(() => searchReports(ro, q), q).not.toThrow();
      }
      // A phrase with FTS operators finds nothing rather than being interpreted.
      expect(searchReports(ro, '政府信息 OR 不存在的词').hits).toEqual([]);
      ro.close();
    });
  });
});

describe('output formats', () => {
  it('quotes CSV fields per RFC 4180', () => {
    expect(csvRecord(['a,b', 'say "hi"', 'line\nbreak', null, 3, '平潭'])).toBe('"a,b","say ""hi""","line\nbreak",,3,平潭\r\n');
  });

  it('aligns mixed-width text and keeps control characters out', () => {
    const t = formatTable(
      ['名称', 'n'],
      [
        ['平潭综合实验区', 1],
        ['abc\u001b[31m', 22],
      ],
    );
    const lines = t.trimEnd().split('\n');
    expect(new Set(lines.map(displayWidth)).size).toBe(1);
    expect(t).not.toContain('\u001b');
  });
});
