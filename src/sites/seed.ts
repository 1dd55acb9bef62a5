/**
 * Builds a registry from the research seed list (`snapshots/portals/sites.tsv`: agency, level,
 * province, url, cms, source_of_this_info). Pure: text in, registry out. `sites/registry.json` was
 * generated with `node --import tsx src/sites/seed.ts snapshots/portals/sites.tsv sites/registry.json`
 * and may be edited by hand afterwards.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AdapterId } from '../../parsers/sites/types.js';
import { LEVELS, saveRegistry, validateRegistry, type Level, type Registry, type SiteInput } from './registry.js';

/** Maps the seed list's free-text `cms` column to an adapter id. */
export function adapterFromCms(cms: string): AdapterId {
  const c = cms.trim().toLowerCase();
  if (c.startsWith('trs-fujian')) return 'trs-fujian';
  if (c.startsWith('hanweb')) return 'hanweb';
  if (c.startsWith('vsb')) return 'vsb';
  if (/^trs(\b|-like)/.test(c)) return 'trs-classic';
  return 'generic';
}

/** A registry name from an entry URL's host (`www.bjmy.gov.cn` → `bjmy`, `rsj.km.gov.cn` → `rsj-km`). */
export function nameFromUrl(url: string): string {
  const host = new URL(url).hostname.toLowerCase();
  const core = host
    .replace(/^www\./, '')
    .replace(/\.(gov|com|org|edu)\.cn$/, '')
    .replace(/\.cn$/, '');
  return core.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The agency without the seed list's parenthesised remarks. */
function cleanAgency(agency: string): { agency: string; note?: string } {
  const m = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(agency);
  const main = (m ? m[1]! : agency).trim();
  // Drop host names the seed list appended to inferred agencies ("榆林市 hb.yl.gov.cn").
  const words = main.split(/\s+/).filter((w) => !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(w));
  const dropped = main.split(/\s+/).filter((w) => !words.includes(w));
  const note = [m?.[2]?.trim(), ...dropped.map((d) => `host ${d}`)].filter(Boolean).join('; ');
  return note ? { agency: words.join(' '), note } : { agency: words.join(' ') };
}

/** City and county read from the agency name (`六盘水市水城区人民政府` → 六盘水市 / 水城区). */
export function regionFromAgency(agency: string, level: Level, province: string | null): { city?: string; county?: string } {
  const municipality = province !== null && ['北京', '上海', '天津', '重庆'].includes(province);
  const out: { city?: string; county?: string } = {};
  const a = agency.replace(/^(北京|上海|天津|重庆)市/, '');
  const city = /^([^省市区县]{1,8}市)/.exec(a)?.[1];
  if (city && !municipality && !/省/.test(a.slice(0, a.indexOf(city)))) out.city = city;
  if (level === 'county' && out.city && /^(人民政府|党工委|管委会)?$/.test(a.slice(out.city.length))) {
    // A county-level city (绵竹市人民政府).
    return { county: out.city };
  }
  if (level === 'county' || (municipality && level !== 'province')) {
    const rest = out.city ? a.slice(out.city.length) : a;
    const county = /^(.{1,10}?(?:区|县|市|旗))(?:人民政府|党工委|管委会|$|[^区县市旗])/.exec(rest)?.[1];
    if (county && county !== out.city) out.county = county;
  }
  return out;
}

/** Parses the seed TSV into a validated registry. Throws `RegistryError` if a row is unusable. */
export function seedRegistryFromTsv(tsv: string): Registry {
  const lines = tsv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()?.split('\t') ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`sites.tsv: missing column ${name}`);
    return i;
  };
  const [iAgency, iLevel, iProvince, iUrl, iCms, iSource] = ['agency', 'level', 'province', 'url', 'cms', 'source_of_this_info'].map(col);
  const names = new Set<string>();
  const sites: SiteInput[] = lines.map((line) => {
    const f = line.split('\t');
    const get = (i: number | undefined) => (i === undefined ? '' : (f[i] ?? '').trim());
    const url = get(iUrl);
    const rawLevel = get(iLevel);
    const level: Level = (LEVELS as readonly string[]).includes(rawLevel) ? (rawLevel as Level) : 'department';
    const rawProvince = get(iProvince);
    const province = rawProvince === 'national' || rawProvince === '' ? null : rawProvince;
    const { agency, note } = cleanAgency(get(iAgency));
    let name = nameFromUrl(url);
    for (let n = 2; names.has(name); n++) name = `${nameFromUrl(url)}-${n}`;
    names.add(name);
    const cms = get(iCms);
    const site: SiteInput = {
      name,
      agency,
      region: { province, ...regionFromAgency(agency, level, province) },
      level,
      entries: [url],
      adapter: adapterFromCms(cms),
      cms,
      source: get(iSource),
      enabled: true,
      overrides: {},
    };
    if (note) site.notes = note;
    // Notes from the research that change how the site must be fetched.
    if (/\bGBK\b/i.test(cms)) site.overrides = { ...site.overrides, encoding: 'gbk' };
    return site;
  });
  return validateRegistry({ version: 1, sites }, 'sites.tsv');
}

// Script entry: node --import tsx src/sites/seed.ts <sites.tsv> <registry.json>
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [tsvPath, outPath] = process.argv.slice(2);
  if (!tsvPath || !outPath) {
    process.stderr.write('usage: node --import tsx src/sites/seed.ts <sites.tsv> <registry.json>\n');
    process.exit(2);
  }
  const reg = seedRegistryFromTsv(readFileSync(tsvPath, 'utf8'));
  saveRegistry(outPath, reg);
  process.stdout.write(`${outPath}: ${reg.sites.length} sites\n`);
}
