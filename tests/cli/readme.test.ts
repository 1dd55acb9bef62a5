import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { cliReference, readmeReference } from '../../scripts/cli-reference.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README is the CLI reference', async () => {
  const commands = (await buildProgram()).commands;

  it('documents every command with its current options', () => {
    expect(commands.length).toBeGreaterThanOrEqual(11);
    for (const cmd of commands) {
      expect(readme, cmd.name()).toContain(`#### nianbao ${cmd.name()}`);
      for (const opt of cmd.options) expect(readme, `${cmd.name()} ${opt.flags}`).toContain(opt.long ?? opt.flags);
    }
  });

  it('shows every --help exactly as this version prints it (npm run docs:cli rewrites it)', async () => {
    expect(readmeReference(readme)).toBe(await cliReference());
  });

  it('loads only the command it runs, with the same options as in the full program', async () => {
    for (const cmd of commands) {
      const alone = (await buildProgram(cmd.name())).commands;
      expect(alone.map((c) => c.name())).toContain(cmd.name());
      expect(alone.length).toBeLessThan(commands.length);
      expect(alone.find((c) => c.name() === cmd.name())!.options.map((o) => o.flags)).toEqual(cmd.options.map((o) => o.flags));
    }
    expect((await buildProgram('no-such-command')).commands.length).toBe(commands.length);
  });

  it('shows the two commands of a fresh machine', () => {
    expect(readme).toContain('npm install && npx nianbao demo');
    expect(readme).toContain('npm test');
  });
});
