/**
 * Test database of the explorer tests: the corpus copy (snapshots/corpus) ingested with the real
 * parser, plus
 * - a deliberately broken copy of a corpus page (2021 Pingtan as "平潭综合实验区测试局", 自然人 of
 *   本年新收 changed 64 → 65: tables that don't add up),
 * - a copy of a corpus HTML page carrying script payloads in its body, whose agency name, title,
 *   URL and Content-Type are then overwritten in the database with XSS / header-injection payloads,
 * and the compliance check run over it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheck } from '../../src/store/check.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = join(ROOT, 'snapshots', 'corpus');

export const BROKEN = { file: 'broken-testbureau-2021.pipe.txt', agency: '平潭综合实验区测试局', year: 2021 } as const;
export const XSS = {
  file: 'xss-bureau-2023.html',
  /** The agency name as the parser reads it from the page (before the database is overwritten). */
  parsedAgency: 'XSS测试局',
  agency: '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">XSS测试局',
  title: '<img src=x onerror="window.__pwned=3;alert(3)"><script>alert(4)</script>XSS测试局2023年度报告',
  url: 'javascript:window.__pwned=5',
  contentType: 'text/html\r\nX-Injected: 1',
} as const;

export interface TestDb {
  dir: string;
  dbFile: string;
  snapshotsDir: string;
  cleanup: () => void;
}

export function expected(name: string): {
  requests: Record<string, Record<string, number | null>>;
  active: Record<string, Record<string, number | null>>;
  appeals: Record<string, Record<string, number | null>>;
} {
  return JSON.parse(readFileSync(join(CORPUS, `${name}.expected.json`), 'utf8'));
}

/** Replaces the value line `nth` lines after the pipe-text line starting with `label`. */
function replacePipeValue(text: string, label: string, nth: number, value: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(label));
  const target = at + 1 + nth;
  if (at < 0 || !/^\s*[\d.]+\s*\|\s*$/.test(lines[target] ?? '')) throw new Error(`no value line after ${label}`);
  lines[target] = `${value} |`;
  return lines.join('\n');
}

/** Builds the test database in a fresh temp folder. */
export async function buildTestDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-explorer-'));
  const extra = join(dir, 'extra');
  mkdirSync(extra);
  const pipe = readFileSync(join(CORPUS, 'fujian-pingtan-2021.pipe.txt'), 'utf8');
  const broken = replacePipeValue(pipe.replaceAll('平潭综合实验区2021年度', `${BROKEN.agency}2021年度`), '一、本年新收', 0, '65');
  writeFileSync(join(extra, BROKEN.file), broken);
  const page = readFileSync(join(CORPUS, 'fujian-pingtan-2023.html'), 'utf8')
    .replaceAll('平潭综合实验区2023年度', `${XSS.parsedAgency}2023年度`)
    .replace(
      /<body([^>]*)>/i,
      `<body$1><script>fetch('/pwned-script');parent.__pwned=6;window.__pwned=6</script><img src="/pwned-img" onerror="parent.__pwned=7"><iframe src="/pwned-frame"></iframe>`,
    );
  writeFileSync(join(extra, XSS.file), page);

  const dbFile = join(dir, 'nianbao.db');
  const snapshotsDir = `${dbFile}.snapshots`;
  const db = openDatabase(dbFile);
  try {
    await ingestPaths(db, [CORPUS, extra], { snapshotsDir });
    runCheck(db);
    const agencyId = db.prepare('SELECT id FROM agencies WHERE name = ?').pluck().get(XSS.parsedAgency) as number | undefined;
    if (agencyId === undefined) throw new Error(`the parser did not name the agency ${XSS.parsedAgency}`);
    db.prepare('UPDATE agencies SET name = ? WHERE id = ?').run(XSS.agency, agencyId);
    db.prepare('UPDATE reports SET title = ? WHERE agency_id = ?').run(XSS.title, agencyId);
    db.prepare('UPDATE documents SET url = ?, content_type = ? WHERE file_name = ?').run(XSS.url, XSS.contentType, XSS.file);
  } finally {
    db.close();
  }
  return { dir, dbFile, snapshotsDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the real `nianbao` CLI (src/cli/main.ts under tsx). */
export function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tests', 'explorer', 'run-cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NIANBAO_DB: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Report id of a corpus/extra file (its primary report). */
export function reportIdOf(dbFile: string, fileName: string): number {
  const db = openDatabase(dbFile, { readonly: true });
  try {
    const id = db.prepare('SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.file_name = ?').pluck().get(fileName) as
      number | undefined;
    if (id === undefined) throw new Error(`no report for ${fileName}`);
    return id;
  } finally {
    db.close();
  }
}
