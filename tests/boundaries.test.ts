/**
 * The import rule "lower layers never import the CLI": no file of parsers/ or src/ outside src/cli
 * and src/explorer imports (statically, dynamically or by re-export) src/cli, src/explorer,
 * bench/ or commander. eslint.config.js says the same for static imports; this test also reads
 * dynamic `import()` and `export … from`, and runs without the linter.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UPPER = ['src/cli', 'src/explorer', 'bench'];
const CLI_ONLY_PACKAGES = ['commander'];

/** Every module specifier a TypeScript source names: import/export … from, import '…', import('…'). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** What `file` (relative to the root) imports that a lower layer may not. */
export function violations(file: string, source: string): string[] {
  const bad: string[] = [];
  for (const spec of specifiers(source)) {
    if (CLI_ONLY_PACKAGES.includes(spec)) {
      bad.push(spec);
      continue;
    }
    if (!spec.startsWith('.')) continue;
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec))
      .split(sep)
      .join('/');
    if (UPPER.some((u) => target === u || target.startsWith(`${u}/`))) bad.push(spec);
  }
  return bad;
}

function isLower(file: string): boolean {
  return !UPPER.some((u) => file.startsWith(`${u}/`));
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('import boundaries', () => {
  it('reads static, dynamic and re-export specifiers', () => {
    const src = [
      "import { a } from '../cli/progress.js';",
      "import type { B } from './b.js';",
      "export { c } from '../../bench/shipped.js';",
      "import './side-effect.js';",
      "const m = await import('../explorer/server.js');",
      "import {\n  d,\n  e,\n} from 'commander';",
    ].join('\n');
    expect(specifiers(src).sort()).toEqual([
      '../../bench/shipped.js',
      '../cli/progress.js',
      '../explorer/server.js',
      './b.js',
      './side-effect.js',
      'commander',
    ]);
    expect(violations('src/crawl/x.ts', src).sort()).toEqual(['../../bench/shipped.js', '../cli/progress.js', '../explorer/server.js', 'commander']);
    // The same names elsewhere are fine: a file named cli-support, a folder named explorer-data.
    expect(violations('src/crawl/x.ts', "import { f } from './cli-support.js';\nimport g from '../explorer-data/g.js';")).toEqual([]);
  });

  it('no lower-layer file imports src/cli, src/explorer, bench/ or commander', () => {
    const files = [...tsFiles('src'), ...tsFiles('parsers')].filter(isLower);
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const f of files) for (const spec of violations(f, readFileSync(join(ROOT, f), 'utf8'))) found.push(`${f} imports ${spec}`);
    expect(found).toEqual([]);
  });
});
