// The sample JSON shown in README.md and docs/output.md is the parser's real output: every value a
// sample states (numbers, strings, at their key paths) is compared with `nianbao parse --json` of
// the file the sample names. Elisions (…), comments and arrays are illustrative and skipped.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'nianbao.js');
const SAMPLE_FILE = 'snapshots/corpus/fujian-pingtan-2025.html';

/** The first ```jsonc block of a Markdown file. */
function jsoncBlock(markdownFile: string): string {
  const md = readFileSync(join(ROOT, markdownFile), 'utf8');
  const m = /```jsonc\n([\s\S]*?)```/.exec(md);
  if (!m?.[1]) throw new Error(`${markdownFile}: no jsonc block`);
  return m[1];
}

interface Claim {
  path: string[];
  value: string | number | boolean | null;
}

/** Every `"key": scalar` the sample states, with the path of objects around it (arrays are skipped). */
export function sampleClaims(jsonc: string): Claim[] {
  const src = jsonc.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const tokens = src.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null|[{}[\]:,]|…/g) ?? [];
  const claims: Claim[] = [];
  const stack: (string | '[')[] = [];
  let key: string | null = null;
  let arrayDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (arrayDepth > 0) {
      if (t === '[') arrayDepth++;
      else if (t === ']') arrayDepth--;
      continue;
    }
    if (t === '[') {
      arrayDepth = 1;
      key = null;
    } else if (t === '{') {
      stack.push(key ?? '');
      key = null;
    } else if (t === '}') {
      stack.pop();
      key = null;
    } else if (t.startsWith('"') && tokens[i + 1] === ':') {
      key = JSON.parse(t) as string;
      i++;
    } else if (key !== null && t !== ',' && t !== '…' && t !== '"…"') {
      claims.push({ path: [...stack.slice(1).filter((s): s is string => s !== '['), key], value: JSON.parse(t) as Claim['value'] });
      key = null;
    } else if (t === ',') key = null;
  }
  return claims;
}

const at = (obj: unknown, path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

describe('sample JSON in the docs is the real output', () => {
  const r = spawnSync(process.execPath, [BIN, 'parse', SAMPLE_FILE, '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const real = JSON.parse(r.stdout) as Record<string, unknown>;

  it('the claim reader finds nested values and skips arrays and elisions', () => {
    const claims = sampleClaims('{ "a": 1, "b": { "c": { "d": 2, …, "e": "x" } }, "f": [ { "g": 3 } ], "h": null }');
    expect(claims).toEqual([
      { path: ['a'], value: 1 },
      { path: ['b', 'c', 'd'], value: 2 },
      { path: ['b', 'c', 'e'], value: 'x' },
      { path: ['h'], value: null },
    ]);
  });

  for (const file of ['README.md', 'docs/output.md']) {
    it(`${file}: every value its sample states`, () => {
      const claims = sampleClaims(jsoncBlock(file));
      expect(claims.length).toBeGreaterThan(8);
      const wrong = claims
        .filter((c) => at(real, c.path) !== c.value)
        .map((c) => `${c.path.join('.')}: sample ${JSON.stringify(c.value)}, real ${JSON.stringify(at(real, c.path))}`);
      expect(wrong).toEqual([]);
    });
  }
});
