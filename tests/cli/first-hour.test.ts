// What a newcomer meets in the first hour, from the real CLI: a mistyped --db, a missing file, a
// folder where a file goes, a busy port — each one line with an NB_ code, the path and what to
// do, and nothing created; the README's first example query shows each report once.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/store/format.js';
import { describeTiming } from '../../src/store/timing.js';
import { buildCorpusDb, ROOT, runCli, tempDir } from '../store/helpers.js';

const tmp = tempDir('nianbao-first-hour-');
afterAll(() => tmp.cleanup());

/** The one line a failed command printed on stderr (warnings of Node aside). */
const errorLine = (stderr: string): string => {
  const lines = stderr.split('\n').filter((l) => l.startsWith('nianbao'));
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe('a database that is not there', () => {
  const missing = join(tmp.dir, 'mistyped.db');
  const commands: [string, string[]][] = [
    ['check', ['check']],
    ['check --json', ['check', '--json']],
    ['reparse', ['reparse', '--progress', 'none']],
    ['query', ['query', 'SELECT 1']],
    ['export', ['export', '--view', 'requests']],
    ['search', ['search', '信息']],
  ];
  for (const [name, args] of commands) {
    it(`${name} refuses it with NB_DB_NOT_FOUND, exit 1, and creates nothing`, () => {
      const r = runCli([...args, '--db', missing]);
      expect(r.code).toBe(1);
      const line = errorLine(r.stderr);
      expect(line).toContain('NB_DB_NOT_FOUND');
      expect(line).toContain(missing);
      expect(line).toContain('nianbao ingest');
      expect(r.stdout).not.toContain('none');
      expect(existsSync(missing)).toBe(false);
      expect(existsSync(`${missing}-wal`)).toBe(false);
    });
  }

  it('serve refuses it too', () => {
    const r = runCli(['serve', '--db', missing, '--port', '0']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toContain('NB_DB_NOT_FOUND');
    expect(existsSync(missing)).toBe(false);
  });

  it('a file that is not a database is named, with a code', () => {
    const notDb = join(tmp.dir, 'notes.txt');
    writeFileSync(notDb, 'these are my notes, not a database\n'.repeat(200));
    for (const args of [['check'], ['query', 'SELECT 1']]) {
      const r = runCli([...args, '--db', notDb]);
      expect(r.code).toBe(1);
      const line = errorLine(r.stderr);
      expect(line).toContain('NB_DB_NOT_A_DATABASE');
      expect(line).toContain(notDb);
    }
    expect(readFileSync(notDb, 'utf8').startsWith('these are my notes')).toBe(true);
  });

  it('a folder given as --db is said to be a folder', () => {
    const dir = join(tmp.dir, 'afolder');
    mkdirSync(dir);
    const r = runCli(['check', '--db', dir]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/NB_DB_NOT_A_DATABASE.*|.*is a folder.*/);
    expect(r.stderr).toContain('is a folder');
  });

  it('ingest still creates a database', () => {
    const fresh = join(tmp.dir, 'fresh.db');
    const r = runCli(['ingest', join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2025.html'), '--db', fresh, '--progress', 'none']);
    expect(r.code).toBe(0);
    expect(existsSync(fresh)).toBe(true);
  });
});

describe('files that are not there', () => {
  it('parse: a missing file is NB_FILE_NOT_FOUND naming it, no stack, no raw ENOENT', () => {
    const r = runCli(['parse', join(tmp.dir, 'nope.html')]);
    expect(r.code).toBe(1);
    const line = errorLine(r.stderr);
    expect(line).toContain('NB_FILE_NOT_FOUND');
    expect(line).toContain('nope.html');
    expect(line).not.toMatch(/ENOENT|\bat \w/);
  });

  it('parse: a folder is NB_FILE_IS_FOLDER and points to ingest', () => {
    const r = runCli(['parse', join(ROOT, 'snapshots', 'corpus')]);
    expect(r.code).toBe(1);
    const line = errorLine(r.stderr);
    expect(line).toContain('NB_FILE_IS_FOLDER');
    expect(line).toContain('nianbao ingest');
    expect(line).not.toContain('EISDIR');
  });

  it('parse: a file over the size limit names the option that raises it (not a library option)', () => {
    const big = join(tmp.dir, 'big-report.html');
    writeFileSync(big, `<html><body>${'<p>平潭综合实验区政府信息公开</p>'.repeat(60_000)}</body></html>`);
    const r = runCli(['parse', big, '--max-document-mb', '1']);
    expect(r.code).toBe(1);
    const line = errorLine(r.stderr);
    expect(line).toContain('NB_PARSE_TOO_LARGE');
    expect(line).toContain('big-report.html');
    expect(line).toContain('--max-document-mb');
    expect(line).not.toMatch(/raise `maxBytes`/);
  });

  it('ingest: a missing path is NB_FILE_NOT_FOUND naming it', () => {
    const r = runCli(['ingest', join(tmp.dir, 'no-such-folder'), '--db', join(tmp.dir, 'x.db'), '--progress', 'none']);
    expect(r.code).toBe(1);
    const line = errorLine(r.stderr);
    expect(line).toContain('NB_FILE_NOT_FOUND');
    expect(line).toContain('no-such-folder');
  });
});

describe('a site that cannot be reached', () => {
  it('parse URL: says the connection failed, not that robots.txt forbids it', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/report.html`;
    const r = runCli(['parse', url]);
    expect(r.code).toBe(1);
    const line = errorLine(r.stderr);
    expect(line).toContain(`cannot connect to http://127.0.0.1:${port}`);
    expect(line).toContain('NB_FETCH_CONNECTION');
    expect(line).not.toContain('treating the site as disallowed');
  });
});

describe('a busy port', () => {
  let blocker: Server;
  let port = 0;
  let db = '';
  beforeAll(async () => {
    db = join(tmp.dir, 'serve.db');
    expect(runCli(['ingest', join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2025.html'), '--db', db, '--progress', 'none']).code).toBe(0);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('serve says the port is in use and suggests another or --port 0', () => {
    const r = runCli(['serve', '--db', db, '--port', String(port)]);
    expect(r.code).toBe(1);
    const line = errorLine(r.stderr);
    expect(line).toContain('NB_SERVE_PORT_IN_USE');
    expect(line).toContain(String(port));
    expect(line).toContain('--port 0');
    expect(line).not.toContain('EADDRINUSE:');
  });
});

describe('the README, run as written', () => {
  it("the first example query shows each agency's year once, with an agency", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /npx nianbao query "([^"]+)"/.exec(readme);
    expect(m).not.toBeNull();
    const db = buildCorpusDb(tmp.dir);
    const r = runCli(['query', m![1]!, '--db', db, '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { agency: string | null; year: number; [k: string]: unknown }[];
    expect(rows.length).toBeGreaterThan(5);
    // Timing said in words: never a negative number of days late.
    for (const row of rows) for (const v of Object.values(row)) expect(typeof v === 'number' && v < 0, JSON.stringify(row)).toBe(false);
    expect(rows.some((row) => typeof row['timing'] === 'string' && /^on time \(\d+ days early\)$/.test(row['timing']))).toBe(true);
    expect(rows.every((row) => typeof row.agency === 'string' && row.agency.length > 0)).toBe(true);
    const keys = rows.map((row) => `${row.agency}/${row.year}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('--version is the package version, with the parser version beside it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')} \\(parser \\d+\\.\\d+\\.\\d+\\)$`));
  });
});

describe('publication timing, said to people', () => {
  it('is never a negative number of days late', () => {
    expect(describeTiming(-51)).toBe('on time (51 days early)');
    expect(describeTiming(-1)).toBe('on time (1 day early)');
    expect(describeTiming(0)).toBe('on time (on the deadline)');
    expect(describeTiming(3)).toBe('3 days late');
    expect(describeTiming(null)).toBe('date unknown');
  });
});

describe("parse's readable table 3, as the report has it", () => {
  const file = join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2025.html');
  const table3 = (out: string): string[] => {
    const lines = out.split('\n');
    return lines.slice(lines.indexOf('表三 收到和处理政府信息公开申请情况') + 1, lines.indexOf('表四 政府信息公开行政复议、行政诉讼情况') - 1);
  };

  it('shows the group headings in order, full labels, no "…"', () => {
    const r = runCli(['parse', file], { COLUMNS: '' });
    expect(r.code).toBe(0);
    const lines = table3(r.stdout);
    const at = (s: string): number => lines.findIndex((l) => l.trimStart().startsWith(s));
    const order = [
      '一、本年新收',
      '三、本年度办理结果',
      '（一）予以公开',
      '（三）不予公开',
      '8.属于行政查询事项',
      '（四）无法提供',
      '1.本机关不掌握相关政府信息',
      '（五）不予处理',
      '（六）其他处理',
      '（七）总计',
      '四、结转下年度继续办理',
    ];
    const positions = order.map(at);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(r.stdout).not.toContain('…');
    expect(lines.some((l) => l.includes('1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请'))).toBe(true);
    expect(lines[at('（四）无法提供')]!.trim()).toBe('（四）无法提供');
  });

  it('wraps long labels to the terminal width and keeps every value', () => {
    const wide = table3(runCli(['parse', file], { COLUMNS: '' }).stdout);
    const r = runCli(['parse', file], { COLUMNS: '90' });
    const lines = table3(r.stdout);
    expect(Math.max(...lines.map(displayWidth))).toBeLessThanOrEqual(90);
    expect(lines.length).toBeGreaterThan(wide.length);
    const numbers = (ls: string[]): string[] => ls.flatMap((l) => l.match(/(?<=\s)\d+(?=\s|$)/g) ?? []);
    expect(numbers(lines)).toEqual(numbers(wide));
  });
});
