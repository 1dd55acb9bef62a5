/**
 * `carryover.cumulative` (nianbao check): a pre-2019 statistics row's 历年累计 of year N equals
 * 历年累计 of year N−1 + the value of year N, for the same label and agency, when both years are
 * stored. On the real Pingtan 2016 → 2017 pair the rule is broken, checked by hand against the
 * pages: 2016 says 主动公开文件数 3460, 历年累计 85376; 2017 says 2122, 历年累计 10037 — not
 * 85376 + 2122 = 87498 (the running total restarted, or counts another span). A copy of the pair
 * under another agency with 2017's 历年累计 made consistent (87498) gives no finding.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import { corpusText, runCli, tempDir, writeDoc } from './helpers.js';

interface F {
  agency: string;
  year: number;
  rule: string;
  severity: string;
  scope: string;
  left: number;
  right: number;
  delta: number;
  message: string;
  otherReportId: number | null;
}

const CONSISTENT = '平潭综合实验区累计测试';
/** The 2016 page with 其中：1、政府网站公开数 made 3470 (> 主动公开文件数 3460): a parser finding. */
const PLANTED = '平潭综合实验区其中测试';

describe('carryover.cumulative (pre-2019 历年累计 across years)', () => {
  const tmp = tempDir('nianbao-stats-carry-');
  let dbFile = '';
  let found: F[] = [];

  beforeAll(() => {
    const dir = join(tmp.dir, 'docs');
    mkdirSync(dir);
    const t2016 = corpusText('fujian-pingtan-2016.pipe.txt');
    const t2017 = corpusText('fujian-pingtan-2017.pipe.txt');
    writeDoc(dir, 'pingtan-2016.pipe.txt', t2016);
    writeDoc(dir, 'pingtan-2017.pipe.txt', t2017);
    writeDoc(dir, 'consistent-2016.pipe.txt', t2016.replace('平潭综合实验区2016年度', `${CONSISTENT}2016年度`));
    const fixed = t2017
      .replace('平潭综合实验区2017年度', `${CONSISTENT}2017年度`)
      .replace('主动公开文件数 |\n条 |\n2122 |\n10037 |', '主动公开文件数 |\n条 |\n2122 |\n87498 |')
      .replace('其中：1、政府网站公开数 |\n条 |\n2122 |\n10037 |', '其中：1、政府网站公开数 |\n条 |\n2122 |\n87498 |');
    expect(fixed.match(/87498/g)).toHaveLength(2);
    writeDoc(dir, 'consistent-2017.pipe.txt', fixed);
    const planted = t2016
      .replace('平潭综合实验区2016年度', `${PLANTED}2016年度`)
      .replace('其中：1、政府网站公开数 |\n条 |\n3460 |', '其中：1、政府网站公开数 |\n条 |\n3470 |');
    expect(planted).toContain('3470');
    writeDoc(dir, 'planted-2016.pipe.txt', planted);
    dbFile = join(tmp.dir, 'nianbao.db');
    const ingest = runCli(['ingest', dir, '--db', dbFile, '--progress', 'none']);
    expect(ingest.code, ingest.stderr).toBe(0);
    const r = runCli(['check', '--db', dbFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    found = (JSON.parse(r.stdout) as { carryover: F[] }).carryover.filter((f) => f.rule === 'carryover.cumulative');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });
  let server: RunningExplorer | undefined;

  it('finds the real break of the Pingtan 2016 → 2017 tables: which rows, both sides and by how much', () => {
    expect(found.map((f) => [f.agency, f.year, f.scope, f.left, f.right, f.delta])).toEqual([
      ['平潭综合实验区', 2017, '1.cumulative', 10037, 87498, -77461],
      ['平潭综合实验区', 2017, '2.cumulative', 10037, 87498, -77461],
    ]);
    expect(found[0]!.message).toBe('「主动公开文件数」 历年累计 2017 (10037) ≠ 历年累计 2016 (85376) + 2017 (2122) = 87498: -77461');
    for (const f of found) {
      expect(f.severity).toBe('warning');
      expect(f.otherReportId).not.toBeNull();
    }
  });

  it('no finding where the two years agree (rows with 0 and 0, and the consistent copy); rows whose label changed are not paired', () => {
    expect(found.some((f) => f.agency === CONSISTENT)).toBe(false);
    // 受理依申请公开信息总数 (2016) became 受理政府信息依申请公开总数 (2017): not compared, no finding either way.
    expect(found.some((f) => f.message.includes('依申请公开'))).toBe(false);
  });

  it('stores each finding with the cells of year N it names', () => {
    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db
        .prepare(
          "SELECT f.scope, f.cells, f.delta, f.other_report_id FROM findings f WHERE f.source = 'check' AND f.rule = 'carryover.cumulative' ORDER BY f.scope",
        )
        .all() as { scope: string; cells: string; delta: number; other_report_id: number }[];
      expect(rows.map((r) => [r.scope, JSON.parse(r.cells), r.delta])).toEqual([
        ['1.cumulative', ['stats.1.cumulative', 'stats.1.value'], -77461],
        ['2.cumulative', ['stats.2.cumulative', 'stats.2.value'], -77461],
      ]);
      const prevYear = db.prepare('SELECT year FROM reports WHERE id = ?').pluck();
      for (const r of rows) expect(prevYear.get(r.other_report_id)).toBe(2016);
    } finally {
      db.close();
    }
  });

  it('the explorer outlines the statistics cells the findings name, on the report page', async () => {
    server = await startExplorer({ dbFile, port: 0 });
    const base = server.url.replace(/\/$/, '');
    const db = new Database(dbFile, { readonly: true });
    const idOf = (agency: string, year: number) =>
      db.prepare('SELECT r.id FROM reports r JOIN agencies a ON a.id = r.agency_id WHERE a.name = ? AND r.year = ?').pluck().get(agency, year) as number;
    const pingtan2017 = idOf('平潭综合实验区', 2017);
    const planted = idOf(PLANTED, 2016);
    const consistent = idOf(CONSISTENT, 2017);
    db.close();
    const page = async (id: number) => cheerio.load(await (await fetch(`${base}/report/${id}`)).text());
    const a = await page(pingtan2017);
    expect(a('#c-stats-1-cumulative').hasClass('finding-warning')).toBe(true);
    expect(a('#c-stats-1-cumulative .prov').text()).toContain('carryover.cumulative');
    expect(a('#c-stats-3-cumulative').hasClass('finding-warning')).toBe(false);
    const b = await page(planted);
    expect(b('#c-stats-2-value').hasClass('finding-error')).toBe(true);
    expect(b('#c-stats-2-value .prov').text()).toContain('stats.part_exceeds_whole');
    expect(b('#c-stats-1-value').hasClass('finding-error')).toBe(true);
    const c = await page(consistent);
    expect(c('#table-stats td.finding-error, #table-stats td.finding-warning')).toHaveLength(0);
  });
});
