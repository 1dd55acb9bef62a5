/**
 * The nightly-job recipes of docs/nightly/ (a crontab, a systemd service and timer, a logrotate
 * file), run as written against a local portal: paths are moved into a temp folder, `npx nianbao`
 * is the built CLI and `mail` a stand-in that records what it was sent. Exit 0 and 75 send no mail;
 * a broken setup (exit 1) does. docs/crawl.md shows each file exactly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextScheduledRun } from '../../src/crawl/schedule.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { ensureBuilt, tempDir, recordLiveRun } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NIGHTLY = join(ROOT, 'docs', 'nightly');
const read = (f: string): string => readFileSync(join(NIGHTLY, f), 'utf8');

interface Crontab {
  env: Record<string, string>;
  schedule: string;
  command: string;
}

/** The crontab's variables and its job line running `nianbao <command>` (crawl, prune). */
function parseCrontab(text: string, command = 'crawl'): Crontab {
  const env: Record<string, string> = {};
  let job: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const assign = /^([A-Z_][A-Z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (assign) env[assign[1]!] = assign[2]!;
    else if (line.includes(`npx nianbao ${command} `)) job = line;
  }
  const m = /^((?:\S+\s+){4}\S+)\s+(.*)$/.exec(job ?? '');
  if (!m) throw new Error(`docs/nightly/crontab: no job line running nianbao ${command}`);
  return { env, schedule: m[1]!.replace(/\s+/g, ' '), command: m[2]! };
}

/** `[Section]` → key → values (a key may repeat, as Environment= does). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const s = /^\[(\w+)\]$/.exec(line.trim());
    if (s) {
      section = s[1]!;
      out[section] = {};
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line.trim());
    if (kv) ((out[section] ??= {})[kv[1]!] ??= []).push(kv[2]!);
  }
  return out;
}

describe('the nightly job, as docs/nightly/ writes it', () => {
  const tmp = tempDir('nianbao-nightly-');
  let portal: DemoPortal;
  let registry: string;
  const bin = join(tmp.dir, 'bin');
  const mailLog = join(tmp.dir, 'mail.log');
  const BIN = join(ROOT, 'bin', 'nianbao.js');

  beforeAll(async () => {
    ensureBuilt();
    portal = await startDemoPortal({ sites: ['trs'] });
    registry = join(tmp.dir, 'sites.json');
    // The recipe's own pace (1 s per host) would make the test slow, not truer.
    const reg = portal.registry();
    writeFileSync(registry, JSON.stringify({ ...reg, sites: reg.sites.map((s) => ({ ...s, overrides: { ...s.overrides, rateMs: 20 } })) }, null, 2));
    mkdirSync(bin);
    // `mail -s SUBJECT TO`: records the subject and the body it was piped.
    writeFileSync(join(bin, 'mail'), `#!/bin/sh\n{ echo "subject: $2"; cat; echo "--"; } >> ${mailLog}\n`);
    chmodSync(join(bin, 'mail'), 0o755);
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  /** Runs a command without blocking this process (the portal answers from it); resolves to its exit code and output. */
  function run(
    cmd: string,
    args: string[],
    options: { cwd?: string; env: NodeJS.ProcessEnv },
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs the crontab's job line (moved into `dir`) with the crontab's variables; returns the shell's exit code. */
  async function runCronJob(dir: string, env: Record<string, string> = {}, job = 'crawl'): Promise<{ code: number | null; log: string }> {
    const tab = parseCrontab(read('crontab'), job);
    mkdirSync(dir, { recursive: true });
    const command = tab.command
      .replaceAll('cd /srv/nianbao', `cd ${ROOT}`)
      .replaceAll('/srv/nianbao/', `${dir}/`)
      .replaceAll('/var/log/nianbao/', `${dir}/`)
      .replaceAll('npx nianbao', `${process.execPath} ${BIN}`);
    const r = await run('/bin/sh', ['-c', command], {
      env: { PATH: `${bin}:${process.env['PATH']}`, HOME: tmp.dir, ...tab.env, NIANBAO_SITES: registry, ...env },
    });
    const logFile = join(dir, 'crawl.log');
    return { code: r.code, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
  }

  it('cron: the schedule and $NIANBAO_SCHEDULE agree; a night that crawls sends no mail and logs JSON lines, the summary and the next run', async () => {
    const tab = parseCrontab(read('crontab'));
    expect(tab.env['NIANBAO_SCHEDULE']).toBe(tab.schedule);
    const dir = join(tmp.dir, 'ok');
    const first = await runCronJob(dir);
    expect(first.code).toBe(0);
    expect(first.log).toContain('"event":"done"');
    expect(first.log).toContain('previous crawl: none');
    const next = nextScheduledRun(tab.schedule)!;
    expect(first.log).toContain(`next scheduled crawl: ${next.getFullYear()}-`);
    expect(first.log).toMatch(/next scheduled crawl: \d{4}-\d\d-\d\d 02:30 \(schedule "30 2 \* \* \*"\)/);
    const second = await runCronJob(dir);
    expect(second.code).toBe(0);
    expect(second.log).toMatch(/previous crawl: run 1, started .*\(ok; \d+ new report\(s\)/);
    expect(existsSync(mailLog)).toBe(false);
  }, 180_000);

  it('cron: exit 75 (last night still running) sends no mail; exit 1 (broken setup) mails the log tail', async () => {
    const dir = join(tmp.dir, 'busy');
    expect((await runCronJob(dir)).code).toBe(0);
    const db = new Database(join(dir, 'nianbao.db'));
    recordLiveRun(db, 'crawl', process.pid);
    db.close();
    const busy = await runCronJob(dir);
    expect(busy.code).toBe(0);
    expect(busy.log).toContain('NB_RUN_BUSY');
    expect(existsSync(mailLog)).toBe(false);

    const broken = await runCronJob(join(tmp.dir, 'broken'), { NIANBAO_SITES: join(tmp.dir, 'no-such-registry.json') });
    expect(broken.code).toBe(0);
    const mail = readFileSync(mailLog, 'utf8');
    expect(mail).toContain('subject: nianbao crawl exited 1');
    expect(mail).toContain('no-such-registry.json');
  }, 180_000);

  it('cron: the prune line runs after the crawl as written (0, its summary in the log) and waits for a running crawl (75: no mail)', async () => {
    const dir = join(tmp.dir, 'prune');
    expect((await runCronJob(dir)).code).toBe(0);
    const pruned = await runCronJob(dir, {}, 'prune');
    expect(pruned.code).toBe(0);
    expect(pruned.log).toContain('history older than 90 day(s)');
    expect(pruned.log).toMatch(/"label":"prune"/);
    const db = new Database(join(dir, 'nianbao.db'));
    recordLiveRun(db, 'crawl', process.pid);
    db.close();
    const busy = await runCronJob(dir, {}, 'prune');
    expect(busy.code).toBe(0);
    expect(busy.log).toContain('nianbao prune: a crawl is running on this database');
    expect(existsSync(mailLog) ? readFileSync(mailLog, 'utf8') : '').not.toContain('nianbao prune');
  }, 180_000);

  it('systemd: 75 is a success, the timer fires when $NIANBAO_SCHEDULE says, and ExecStart crawls', async () => {
    const service = parseUnit(read('nianbao-crawl.service'));
    const timer = parseUnit(read('nianbao-crawl.timer'));
    expect(service['Service']!['SuccessExitStatus']).toEqual(['75']);
    expect(service['Service']!['Type']).toEqual(['oneshot']);
    const env: Record<string, string> = {};
    for (const e of service['Service']!['Environment'] ?? []) {
      const [k, ...v] = e.replace(/^"|"$/g, '').split('=');
      env[k!] = v.join('=');
    }
    const schedule = env['NIANBAO_SCHEDULE']!;
    const [minute, hour] = schedule.split(' ');
    expect(timer['Timer']!['OnCalendar']).toEqual([`*-*-* ${hour!.padStart(2, '0')}:${minute!.padStart(2, '0')}:00`]);
    expect(timer['Timer']!['Persistent']).toEqual(['true']);
    expect(timer['Install']!['WantedBy']).toEqual(['timers.target']);

    const dir = join(tmp.dir, 'systemd');
    mkdirSync(dir);
    const exec = service['Service']!['ExecStart']![0]!.replace('/usr/bin/env npx nianbao', `${process.execPath} ${BIN}`).replaceAll('/srv/nianbao/', `${dir}/`);
    const [cmd, ...args] = exec.split(/\s+/);
    const r = await run(cmd!, args, { cwd: ROOT, env: { ...process.env, ...env, NIANBAO_SITES: registry } });
    expect([0, 75]).toContain(r.code);
    expect(r.stdout).toContain('next scheduled crawl:');
    expect(r.stderr).toContain('"event":"done"');
    // Then the prune, as ExecStartPost= runs it (its "-" prefix: a failure does not fail the unit).
    const post = service['Service']!['ExecStartPost']![0]!;
    expect(post.startsWith('-/usr/bin/env npx nianbao prune ')).toBe(true);
    const [pcmd, ...pargs] = post
      .slice(1)
      .replace('/usr/bin/env npx nianbao', `${process.execPath} ${BIN}`)
      .replaceAll('/srv/nianbao/', `${dir}/`)
      .split(/\s+/);
    const p = await run(pcmd!, pargs, { cwd: ROOT, env: { ...process.env, ...env } });
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('history older than 90 day(s)');

    const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (analyze.status === 0) {
      const v = spawnSync('systemd-analyze', ['verify', '--man=no', join(NIGHTLY, 'nianbao-crawl.timer'), join(NIGHTLY, 'nianbao-crawl.service')], {
        encoding: 'utf8',
      });
      expect(v.stderr).not.toMatch(/Unknown (key|section)|Failed to parse/);
    }
  }, 180_000);

  it('logrotate: copytruncate (the crawl keeps its log open) and compression', () => {
    const conf = read('logrotate.conf');
    expect(conf).toContain('/var/log/nianbao/crawl.log {');
    expect(conf).toMatch(/^\s+copytruncate$/m);
    expect(conf).toMatch(/^\s+compress$/m);
    expect(parseCrontab(read('crontab')).command).toContain('/var/log/nianbao/crawl.log');
  });

  it('docs/crawl.md shows each recipe exactly', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'crawl.md'), 'utf8');
    for (const f of ['crontab', 'logrotate.conf', 'nianbao-crawl.service', 'nianbao-crawl.timer']) expect(doc).toContain(read(f).trimEnd());
  });
});
