/** The files an ingest reads: folders expanded recursively, in a stable order. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFileError } from '../store/errors.js';

/**
 * Expands files and folders (recursively, sorted, hidden entries and `skipSuffixes` skipped
 * inside folders) into a list of files.
 */
export async function listInputFiles(paths: readonly string[], skipSuffixes: readonly string[] = ['.json', '.md']): Promise<string[]> {
  const out: string[] = [];
  const skip = (name: string): boolean => {
    const lower = name.toLowerCase();
    return name.startsWith('.') || skipSuffixes.some((s) => lower.endsWith(s.toLowerCase()));
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (skip(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const st = await stat(p).catch(() => null);
        if (st?.isDirectory()) await walk(p);
        else if (st?.isFile()) out.push(p);
      }
    }
  };
  for (const p of paths) {
    const st = await stat(p).catch((err: unknown) => {
      throw describeFileError(p, err);
    });
    if (st.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}
