/**
 * Makes docs/explorer.png: the agency page of the corpus database in Chromium.
 * Run from the project root: `node --import tsx tests/explorer/screenshot.ts [out.png]`
 * (not a test; needs Chromium at NIANBAO_CHROMIUM or /usr/bin/chromium; the explorer serves its own CJK font).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { startExplorer } from '../../src/explorer/server.js';
import { runCheck } from '../../src/store/check.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { CORPUS, ROOT } from './helpers.js';

const out = process.argv[2] ?? join(ROOT, 'docs', 'explorer.png');
const executablePath = [process.env['NIANBAO_CHROMIUM'], '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
if (!executablePath) throw new Error('no Chromium: set NIANBAO_CHROMIUM');

const dir = mkdtempSync(join(tmpdir(), 'nianbao-shot-'));
try {
  const dbFile = join(dir, 'nianbao.db');
  const db = openDatabase(dbFile);
  await ingestPaths(db, [CORPUS], { snapshotsDir: `${dbFile}.snapshots` });
  runCheck(db);
  const agencyId = db.prepare('SELECT id FROM agencies WHERE name = ?').pluck().get('平潭综合实验区') as number;
  db.close();
  const server = await startExplorer({ dbFile, port: 0 });
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1480 }, deviceScaleFactor: 1 });
    await page.goto(`${server.url}agency/${agencyId}`);
    await page.waitForSelector('.chart[data-drawn="1"] canvas');
    await page.waitForTimeout(300);
    await page.screenshot({ path: out });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
