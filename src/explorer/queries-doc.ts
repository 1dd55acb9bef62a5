/** The example queries of docs/queries.md, read for the SQL page. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface QueryExample {
  /** 1-based position in the file. */
  n: number;
  title: string;
  description: string;
  sql: string;
}

/** Parses `## N. Title` sections, each with a description and one ```sql block. */
export function parseQueriesMarkdown(md: string): QueryExample[] {
  const out: QueryExample[] = [];
  let title: string | null = null;
  let desc: string[] = [];
  let sql: string[] | null = null;
  let inCode = false;
  for (const line of md.split(/\r?\n/)) {
    if (inCode) {
      if (/^```\s*$/.test(line)) {
        inCode = false;
        if (title !== null && sql) {
          out.push({ n: out.length + 1, title, description: desc.join(' ').replace(/\s+/g, ' ').trim(), sql: sql.join('\n').trim() });
          title = null;
        }
        sql = null;
      } else sql?.push(line);
      continue;
    }
    const h = /^##\s+(?:\d+\.\s*)?(.+?)\s*$/.exec(line);
    if (h) {
      title = h[1] ?? '';
      desc = [];
      continue;
    }
    if (/^```sql\s*$/i.test(line)) {
      inCode = true;
      sql = [];
      continue;
    }
    if (title !== null && line.trim()) desc.push(line.trim());
  }
  return out;
}

/** The package root (the folder holding nianbao's package.json), from this file's location. */
export function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'nianbao') return dir;
      } catch {
        // not ours
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Reads the examples from `file` (default: docs/queries.md of the package); [] when absent. */
export function loadQueryExamples(file?: string): QueryExample[] {
  const root = packageRoot();
  const path = file ?? (root ? join(root, 'docs', 'queries.md') : null);
  if (!path || !existsSync(path)) return [];
  return parseQueriesMarkdown(readFileSync(path, 'utf8'));
}
