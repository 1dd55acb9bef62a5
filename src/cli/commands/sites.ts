/**
 * `nianbao sites list|add|check`: the site registry. `list` prints it, `add` appends a validated
 * site to the registry file, `check` fetches each entry page politely, fingerprints the CMS and says
 * what a crawl would do there (nothing is stored).
 */
import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkSites, formatSiteChecks } from '../../crawl/check.js';
import { EXIT, collectSites, loadRegistryFrom, registrySource } from '../crawl-support.js';
import { ADAPTER_IDS } from '../../../parsers/sites/types.js';
import { addSite, LEVELS, loadRegistry, saveRegistry, validateRegistry, type Registry, type SiteInput } from '../../sites/registry.js';
import { reportCommandError, terminalSafe } from '../command-support.js';
import { formatTable } from '../../store/format.js';

interface AddOptions {
  sites?: string;
  name: string;
  agency: string;
  entry: string[];
  level: (typeof LEVELS)[number];
  province?: string;
  city?: string;
  county?: string;
  adapter: string;
  cms?: string;
  source?: string;
  notes?: string;
  rateMs?: number;
  browser?: 'never' | 'auto' | 'always';
  encoding?: string;
  disabled?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function nonNegative(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a whole number.');
  return Number(v);
}

export function registerSites(program: Command): void {
  const sites = program.command('sites').description('the site registry: list, add and check the portals to crawl');

  sites
    .command('list')
    .description('list the sites of the registry')
    .option('--sites <file|url>', 'site registry (default: $NIANBAO_SITES, else ./sites/registry.json, else the shipped one)')
    .option('--json', 'print the registry as JSON')
    .action(async (opts: { sites?: string; json?: boolean }) => {
      const source = registrySource(opts.sites);
      let reg: Registry;
      try {
        reg = await loadRegistryFrom(source);
      } catch (err) {
        reportCommandError('sites list', err);
        return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(reg)}\n`);
        return;
      }
      const rows = reg.sites.map((s) => [
        s.name,
        s.enabled ? 'yes' : 'no',
        s.level,
        [s.region.province ?? '(national)', s.region.city, s.region.county].filter(Boolean).join(' '),
        s.agency,
        s.adapter,
        s.entries.join(' '),
      ]);
      process.stdout.write(formatTable(['name', 'enabled', 'level', 'region', 'agency', 'adapter', 'entry'], rows, { maxWidth: 90 }));
      process.stdout.write(`${reg.sites.length} site(s), ${reg.sites.filter((s) => s.enabled).length} enabled — ${terminalSafe(source)}\n`);
    });

  sites
    .command('add')
    .description('add a site to the registry file (validated; the name must be new)')
    .option('--sites <file>', 'registry file to change (default: $NIANBAO_SITES, else ./sites/registry.json; created when missing)')
    .requiredOption('--name <slug>', 'unique name: a-z, 0-9 and -')
    .requiredOption('--agency <name>', 'the agency publishing the reports')
    .requiredOption('--entry <url>', 'entry URL: the report column, else the home page (repeat for more)', collect)
    .addOption(new Option('--level <level>', 'administrative level').choices([...LEVELS]).makeOptionMandatory())
    .option('--province <name>', 'province (omit for a national agency)')
    .option('--city <name>', 'city')
    .option('--county <name>', 'county or district')
    .addOption(new Option('--adapter <id>', 'discovery adapter').choices([...ADAPTER_IDS, 'auto']).default('auto'))
    .option('--cms <text>', 'note on the CMS family')
    .option('--source <text>', 'where the information came from')
    .option('--notes <text>', 'free notes')
    .option('--rate-ms <ms>', 'minimum ms between two requests to the site (default 1000)', nonNegative)
    .addOption(new Option('--browser <policy>', 'browser policy').choices(['never', 'auto', 'always']))
    .option('--encoding <charset>', 'charset override (gbk, gb18030, utf-8 …)')
    .option('--disabled', 'add it disabled')
    .action((opts: AddOptions) => {
      const file = opts.sites ?? process.env['NIANBAO_SITES'] ?? 'sites/registry.json';
      if (/^https?:\/\//i.test(file)) {
        reportCommandError('sites add', new Error('--sites must be a file to add a site to'));
        return;
      }
      try {
        const reg: Registry = existsSync(file) ? loadRegistry(file) : validateRegistry({ version: 1, sites: [] }, file);
        const overrides: NonNullable<SiteInput['overrides']> = {};
        if (opts.rateMs !== undefined) overrides.rateMs = opts.rateMs;
        if (opts.browser) overrides.browser = opts.browser;
        if (opts.encoding) overrides.encoding = opts.encoding;
        const site: SiteInput = {
          name: opts.name,
          agency: opts.agency,
          region: {
            province: opts.province ?? null,
            ...(opts.city ? { city: opts.city } : {}),
            ...(opts.county ? { county: opts.county } : {}),
          },
          level: opts.level,
          entries: opts.entry,
          adapter: opts.adapter as SiteInput['adapter'],
          ...(opts.cms ? { cms: opts.cms } : {}),
          ...(opts.source ? { source: opts.source } : {}),
          ...(opts.notes ? { notes: opts.notes } : {}),
          enabled: opts.disabled !== true,
          overrides,
        };
        const next = addSite(reg, site);
        saveRegistry(file, next);
        process.stdout.write(
          `added ${opts.name} to ${file} (${next.sites.length} site(s)); try it with: nianbao sites check --sites ${file} --site ${opts.name}\n`,
        );
      } catch (err) {
        reportCommandError('sites add', err);
      }
    });

  sites
    .command('check')
    .description('fetch each entry page, fingerprint the CMS and report what a crawl would do (nothing is stored)')
    .option('--sites <file|url>', 'site registry (default: $NIANBAO_SITES, else ./sites/registry.json, else the shipped one)')
    .option('--site <name>', 'only this site (repeat, or comma-separated)', collectSites)
    .option('--contact <url>', 'URL or mailto: put in the User-Agent (default: $NIANBAO_CONTACT)')
    .option('--ignore-robots', 'do not fetch or obey robots.txt (prints a warning)')
    .option('--interval-ms <ms>', 'minimum time between two requests to one host (default 1000)', nonNegative)
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { sites?: string; site?: string[]; contact?: string; ignoreRobots?: boolean; intervalMs?: number; json?: boolean }) => {
      let reg: Registry;
      try {
        reg = await loadRegistryFrom(registrySource(opts.sites));
      } catch (err) {
        reportCommandError('sites check', err);
        return;
      }
      if (opts.ignoreRobots) process.stderr.write('nianbao sites check: warning: --ignore-robots: robots.txt is neither fetched nor obeyed.\n');
      const contact = opts.contact ?? process.env['NIANBAO_CONTACT'];
      try {
        const checks = await checkSites(reg, {
          ...(opts.site?.length ? { sites: opts.site } : {}),
          ...(contact ? { contactUrl: contact } : {}),
          ignoreRobots: opts.ignoreRobots === true,
          ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(checks)}\n`);
        else process.stdout.write(formatSiteChecks(checks));
        process.exitCode = EXIT.OK;
      } catch (err) {
        reportCommandError('sites check', err);
      }
    });
}
