/**
 * Shared helpers of the store tests: temp folders, running the real CLI, the corpus and its
 * `.expected.json` sidecars, and documents derived from corpus pages.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = join(ROOT, 'snapshots', 'corpus');
const BIN = join(ROOT, 'bin', 'nianbao.js');
const RUNNER = join(ROOT, 'tests', 'store', 'run-cli.ts');
/**
 * The command that runs the CLI: the real `bin/nianbao.js` on the compiled `dist/` (built by
 * tests/global-setup.ts before the suite), or src/cli/main.ts under tsx when there is no build
 * or NIANBAO_TEST_CLI=tsx.
 */
const CLI: string[] =
  process.env['NIANBAO_TEST_CLI'] !== 'tsx' && existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')) ? [BIN] : ['--import', 'tsx', RUNNER];

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'nianbao-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nianbao ARGS` and waits for it. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NIANBAO_DB: '', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `nianbao ARGS` without waiting (for the kill test). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NIANBAO_DB: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The corpus sidecar shape (the parts the tests use). */
export interface Expected {
  format: string;
  title: string | null;
  agency: string | null;
  year: number | null;
  published?: string | null;
  tables_present?: boolean;
  active?: Record<string, Record<string, number | null>>;
  requests?: Record<string, Record<string, number | null>>;
  appeals?: Record<string, Record<string, number | null>>;
  stats?: { label: string; unit: string | null; value: number | null; cumulative?: number | null }[];
}

/** Corpus documents with their sidecar: `{ file, name, expected }`. */
export function corpusDocuments(): { file: string; name: string; expected: Expected }[] {
  return readdirSync(CORPUS)
    .filter((f) => !f.endsWith('.json') && !f.endsWith('.md'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.(html|txt)$/, '');
      const expected = JSON.parse(readFileSync(join(CORPUS, `${name}.expected.json`), 'utf8')) as Expected;
      return { file, name, expected };
    });
}

export function loadExpected(name: string): Expected {
  return JSON.parse(readFileSync(join(CORPUS, `${name}.expected.json`), 'utf8')) as Expected;
}

export function corpusText(file: string): string {
  return readFileSync(join(CORPUS, file), 'utf8');
}

/** Writes `text` as `name` in `dir`; returns the path. */
export function writeDoc(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/**
 * Replaces the value line that follows a row label in pipe-flattened text: `nth` (0-based) value
 * after the label line that starts with `label`.
 */
export function replacePipeValue(text: string, label: string, nth: number, value: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(label));
  if (at < 0) throw new Error(`label ${label} not found`);
  const target = at + 1 + nth;
  if (!/^\s*[\d.]+\s*\|\s*$/.test(lines[target] ?? '')) throw new Error(`line ${target} is not a value: ${lines[target]}`);
  lines[target] = `${value} |`;
  return lines.join('\n');
}

/** Removes the lines from the first line starting with `from` (exclusive) up to the one starting with `to` (exclusive). */
export function cutPipeBlock(text: string, from: string, to: string): string {
  const lines = text.split('\n');
  const a = lines.findIndex((l) => l.startsWith(from));
  const b = lines.findIndex((l, i) => i > a && l.startsWith(to));
  if (a < 0 || b < 0) throw new Error(`block ${from} … ${to} not found`);
  return [...lines.slice(0, a + 1), ...lines.slice(b)].join('\n');
}

/** Expected value of a request row's total: 总计, or the sum of the applicant columns when blank. */
export function rowTotal(row: Record<string, number | null> | undefined): number | null {
  if (!row) return null;
  if (row['total'] !== null && row['total'] !== undefined) return row['total'];
  const vals = Object.entries(row)
    .filter(([k, v]) => k !== 'total' && v !== null)
    .map(([, v]) => v as number);
  return vals.length > 0 ? vals.reduce((a, b) => a + b, 0) : null;
}

/** Names of the documents derived from corpus pages by {@link writeDerivedDocs}. */
export const DERIVED = {
  /** The 2021 Pingtan report re-titled as 2022 (published 2023-01-20): a consecutive year for the carry-over check. */
  year2022: { file: 'derived-pingtan-2022.pipe.txt', agency: '平潭综合实验区', year: 2022, published: '2023-01-20', from: 'fujian-pingtan-2021' },
  /** The 2021 report under another agency name, 自然人 of 本年新收 changed 64 → 65: a table that does not add up. */
  arithmetic: { file: 'derived-testbureau-2021.pipe.txt', agency: '平潭综合实验区测试局', year: 2021, from: 'fujian-pingtan-2021', delta: 1 },
  /** The 2021 report under another agency name with table 4 cut out (its heading kept). */
  noTable4: { file: 'derived-testcentre-2021.pipe.txt', agency: '平潭综合实验区测试中心', year: 2021, from: 'fujian-pingtan-2021' },
} as const;

/** Writes the derived documents into `dir` (see {@link DERIVED}); returns their paths. */
export function writeDerivedDocs(dir: string): string[] {
  const base = corpusText('fujian-pingtan-2021.pipe.txt');
  const y2022 = base.replaceAll('2021年度', '2022年度').replace('时间：2022-02-08', '时间：2023-01-20');
  const arithmetic = replacePipeValue(base.replaceAll('平潭综合实验区2021年度', '平潭综合实验区测试局2021年度'), '一、本年新收', 0, '65');
  const noTable4 = cutPipeBlock(base.replaceAll('平潭综合实验区2021年度', '平潭综合实验区测试中心2021年度'), '四、政府信息公开行政复议', '五、');
  return [writeDoc(dir, DERIVED.year2022.file, y2022), writeDoc(dir, DERIVED.arithmetic.file, arithmetic), writeDoc(dir, DERIVED.noTable4.file, noTable4)];
}

/**
 * Builds a database from the corpus (and, when `derived`, the derived documents) with the real
 * CLI; returns its path.
 */
export function buildCorpusDb(dir: string, options: { derived?: boolean; check?: boolean } = {}): string {
  const dbFile = join(dir, 'nianbao.db');
  const inputs = [CORPUS];
  if (options.derived) {
    const d = join(dir, 'derived');
    mkdirSync(d, { recursive: true });
    writeDerivedDocs(d);
    inputs.push(d);
  }
  const r = runCli(['ingest', ...inputs, '--db', dbFile, '--progress', 'none']);
  if (r.code !== 0) throw new Error(`ingest failed (${r.code}): ${r.stderr}`);
  if (options.check) {
    const c = runCli(['check', '--db', dbFile, '--json']);
    if (c.code !== 0) throw new Error(`check failed (${c.code}): ${c.stderr}`);
  }
  return dbFile;
}
