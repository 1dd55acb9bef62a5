/**
 * Starts the demo portal and keeps it running until Ctrl-C (used by `nianbao demo --serve`).
 * Run directly: `node --import tsx src/demo/serve.ts [--port N] [--host H] [--latency MS]`.
 */
import { pathToFileURL } from 'node:url';
import { startDemoPortal, type DemoPortal, type DemoPortalOptions } from './portal.js';

/** Lines describing a running portal: hub, then one line per site with its entry URL. */
export function describePortal(portal: DemoPortal): string[] {
  const lines = [`nianbao demo portal: ${portal.origin}/  (registry: ${portal.origin}/sites.json)`];
  const w = Math.max(...portal.sites.map((s) => s.name.length));
  for (const s of portal.sites) {
    const extra = s.needsBrowser ? '  [browser]' : '';
    lines.push(`  ${s.name.padEnd(w)}  ${s.entry}  ${s.expected.length} report(s)${extra}  — ${s.family}`);
  }
  return lines;
}

/** Starts the portal, prints its URLs with `log`, and resolves once it is listening. */
export async function serveDemo(options: DemoPortalOptions = {}, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<DemoPortal> {
  const portal = await startDemoPortal(options);
  for (const line of describePortal(portal)) log(line);
  return portal;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const port = Number(argValue(args, '--port') ?? 0);
  const host = argValue(args, '--host') ?? '127.0.0.1';
  const latencyMs = Number(argValue(args, '--latency') ?? 0);
  const portal = await serveDemo({ port, host, latencyMs });
  process.stdout.write('Press Ctrl-C to stop.\n');
  const stop = () => {
    void portal.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
