/**
 * Issue 13, a budget per document: every hostile input of the issue, generated here (nothing big
 * is committed), ends within 10 s (of CPU: see below) with a coded error that names the limit and the file, in a
 * process whose peak memory stays under 1 GB (each document is parsed in a child process of its
 * own, on its main thread, with the default budget, so the peak measured is that document's). An
 * `ingest` of a folder holding a bomb among good files stores every good file; a crawl whose
 * portal serves a bomb as the report attachment completes, records it failed, and the next runs
 * (with --refresh too) neither fetch nor parse it again; `reparse` reads it again only when the
 * budget changed.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey, DEFAULT_BUDGET, makeBudget } from '../../parsers/budget.js';
import { crawl } from '../../src/crawl/crawler.js';
import { parseReport } from '../../src/parse/report.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ingestPaths, reparseStored, type ParseFn } from '../../src/ingest/index.js';
import { corpusDocs } from '../helpers/corpus.js';
import { runCli } from '../store/helpers.js';
import { ROOT, tempDir, testSiteRegistry } from '../crawl/helpers.js';
import * as bombs from './_bombs.js';

const CHILD = join(ROOT, 'tests', 'hardening', '_parse-child.ts');

interface ChildResult {
  ok: boolean;
  code?: string;
  message?: string;
  ms: number;
  cpuMs: number;
  maxRssMb: number;
}

/** Parses `file` in a child process (`node --import tsx`) and returns what it printed. */
function parseInChild(file: string): Promise<ChildResult & { wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`child exited ${code}: ${err.slice(-2000)}`));
      resolve({ ...(JSON.parse(line) as ChildResult), wallMs: performance.now() - t0 });
    });
  });
}

