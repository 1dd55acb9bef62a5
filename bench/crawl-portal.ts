/**
 * The demo portal's static sites for the crawl benchmarks, served by a process of their own
 * (bench/portal-child.mjs) so the CPU of serving them is not counted as the crawl's; it also counts
 * the requests each host received.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Registry } from '../src/sites/registry.js';
import { registry as registryModule } from './shipped.js';

const { validateRegistry } = registryModule;

const STATIC_SITES = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'flaky', 'robots'];

/** The demo portal served by bench/portal-child.mjs: its registry, its request counts per host, close. */
export interface PortalProcess {
  registry: Registry;
  /** Requests each host received since the last call (robots.txt included); clears the count. */
  requestsByHost(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startPortalProcess(sites: string[] = STATIC_SITES): Promise<PortalProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'portal-child.mjs'), sites.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let exited: Error | null = null;
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code) => {
    exited = new Error(`bench portal child exited with ${code}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      if (exited) reject(exited);
      else waiting.push({ resolve, reject });
    });
  const first = JSON.parse(await next()) as { registry: unknown };
  return {
    registry: validateRegistry(first.registry),
    requestsByHost: async () => {
      const reply = next();
      child.stdin.write('log\n');
      return (JSON.parse(await reply) as { hosts: Record<string, number> }).hosts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
