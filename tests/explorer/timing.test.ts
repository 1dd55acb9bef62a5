/**
 * Publication timing as people read it, on every explorer page that shows it: "on time (N days
 * early)" / "N days late" / "date unknown" — never a negative number of days late. Downloads keep
 * the signed `days_late` for SQL users.
 */
import * as cheerio from 'cheerio';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExplorer, startExplorer } from '../../src/explorer/server.js';
import { buildTestDb, type TestDb } from './helpers.js';

let t: TestDb;
let server: RunningExplorer;
let base = '';
let agencyId = 0;
let onTime: { report_id: number; days_late: number; year: number } | undefined;
let late: { report_id: number; days_late: number } | undefined;

beforeAll(async () => {
  t = await buildTestDb();
  const db = new Database(t.dbFile, { readonly: true });
  agencyId = (db.prepare("SELECT agency_id AS id FROM report_summary WHERE agency = '平潭综合实验区' LIMIT 1").get() as { id: number }).id;
  onTime = db
    .prepare('SELECT report_id, days_late, year FROM report_summary WHERE agency_id = ? AND is_primary = 1 AND days_late < 0 ORDER BY year LIMIT 1')
    .get(agencyId) as typeof onTime;
  late = db.prepare('SELECT report_id, days_late FROM report_summary WHERE is_primary = 1 AND days_late > 0 ORDER BY year LIMIT 1').get() as typeof late;
  db.close();
  server = await startExplorer({ dbFile: t.dbFile, port: 0 });
  base = server.url.replace(/\/$/, '');
}, 120_000);
afterAll(async () => {
  await server?.close();
  t?.cleanup();
});

const page = async (path: string): Promise<cheerio.CheerioAPI> => cheerio.load(await (await fetch(base + path)).text());

describe('timing in the explorer', () => {
  it('the corpus has an early and a late report to show', () => {
    expect(onTime?.days_late).toBeLessThan(0);
    expect(late?.days_late).toBeGreaterThan(0);
  });

  it('agency page: the timing row says on time (N days early) / N days late; its download keeps the signed number', async () => {
    const $ = await page(`/agency/${agencyId}`);
    const row = $('#years tr[data-measure="days_late"]');
    const cells = row
      .find('td')
      .map((_, el) => $(el).text().trim())
      .get();
    expect(cells).toContain(`on time (${-onTime!.days_late} days early)`);
    expect(cells.some((c) => /^-\d/.test(c))).toBe(false);
    const csv = await (await fetch(`${base}/agency/${agencyId}?dl=csv`)).text();
    expect(csv).toMatch(new RegExp(`^days_late,.*,${onTime!.days_late}(,|\\r?$)`, 'm'));
  });

  it('report page: an early report says how early; a late one how late', async () => {
    const early = await page(`/report/${onTime!.report_id}`);
    expect(early('dd .pill.ok').first().text()).toBe(`on time (${-onTime!.days_late} days early)`);
    const lateDoc = await page(`/report/${late!.report_id}`);
    expect(lateDoc('dd .pill.error').first().text()).toBe(`${late!.days_late} days late`);
  });

  it('compare by days late: words, not negative numbers', async () => {
    const $ = await page(`/compare?measure=days_late&year=${onTime!.year}`);
    const values = $('#rank tbody td.num')
      .map((_, el) => $(el).text().trim())
      .get();
    expect(values.length).toBeGreaterThan(0);
    expect(values.some((v) => /^-\d/.test(v))).toBe(false);
    expect(values.some((v) => v.startsWith('on time (') || v.endsWith('days late') || v === 'date unknown')).toBe(true);
  });
});