/** The inputs of the issue: name → [bytes, the limit its refusal must name]. */
const CASES: { name: string; make: () => Promise<Buffer> | Buffer; limit: RegExp }[] = [
  // 150 MiB of paragraphs in word/document.xml (the issue's: 459 KB, 107 s, 4.4 GB, exit 134).
  { name: 'bomb.docx', make: () => bombs.docxBomb(150), limit: /word\/document\.xml" inflates past the 6 MiB limit \(budget maxWordXmlBytes/ },
  // A content stream that inflates to 1 GiB (8–13 s, 2.2 GB).
  {
    name: 'flate-1gib.pdf',
    make: () => bombs.pdfFlateBomb(1024),
    limit: /has a stream \(at byte \d+\) that inflates past the 32 MiB limit \(budget maxEntryBytes/,
  },
  // 200 pages sharing one stream of 20,000 text operators (57 s).
  {
    name: 'shared-stream.pdf',
    make: () => bombs.pdfSharedStream(200, 20_000),
    limit: /has more text pieces on page 1 than the 12,000 limit \(budget maxPageTextItems/,
  },
  // 200,000 pages (41 s).
  { name: 'pages-200000.pdf', make: () => bombs.pdfManyPages(200_000), limit: /has 200,000 pages, over the 500 limit \(budget maxPages/ },
  // An OFD entry that says 1 KB and inflates to 1.2 GB (1.2 GB read before the old refusal).
  {
    name: 'lying-entry.ofd',
    make: () => bombs.ofdLyingEntry(1200),
    limit: /part "Doc_0\/Pages\/Page_0\/Content\.xml" inflates past the 32 MiB limit \(budget maxEntryBytes/,
  },
  // 40 pages of 30 MB each: every page under a per-page cap, the document 1.2 GB (110 s, 3.1 GB).
  {
    name: 'pages-40x30mb.ofd',
    make: () => bombs.ofdManyBigPages(40, 30),
    limit: /inflates \(its parts together, "Doc_0\/Pages\/Page_\d+\/Content\.xml" reached\) past the 256 MiB limit \(budget maxInflatedBytes/,
  },
  // 45 MB of small tables, under the 50 MiB size cap (30 s, 3.2 GB).
  { name: 'tables-45mb.html', make: () => bombs.htmlSmallTables(45), limit: /has more table cells than the 150,000 limit \(budget maxTableCells/ },
  // 20 MB of "1 1 1 …" as text (15 s, 2.1 GB).
  { name: 'ones-20mb.txt', make: () => bombs.textOfOnes(20), limit: /has 20,971,520 characters of text, over the 1,000,000 limit \(budget maxTextChars/ },
  // 100,000 nested <div>s (10 s).
  {
    name: 'nested-100000.html',
    make: () => bombs.nestedDivs(100_000),
    limit: /has more levels of nested HTML elements than the 25,000 limit \(budget maxDomDepth/,
  },
];

const KEY = budgetKey(DEFAULT_BUDGET);

describe('hostile documents end fast with a coded error and bounded memory', () => {
  const tmp = tempDir('nianbao-budget-');
  const results = new Map<string, ChildResult & { wallMs: number }>();

  beforeAll(async () => {
    for (const c of CASES) writeFileSync(join(tmp.dir, c.name), await c.make());
    // Two children at a time (the CI machine has 2 cores).
    const queue = [...CASES];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) results.set(c.name, await parseInChild(join(tmp.dir, c.name)));
    };
    await Promise.all([worker(), worker()]);
  }, 240_000);
  afterAll(() => tmp.cleanup());

  for (const c of CASES) {
    it(`${c.name}: NB_PARSE_TOO_LARGE naming the limit and the file, within 10 s and 1 GB`, () => {
      const r = results.get(c.name)!;
      expect(r.ok, r.message).toBe(false);
      expect(r.code).toBe('NB_PARSE_TOO_LARGE');
      expect(r.message!.startsWith(`${c.name}: `), r.message).toBe(true);
      expect(r.message).toMatch(c.limit);
      expect(r.message).toContain(`key ${KEY})`);
      expect(r.message).toMatch(/raise (it with --[a-z-]+|budget\.\w+) if this really is a report\.$/);
      // The work is bounded: under 10 s of CPU (alone on an idle machine the wall clock is about
      // the same; on a machine shared by several busy processes it stretches with the load, so
      // the wall clock is only held to a loose bound).
      expect(r.cpuMs, `${c.name} took ${r.cpuMs} ms of CPU`).toBeLessThan(10_000);
      expect(r.ms, `${c.name} took ${r.ms} ms`).toBeLessThan(60_000);
      expect(r.maxRssMb, `${c.name} peaked at ${r.maxRssMb} MB`).toBeLessThan(1024);
    });
  }

  it('a deadline stops a document read on the main thread with NB_PARSE_TIMEOUT naming it', async () => {
    // 150 pages of 600 text pieces each: within every size limit, but not within 50 ms.
    const pdf = await bombs.pdfSharedStream(150, 600);
    const err = await parseReport(pdf, { fileName: 'slow.pdf', budget: { timeoutMs: 50 } }).catch((e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'NB_PARSE_TIMEOUT', file: 'slow.pdf' });
    expect((err as { message: string }).message).toMatch(
      /^slow\.pdf: reading its pages took longer than the 50 ms deadline \(budget timeoutMs, key [0-9a-f]{8}\); raise it with --parse-timeout/,
    );
  });
});

describe('the budget from the command line', () => {
  const tmp = tempDir('nianbao-budget-cli-');
  afterAll(() => tmp.cleanup());

  it('nianbao parse refuses a 1,000-page PDF by default, and reads it with --max-document-pages 2000', () => {
    const file = join(tmp.dir, 'pages-1000.pdf');
    writeFileSync(file, bombs.pdfManyPages(1000));
    const refused = runCli(['parse', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /pages-1000\.pdf: has 1,000 pages, over the 500 limit \(budget maxPages, key [0-9a-f]{8}\); raise it with --max-document-pages if this really is a report\. \[NB_PARSE_TOO_LARGE\]/,
    );
    // Within the raised limit it is read: empty pages, so a PDF without a text layer.
    const read = runCli(['parse', file, '--max-document-pages', '2000']);
    expect(read.code).toBe(1);
    expect(read.stderr).toMatch(/is a PDF without a text layer.*\[NB_PARSE_EMPTY\]/);
    expect(runCli(['parse', file, '--parse-timeout', 'soon']).stderr).toMatch(/--parse-timeout must be a positive number/);
  }, 60_000);
});

describe('ingest of a folder with a bomb among good files', () => {
  const tmp = tempDir('nianbao-budget-ingest-');
  const docs = corpusDocs();
  const inDir = join(tmp.dir, 'in');
  const dbFile = join(tmp.dir, 'i.db');
  const snapshotsDir = defaultSnapshotsDir(dbFile);
  let db: Database.Database;
  /** The real parser, counting the documents it is given. */
  const parsed: string[] = [];
  const counting: ParseFn = (bytes, o) => {
    parsed.push(o.fileName ?? '?');
    return parseReport(bytes, o);
  };

  beforeAll(async () => {
    mkdirSync(inDir, { recursive: true });
    for (const d of docs) copyFileSync(d.path, join(inDir, d.name));
    // Sorted between the good files: the ones after it must be stored too.
    writeFileSync(join(inDir, 'fujian-pingtan-2020-bomb.docx'), await bombs.docxBomb(150));
    db = openDatabase(dbFile);
  }, 60_000);
  afterAll(() => {
    db?.close();
    tmp.cleanup();
  });

  it('stores every good file with its values and the bomb as failed with its reason (parseWorkers: 1)', async () => {
    const summary = await ingestPaths(db, [inDir], { snapshotsDir, parseWorkers: 1 });
    expect(summary.files).toBe(docs.length + 1);
    expect(summary.failed).toBe(1);
    expect(summary.ok + summary.partial).toBe(docs.length);
    const rows = db.prepare('SELECT d.file_name, r.status, r.error_code, r.error, r.year FROM reports r JOIN documents d ON d.id = r.document_id').all() as {
      file_name: string;
      status: string;
      error_code: string | null;
      error: string | null;
      year: number | null;
    }[];
    const bomb = rows.find((r) => r.file_name === 'fujian-pingtan-2020-bomb.docx')!;
    expect(bomb).toMatchObject({ status: 'failed', error_code: 'NB_PARSE_TOO_LARGE' });
    expect(bomb.error).toMatch(
      /^fujian-pingtan-2020-bomb\.docx: its part "word\/document\.xml" inflates past the 6 MiB limit \(budget maxWordXmlBytes, key [0-9a-f]{8}\)/,
    );
    for (const d of docs) {
      const row = rows.find((r) => r.file_name === d.name);
      expect(row?.status, d.name).not.toBe('failed');
      if (d.expected.year !== undefined) expect(row?.year, d.name).toBe(d.expected.year);
    }
    // The failure is in the run's errors, with its code.
    const errors = db.prepare('SELECT code FROM run_errors WHERE run_id = ?').all(summary.runId) as { code: string }[];
    expect(errors.map((e) => e.code)).toEqual(['NB_PARSE_TOO_LARGE']);
  }, 120_000);

  it('a later ingest does not read the bomb again; reparse reads it again only once the budget changed', async () => {
    const again = await ingestPaths(db, [inDir], { snapshotsDir, parse: counting });
    expect(again).toMatchObject({ new: 0, unchanged: docs.length + 1 });
    expect(parsed).toEqual([]);
    // Same parser version, same budget: nothing to re-read.
    const same = await reparseStored(db, { snapshotsDir, parse: counting });
    expect(same.files).toBe(0);
    expect(parsed).toEqual([]);
    // Another budget (still refusing it): the bomb, and only it, is read again, and says the new key.
    const budget = { maxEntryBytes: 16 * 1024 * 1024 };
    const other = await reparseStored(db, { snapshotsDir, budget, parse: (b, o) => counting(b, { ...o, budget }) });
    expect(other).toMatchObject({ files: 1, failed: 1 });
    expect(parsed).toEqual(['fujian-pingtan-2020-bomb.docx']);
    const error = (
      db.prepare("SELECT r.error FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.file_name = 'fujian-pingtan-2020-bomb.docx'").get() as {
        error: string;
      }
    ).error;
    expect(error).toContain(`key ${budgetKey(makeBudget(budget))})`);
  }, 120_000);
});

describe('a crawl whose portal serves a bomb as the report attachment', () => {
  const tmp = tempDir('nianbao-budget-crawl-');
  let server: http.Server;
  let db: Database.Database;
  const requested: string[] = [];
  const parsed: string[] = [];
  let registry: ReturnType<typeof testSiteRegistry>;
  const dbFile = join(tmp.dir, 'c.db');
  const files: Record<string, { type: string; body: Buffer }> = {};
  const counting: ParseFn = (bytes, o) => {
    parsed.push(basename(o.fileName ?? '?'));
    return parseReport(bytes, o);
  };
  const run = (refresh = false) =>
    crawl({ db, registry, parse: counting }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, refresh, browser: { enabled: false } });

  beforeAll(async () => {
    const html = (title: string, body: string) =>
      Buffer.from(`<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);
    files['/nb/index.html'] = {
      type: 'text/html; charset=utf-8',
      body: html(
        '政府信息公开年报',
        '<ul class="list"><li><a href="/nb/202002/t20200120_1.html">测试县2019年度政府信息公开工作年度报告</a><span>2020-01-20</span></li>' +
          '<li><a href="/nb/202202/t20220208_2.html">测试县2021年度政府信息公开工作年度报告</a><span>2022-02-08</span></li></ul>',
      ),
    };
    // A notice whose report is the bomb.
    files['/nb/202002/t20200120_1.html'] = {
      type: 'text/html; charset=utf-8',
      body: html(
        '测试县2019年度政府信息公开工作年度报告',
        '<p>报告全文见附件。</p><p>附件：<a href="/u/P020200120.docx">测试县2019年度政府信息公开工作年度报告.docx</a></p>',
      ),
    };
    files['/u/P020200120.docx'] = { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', body: await bombs.docxBomb(150) };
    files['/nb/202202/t20220208_2.html'] = {
      type: 'text/html; charset=utf-8',
      body: readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html')),
    };
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requested.push(path);
      const f = files[path];
      if (!f) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': f.body.length });
      res.end(f.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registry = testSiteRegistry(origin);
    db = openDatabase(dbFile);
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('completes, stores the good report and records the bomb failed with its code', async () => {
    const summary = await run();
    expect(summary.status).toBe('ok');
    expect(requested.filter((p) => p === '/u/P020200120.docx')).toHaveLength(1);
    const rows = db
      .prepare('SELECT d.url, r.status, r.error_code, r.error, r.year FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY d.url')
      .all() as {
      url: string;
      status: string;
      error_code: string | null;
      error: string | null;
      year: number | null;
    }[];
    expect(rows.map((r) => [new URL(r.url).pathname, r.status, r.error_code])).toEqual([
      ['/nb/202202/t20220208_2.html', 'ok', null],
      ['/u/P020200120.docx', 'failed', 'NB_PARSE_TOO_LARGE'],
    ]);
    expect(rows[1]!.error).toMatch(
      /P020200120\.docx: its part "word\/document\.xml" inflates past the 6 MiB limit \(budget maxWordXmlBytes, key [0-9a-f]{8}\)/,
    );
    const row = db.prepare("SELECT state, error_code FROM frontier WHERE url LIKE '%/u/P020200120.docx'").get();
    expect(row).toEqual({ state: 'done', error_code: 'NB_PARSE_TOO_LARGE' });
    const errors = db.prepare('SELECT code FROM run_errors WHERE run_id = ?').all(summary.runId) as { code: string }[];
    expect(errors.map((e) => e.code)).toContain('NB_PARSE_TOO_LARGE');
  }, 120_000);

  it('the next runs, with --refresh too, neither fetch nor parse the bomb again', async () => {
    requested.length = 0;
    parsed.length = 0;
    expect((await run()).status).toBe('ok');
    expect((await run(true)).status).toBe('ok');
    expect(requested).toContain('/nb/index.html');
    expect(requested).not.toContain('/u/P020200120.docx');
    expect(parsed).not.toContain('P020200120.docx');
    expect(db.prepare("SELECT count(*) AS n FROM reports WHERE error_code = 'NB_PARSE_TOO_LARGE'").get()).toEqual({ n: 1 });
  }, 120_000);
});
