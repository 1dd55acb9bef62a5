import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RegistryError,
  addSite,
  loadRegistry,
  parseRegistry,
  saveRegistry,
  siteSettings,
  DEFAULT_RATE_MS,
} from '../../src/sites/registry.js';
import { adapterFromCms, nameFromUrl, seedRegistryFromTsv } from '../../src/sites/seed.js';
import { ADAPTER_IDS } from '../../parsers/sites/index.js';
import { ROOT } from './_pages.js';

const dir = mkdtempSync(join(tmpdir(), 'nb-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tsv = readFileSync(join(ROOT, 'snapshots', 'portals', 'sites.tsv'), 'utf8');
const tsvRows = tsv
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'));

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`not in text: ${needle}`);
  return text.slice(0, i).split('\n').length;
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function catchRegistry(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError');
}

const good = (overrides = '{}') => `{
  "version": 1,
  "sites": [
    {
      "name": "pingtan",
      "agency": "平潭综合实验区党工委管委会",
      "region": { "province": "福建", "county": "平潭综合实验区" },
      "level": "county",
      "entries": ["https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"],
      "adapter": "trs-fujian",
      "overrides": ${overrides}
    }
  ]
}
`;

describe('the shipped registry (sites/registry.json)', () => {
  const reg = loadRegistry(join(ROOT, 'sites', 'registry.json'));

  it('validates and holds every row of sites.tsv', () => {
    expect(reg.sites).toHaveLength(tsvRows.length);
    const urls = reg.sites.map((s) => s.entries[0]);
    for (const row of tsvRows) expect(urls).toContain(row[3]);
    expect(new Set(reg.sites.map((s) => s.name)).size).toBe(reg.sites.length);
  });

  it('maps the cms column to adapters', () => {
    for (const row of tsvRows) {
      const site = reg.sites.find((s) => s.entries[0] === row[3])!;
      expect(site.adapter).toBe(adapterFromCms(row[4]!));
      expect(site.cms).toBe(row[4]);
      expect(ADAPTER_IDS).toContain(site.adapter);
    }
    const by = (n: string) => reg.sites.find((s) => s.name === n)!;
    expect(by('pingtan').adapter).toBe('trs-fujian');
    expect(by('mva').adapter).toBe('trs-classic');
    expect(by('jshrss-jiangsu').adapter).toBe('hanweb');
    expect(by('bjdx').adapter).toBe('generic');
    expect(by('bjchy').overrides.encoding).toBe('gbk');
    expect(by('mva').region.province).toBeNull();
    expect(by('shuicheng').region).toEqual({ province: '贵州', city: '六盘水市', county: '水城区' });
  });

  it('is what the seed script makes of sites.tsv', () => {
    expect(seedRegistryFromTsv(tsv)).toEqual(reg);
  });

  it('applies documented defaults', () => {
    const s = siteSettings(reg.sites[0]!);
    expect(s).toMatchObject({ rateMs: DEFAULT_RATE_MS, concurrency: 1, browser: 'auto', tls: 'strict', ignoreRobots: false });
  });
});

describe('registry validation errors name the file, line and field', () => {
  it('a bad field value', () => {
    const text = good('{ "rateMs": "fast", "browser": "sometimes" }');
    const line = lineOf(text, '"rateMs"');
    const p = write('bad-rate.json', text);
    const e = catchRegistry(() => loadRegistry(p));
    expect(e.code).toBe('NB_REGISTRY_INVALID');
    const rate = e.issues.find((i) => i.path === 'sites[0].overrides.rateMs')!;
    const browser = e.issues.find((i) => i.path === 'sites[0].overrides.browser')!;
    expect(rate.line).toBe(line);
    expect(rate.column).toBe(text.split('\n')[line - 1]!.indexOf('"fast"') + 1);
    expect(browser.line).toBe(line);
    expect(rate.message).toMatch(/number/);
    expect(browser.message).toMatch(/never.*auto.*always/);
    expect(e.message).toContain(`${p}:${line}:`);
    expect(e.message).toContain('sites[0].overrides.rateMs');
  });

  it('an unknown field, a bad URL, a missing field and a bad adapter', () => {
    const text = good().replace('"adapter": "trs-fujian"', '"adapter": "wordpress",\n      "colour": "red"').replace('"https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"', '"ftp://example.org/"').replace('"level": "county",\n', '');
    const e = catchRegistry(() => parseRegistry(text, 'x.json'));
    const paths = Object.fromEntries(e.issues.map((i) => [i.path, i]));
    expect(paths['sites[0].colour']?.message).toBe('unknown field "colour"');
    expect(paths['sites[0].colour']?.line).toBe(lineOf(text, '"colour"'));
    expect(paths['sites[0].adapter']?.line).toBe(lineOf(text, '"wordpress"'));
    expect(paths['sites[0].entries[0]']?.message).toMatch(/http\(s\) URL/);
    expect(paths['sites[0].entries[0]']?.line).toBe(lineOf(text, '"ftp://'));
    expect(paths['sites[0].level']?.line).toBe(lineOf(text, '"name"') - 1); // missing: the object's own line
    expect(e.message).toMatch(/x\.json: 4 problems/);
  });

  it('duplicate names and an unknown encoding', () => {
    const one = JSON.parse(good()).sites[0];
    const text = JSON.stringify({ version: 1, sites: [one, { ...one, overrides: { encoding: 'klingon' } }] }, null, 2);
    const e = catchRegistry(() => parseRegistry(text, 'dup.json'));
    expect(e.issues.map((i) => i.path).sort()).toEqual(['sites[1].name', 'sites[1].overrides.encoding']);
    expect(e.issues.find((i) => i.path === 'sites[1].name')!.message).toMatch(/duplicate site name "pingtan"/);
  });

  it('invalid JSON gives the line and column', () => {
    const text = good().replace('"level": "county",', '"level": "county"');
    const e = catchRegistry(() => parseRegistry(text, 'broken.json'));
    expect(e.code).toBe('NB_REGISTRY_SYNTAX');
    const line = lineOf(text, '"entries"'); // the parser stops at the token after the missing comma
    expect(e.issues[0]).toMatchObject({ line, column: 7 });
    expect(e.message).toMatch(new RegExp(`^broken\\.json:${line}:7: invalid JSON: expected ',' or '}'`));
  });

  it('a missing file', () => {
    const e = catchRegistry(() => loadRegistry(join(dir, 'nope.json')));
    expect(e.code).toBe('NB_REGISTRY_READ');
  });
});

describe('editing a registry', () => {
  it('adds a site, refuses a duplicate, and writes a file that loads back', () => {
    const reg = parseRegistry(good());
    const more = addSite(reg, {
      name: 'mva',
      agency: '退役军人事务部',
      region: { province: null },
      level: 'department',
      entries: ['https://www.mva.gov.cn/gongkai/zfxxgkpt/zfxxgknb/'],
      adapter: 'auto',
    });
    expect(more.sites.map((s) => s.name)).toEqual(['pingtan', 'mva']);
    expect(more.sites[1]!.enabled).toBe(true);
    expect(() => addSite(more, { ...more.sites[1]! })).toThrow(/duplicate site name "mva"/);
    const p = join(dir, 'saved.json');
    saveRegistry(p, more);
    expect(loadRegistry(p)).toEqual(more);
  });

  it('derives names and adapters from the seed columns', () => {
    expect(nameFromUrl('https://www.bjmy.gov.cn/zwgk/')).toBe('bjmy');
    expect(nameFromUrl('https://rsj.km.gov.cn/zfxxgk/zfxxgknb/')).toBe('rsj-km');
    expect(adapterFromCms('trs-like (index_{n}.shtml)')).toBe('trs-classic');
    expect(adapterFromCms('unknown (shtml, TRS-like)')).toBe('generic');
    expect(adapterFromCms('hanweb jpaas (script text/xml datastore + nextgroup)')).toBe('hanweb');
  });
});
