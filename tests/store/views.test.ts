/**
 * The views (`requests`, `appeals`, `active`, `report_summary`) and the `labels` table, on a
 * database built with the library API (`openDatabase` + `ingestPaths`), checked against the
 * corpus sidecars.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from '../../parsers/keys.js';
import { type Db, defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { CORPUS, corpusDocuments, corpusText, type Expected, replacePipeValue, rowTotal, tempDir, writeDoc } from './helpers.js';

const primaries = corpusDocuments().filter((d) => d.file.endsWith('.html') || (d.file.endsWith('.txt') && !d.file.endsWith('.pipe.txt')));
const sum = (vals: (number | null)[]): number | null => {
  const v = vals.filter((x): x is number => x !== null);
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) : null;
};
const rowsLike = (e: Expected, prefix: string): (number | null)[] =>
  Object.keys(e.requests ?? {})
    .filter((k) => k.startsWith(prefix))
    .map((k) => rowTotal(e.requests![k]));

describe('views', () => {
  const tmp = tempDir();
  let db: Db;
  const BLANK_AGENCY = '平潭综合实验区空白局';

  beforeAll(async () => {
    const dbFile = join(tmp.dir, 'views.db');
    const extra = join(tmp.dir, 'extra');
    mkdirSync(extra);
    // 本年新收 总计 as "—" and （一）予以公开 总计 blank: the summary falls back to the applicant sum.
    const base = corpusText('fujian-pingtan-2021.pipe.txt').replaceAll('平潭综合实验区2021年度', `${BLANK_AGENCY}2021年度`);
    writeDoc(extra, 'blank-totals.pipe.txt', replacePipeValue(replacePipeValue(base, '一、本年新收', 6, '—'), '（一）予以公开', 6, ''));
    db = openDatabase(dbFile);
    const s = await ingestPaths(db, [CORPUS, extra], { snapshotsDir: defaultSnapshotsDir(dbFile) });
    expect(s.new).toBe(corpusDocuments().length + 1);
  });
  afterAll(() => {
    db?.close();
    tmp.cleanup();
  });

  const reportId = (file: string): number =>
    (db.prepare('SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.file_name = ?').get(file) as { id: number }).id;

  it('requests: one row per report and table-3 row, seven columns, in template order', () => {
    for (const d of primaries.filter((x) => x.expected.requests)) {
      const rows = db.prepare('SELECT * FROM requests WHERE report_id = ? ORDER BY row_order').all(reportId(d.file)) as Record<string, unknown>[];
      expect(
        rows.map((r) => r['row_key']),
        d.file,
      ).toEqual(Object.keys(d.expected.requests!));
      for (const r of rows) {
        expect(r['agency']).toBe(d.expected.agency);
        expect(r['year']).toBe(d.expected.year);
        const want = d.expected.requests![r['row_key'] as string]!;
        for (const c of REQUEST_COLUMNS) expect(r[c.key], `${d.file} ${r['row_key']} ${c.key}`).toBe(want[c.key]);
      }
    }
  });

  it('appeals: one row per report and group', () => {
    for (const d of primaries.filter((x) => x.expected.appeals)) {
      const rows = db.prepare('SELECT * FROM appeals WHERE report_id = ?').all(reportId(d.file)) as Record<string, unknown>[];
      expect(rows.map((r) => r['group_key']).sort()).toEqual(Object.keys(d.expected.appeals!).sort());
      for (const r of rows) {
        const want = d.expected.appeals![r['group_key'] as string]!;
        for (const c of APPEAL_COLUMNS) expect(r[c.key]).toBe(want[c.key]);
      }
    }
  });

  it('active: 2019 and 2021 columns side by side (absent columns NULL)', () => {
    for (const d of primaries.filter((x) => x.expected.active)) {
      const rows = db.prepare('SELECT * FROM active WHERE report_id = ? ORDER BY row_order').all(reportId(d.file)) as Record<string, unknown>[];
      expect(rows.map((r) => r['row_key'])).toEqual(Object.keys(d.expected.active!));
      for (const r of rows) {
        const want = d.expected.active![r['row_key'] as string]!;
        for (const col of [
          'issued',
          'repealed',
          'in_force',
          'decisions',
          'amount_wan_yuan',
          'made',
          'published',
          'total_published',
          'previous',
          'change',
          'count',
          'amount_yuan',
        ]) {
          expect(r[col], `${d.file} ${r['row_key']} ${col}`).toBe(col in want ? want[col] : null);
        }
      }
    }
  });

  it('report_summary: the totals, deadline and days late of each report', () => {
    for (const d of primaries) {
      const e = d.expected;
      const s = db.prepare('SELECT * FROM report_summary WHERE report_id = ?').get(reportId(d.file)) as Record<string, unknown>;
      const t = (row: string) => rowTotal(e.requests?.[row]);
      const litigation = (col: string) => (e.appeals ? e.appeals['litigation_direct']![col]! + e.appeals['litigation_after_review']![col]! : null);
      // A report titled by its region alone (平潭综合实验区…年度报告) is the 本级政府 report of that region's
      // people's government: due 31 March from 2019 on; the 街道办事处 (a township) is due 31 January.
      const government = e.agency === '平潭综合实验区';
      const deadline = e.year ? `${e.year + 1}-${e.year <= 2018 || government ? '03' : '01'}-31` : null;
      expect(s, d.file).toMatchObject({
        agency: e.agency,
        year: e.year,
        format: e.format,
        published: e.published ?? null,
        new_received: t('new_received'),
        carried_over: t('carried_over'),
        granted: t('granted'),
        partially_granted: t('partially_granted'),
        denied: sum(rowsLike(e, 'denied_')),
        unavailable: sum(rowsLike(e, 'unavailable_')),
        not_held: t('unavailable_not_held'),
        rejected: sum(rowsLike(e, 'rejected_')),
        other: sum(rowsLike(e, 'other')),
        results_total: t('total'),
        carried_forward: t('carried_forward'),
        review_total: e.appeals?.['review']!['total'] ?? null,
        review_corrected: e.appeals?.['review']!['corrected'] ?? null,
        litigation_total: litigation('total'),
        litigation_corrected: litigation('corrected'),
        deadline,
        days_late: e.published && deadline ? Math.round((Date.parse(e.published) - Date.parse(deadline)) / 86_400_000) : null,
        error_findings: 0,
      });
    }
    const late2021 = db.prepare("SELECT days_late FROM report_summary WHERE agency = '平潭综合实验区' AND year = 2021 AND is_primary = 1").pluck().get();
    // Published 2022-02-08: 51 days before the government report's 31 March deadline.
    expect(late2021).toBe(-51);
  });

  it('report_summary: a blank or "—" 总计 falls back to the sum of the applicant columns', () => {
    const s = db.prepare('SELECT new_received, granted, error_findings FROM report_summary WHERE agency = ?').get(BLANK_AGENCY) as Record<string, number>;
    const base = corpusDocuments().find((d) => d.file === 'fujian-pingtan-2021.html')!.expected.requests!;
    const applicants = (row: string) => REQUEST_COLUMNS.filter((c) => c.key !== 'total').reduce((a, c) => a + base[row]![c.key]!, 0);
    expect(s.new_received).toBe(applicants('new_received'));
    expect(s.granted).toBe(applicants('granted'));
    const raw = db
      .prepare(
        "SELECT c.value, c.raw, c.flags FROM cells c JOIN reports r ON r.id = c.report_id WHERE r.agency_name = ? AND c.table_name = 'requests' AND c.row_key = 'new_received' AND c.col_key = 'total'",
      )
      .get(BLANK_AGENCY);
    expect(raw).toEqual({ value: null, raw: '—', flags: 'placeholder' });
    // The parser's error findings on this report are counted.
    const errors = db
      .prepare("SELECT count(*) FROM findings f JOIN reports r ON r.id = f.report_id WHERE r.agency_name = ? AND f.severity = 'error'")
      .pluck()
      .get(BLANK_AGENCY);
    expect(s.error_findings).toBe(errors);
  });

  it('labels: every canonical key with its Chinese label', () => {
    const n = (t: string, dim: string) => db.prepare('SELECT count(*) FROM labels WHERE table_name = ? AND dimension = ?').pluck().get(t, dim);
    expect(n('requests', 'row')).toBe(REQUEST_ROWS.length);
    expect(n('requests', 'col')).toBe(REQUEST_COLUMNS.length);
    expect(n('appeals', 'row')).toBe(APPEAL_GROUPS.length);
    expect(n('appeals', 'col')).toBe(APPEAL_COLUMNS.length);
    expect(n('active', 'row')).toBe(ACTIVE_ROWS.length);
    expect(db.prepare("SELECT label, unit FROM labels WHERE table_name = 'active' AND key = 'amount_wan_yuan'").get()).toEqual({
      label: '本年收费金额（单位：万元）',
      unit: '万元',
    });
  });
});
