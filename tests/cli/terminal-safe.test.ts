/**
 * A hostile document cannot drive the terminal: titles, agencies, file names and messages holding
 * ESC/BEL/C1 sequences are printed escaped by every human-readable output; JSON keeps them exact.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/store/format.js';
import { terminalSafe } from '../../src/store/terminal-safe.js';
import { CORPUS_DIR } from '../helpers/corpus.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nianbao.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
/** Anything a terminal acts on: C0 but tab and newline, DEL, C1. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern matches
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const TITLE = '平潭综合实验区2019年度政府信息公开工作年度报告';
// Retitles the terminal (OSC … BEL), recolours it (CSI 31m), clears it (C1 CSI 2J).
const EVIL_TITLE = `\u001b]0;PWNED\u0007平潭\u001b[31m综合实验区\u009b2J2019年度政府信息公开工作年度报告`;

function hostileReport(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-esc-'));
  const page = readFileSync(join(CORPUS_DIR, 'fujian-pingtan-2019.html'), 'utf8').replaceAll(TITLE, EVIL_TITLE);
  const file = join(dir, 'report\u001b[2J.html');
  writeFileSync(file, page);
  return file;
}

describe('terminal escapes in documents', () => {
  it('nianbao parse prints the title, agency and file name escaped, visibly', () => {
    const file = hostileReport();
    const r = run('parse', file);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROLS);
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
    expect(r.stdout).toContain('== ');
    expect(r.stdout).toContain('report␛[2J.html');
    expect(r.stdout).toContain('␛]0;PWNED␇平潭␛[31m综合实验区<U+009B>2J2019年度');
    expect(r.stdout).toMatch(/agency ␛\]0;PWNED␇平潭␛\[31m综合实验区<U\+009B>2J ·/);
    // The tables are still read.
    expect(r.stdout).toMatch(/一、本年新收政府信息公开申请数量\s+23\s+0\s+0\s+0\s+0\s+0\s+23/);
  });

  it('--json keeps the exact characters (escaped by JSON, not by the terminal filter)', () => {
    const file = hostileReport();
    const r = run('parse', file, '--json');
    expect(r.status).toBe(0);
    const obj = JSON.parse(r.stdout) as { file: string; title: string; agency: string };
    expect(obj.title).toBe(EVIL_TITLE);
    expect(obj.agency).toBe('\u001b]0;PWNED\u0007平潭\u001b[31m综合实验区\u009b2J');
    expect(obj.file).toBe(file);
    // JSON.stringify escapes C0 (\u001b); the raw ESC never reaches the terminal even here.
    // eslint-disable-next-line no-control-regex -- control characters are what this pattern matches
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('an error naming a hostile file name or URL prints it escaped on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-esc-'));
    const r = run('parse', join(dir, 'missing\u001b]0;x\u0007.html'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing␛]0;x␇.html');
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
  });

  it('terminalSafe shows every control character; formatTable cells stay on one line', () => {
    expect(terminalSafe('a\u001b[1mb\u0007c\u007fd\u0085e\tf\ng')).toBe('a␛[1mb␇c␡d<U+0085>e\tf\ng');
    expect(terminalSafe('x\ny\rz', { oneLine: true })).toBe('x␊y␍z');
    const table = formatTable(['title'], [['a\u001b]0;t\u0007\nforged line']]);
    expect(table).not.toMatch(RAW_CONTROLS);
    expect(table.trimEnd().split('\n')).toHaveLength(3);
    expect(table).toContain('a␛]0;t␇␊forged line');
  });
});
