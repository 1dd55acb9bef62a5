import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlReportToDocx } from '../../src/demo/docx.js';
import { parseReport } from '../../src/parse/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nianbao.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const corpus = (f: string) => join(CORPUS_DIR, f);
const expected = (name: string) => JSON.parse(readFileSync(corpus(`${name}.expected.json`), 'utf8')) as Expected;

describe('nianbao parse', () => {
  it('prints one canonical object for one file', () => {
    const r = run('parse', corpus('fujian-pingtan-2025.html'), '--json');
    expect(r.status).toBe(0);
    const obj = JSON.parse(r.stdout);
    expect(obj.file).toBe(corpus('fujian-pingtan-2025.html'));
    expect(obj.requests).toEqual(expected('fujian-pingtan-2025').requests);
  });

  it('prints JSON Lines for several files; a bad file is reported, the others still parse, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-parse-'));
    const bad = join(dir, 'scan.pdf');
    writeFileSync(bad, '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
    const r = run('parse', corpus('fujian-pingtan-2019.html'), bad, corpus('heilongjiang-acheng-feiketu-2023.txt'), '--json');
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual([corpus('fujian-pingtan-2019.html'), bad, corpus('heilongjiang-acheng-feiketu-2023.txt')]);
    expect(lines[1].error.code).toBe('NB_PARSE_UNSUPPORTED');
    expect(lines[2].format).toBe('2021');
    expect(r.stderr).toContain('scan.pdf');
    expect(r.stderr).toContain('NB_PARSE_UNSUPPORTED');
  });

  it('prints tables readably with Chinese labels and the findings', () => {
    const r = run('parse', corpus('fujian-pingtan-2019.html'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('表三 收到和处理政府信息公开申请情况');
    expect(r.stdout).toMatch(/一、本年新收政府信息公开申请数量\s+23\s+0\s+0\s+0\s+0\s+0\s+23/);
    expect(r.stdout).toContain('本年新制作数量');
    expect(r.stdout).toContain('Findings: none');
  });

  it('exits 1 with the reason for a missing file', () => {
    const r = run('parse', '/nonexistent/report.html');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/nonexistent/report.html');
  });
});

describe('DOCX input', () => {
  it('reads a report published as .docx through mammoth like its HTML page', async () => {
    const html = readFileSync(corpus('fujian-pingtan-2021.html'), 'utf8');
    const docx = await htmlReportToDocx(html);
    const report = await parseReport(docx, { fileName: 'report.docx' });
    const want = expected('fujian-pingtan-2021');
    expect(report.input.kind).toBe('docx');
    expect([report.active, report.requests, report.appeals]).toEqual([want.active, want.requests, want.appeals]);
    expect(report.year).toBe(2021);
  });
});

describe('nianbao parse URL', () => {
  /** The CLI in a child process, awaited (the test server answers in this process meanwhile). */
  const runAsync = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NIANBAO_CONTACT: 'mailto:test@example.org' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const requests: { path: string; ua: string }[] = [];
  let server: http.Server;
  let origin = '';

  beforeAll(async () => {
    const page = iconv.encode(readFileSync(corpus('fujian-pingtan-2021.html'), 'utf8').replace(/charset="?utf-8"?/i, 'charset=gbk'), 'gbk');
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ path, ua: String(req.headers['user-agent']) });
      if (path === '/robots.txt') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('User-agent: *\nDisallow: /private/\n');
      if (path === '/old.html') return void res.writeHead(301, { Location: '/nb/2022/report.html' }).end();
      if (path === '/nb/2022/report.html' || path === '/private/report.html')
        return void res.writeHead(200, { 'Content-Type': 'text/html; charset=GBK' }).end(page);
      if (path === '/nb/2022/notice.html') {
        const notice =
          '<html><head><meta charset="utf-8"><title>测试县2021年度政府信息公开工作年度报告</title></head><body><p>报告全文见附件。</p>' +
          '<p><a href="/u/tables.xls">统计表.xls</a> <a href="/u/report.ofd">测试县2021年度政府信息公开工作年度报告.ofd</a></p></body></html>';
        return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(notice);
      }
      if (path === '/u/report.ofd')
        return void res.writeHead(200, { 'Content-Type': 'application/ofd' }).end(readFileSync(join(CORPUS_DIR, '..', 'ofd', 'fujian-pingtan-2021.ofd')));
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches the page once (redirects followed, GBK decoded from the header) and reads it', async () => {
    const r = await runAsync('parse', `${origin}/old.html`, '--json');
    expect(r.status, r.stderr).toBe(0);
    const obj = JSON.parse(r.stdout);
    expect(obj.file).toBe(`${origin}/old.html`);
    expect(obj.input).toEqual({ kind: 'html', charset: 'gb18030' });
    expect([obj.year, obj.requests]).toEqual([2021, expected('fujian-pingtan-2021').requests]);
    const pages = requests.filter((q) => q.path !== '/robots.txt');
    expect(pages.map((q) => q.path)).toEqual(['/old.html', '/nb/2022/report.html']);
    expect(pages[0]!.ua).toContain('mailto:test@example.org');
  });

  it('reads the report a notice page links (the OFD, not the spreadsheet), and says so', async () => {
    const r = await runAsync('parse', `${origin}/nb/2022/notice.html`, '--json');
    expect(r.status, r.stderr).toBe(0);
    const obj = JSON.parse(r.stdout);
    expect([obj.file, obj.document, obj.input.kind]).toEqual([`${origin}/nb/2022/notice.html`, `${origin}/u/report.ofd`, 'ofd']);
    expect(obj.requests).toEqual(expected('fujian-pingtan-2021').requests);
    expect(r.stderr).toContain(`has no report tables; reading the report it links: ${origin}/u/report.ofd`);
    expect(requests.some((q) => q.path === '/u/tables.xls')).toBe(false);
  });

  it('obeys robots.txt and says why; a 404 is an error; the other arguments still parse', async () => {
    const r = await runAsync('parse', `${origin}/private/report.html`, `${origin}/missing.html`, corpus('fujian-pingtan-2019.html'), '--json');
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.error?.code ?? l.format)).toEqual(['NB_FETCH_ROBOTS', 'NB_FETCH_HTTP_STATUS', '2019']);
    expect(requests.some((q) => q.path.startsWith('/private/'))).toBe(false);
    expect(r.stderr).toContain(`${origin}/private/report.html`);
  });
});
