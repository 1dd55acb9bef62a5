/**
 * The one version of nianbao: the package's (package.json), shown by `--version`, sent in the
 * User-Agent and stored with runs. The parser has its own version (parsers/version.ts), which
 * says which reading of a report a stored row holds; `--version` prints it beside.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARSER_VERSION } from '../parsers/version.js';

/** package.json's version, found by walking up from this file (src/ in a checkout, dist/src/ when built). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'nianbao' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: one folder up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

export const PACKAGE_VERSION = packageVersion();

/** `0.1.0 (parser 0.2.5)`: what `nianbao --version` prints. */
export const VERSION_LINE = `${PACKAGE_VERSION} (parser ${PARSER_VERSION})`;
