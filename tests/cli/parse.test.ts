import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
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
