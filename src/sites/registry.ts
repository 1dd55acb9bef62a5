/**
 * The site registry: a JSON file listing the portals to crawl (agency, region, level, entry URLs,
 * CMS adapter, per-site overrides). `loadRegistry` validates it with zod; every error names the
 * file, line, column and JSON path of the offending field.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import iconv from 'iconv-lite';
import { NianbaoError } from '../../parsers/errors.js';
import { ADAPTER_IDS, type AdapterId } from '../../parsers/sites/types.js';
import { JsonSyntaxError, locate, parseLocated, type Position } from './json-locate.js';

export type RegistryErrorCode =
  | 'NB_REGISTRY_READ' // the file cannot be read
  | 'NB_REGISTRY_SYNTAX' // not valid JSON
  | 'NB_REGISTRY_INVALID'; // valid JSON, but a field is wrong (see `issues`)

export interface RegistryIssue {
  /** JSON path in dotted form, e.g. `sites[3].overrides.rateMs`. */
  path: string;
  /** 1-based line and column of the field (or of its nearest parent), when known. */
  line?: number;
  column?: number;
  message: string;
}

/** The registry file could not be read, parsed or validated. */
export class RegistryError extends NianbaoError {
  declare readonly code: RegistryErrorCode;
  readonly file: string;
  readonly issues: RegistryIssue[];
  constructor(code: RegistryErrorCode, file: string, issues: RegistryIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((i) => `${file}${i.line ? `:${i.line}:${i.column ?? 1}` : ''}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
    super(code, issues.length === 1 ? lines[0]! : `${file}: ${issues.length} problems\n  ${lines.join('\n  ')}`, options);
    this.file = file;
    this.issues = issues;
  }
}

/** Default minimum time between two requests to one host, in ms. */
export const DEFAULT_RATE_MS = 1000;
/** Default number of concurrent requests to one host. */
export const DEFAULT_CONCURRENCY = 1;
/** Default browser policy. */
export const DEFAULT_BROWSER: BrowserPolicy = 'auto';

export type BrowserPolicy = 'never' | 'auto' | 'always';

const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'expected an absolute http(s) URL' },
);

const nonEmpty = z.string().trim().min(1, { message: 'must not be empty' });

/** An `allowHosts` entry: `host`, `host:port` or `*.domain`, lower-case (an IPv6 host in brackets). */
const allowHost = z
  .string()
  .regex(/^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/, {
    message: 'expected a lower-case host, host:port or *.domain (no scheme, no path)',
  });

export const selectorsSchema = z.strictObject({
  /** CSS selector of the list container on list pages. */
  list: nonEmpty.optional(),
  /** CSS selector of report links. */
  link: nonEmpty.optional(),
  /** CSS selector of "next page" links. */
  next: nonEmpty.optional(),
  /** CSS selector of the report body on detail pages. */
  body: nonEmpty.optional(),
});

export const overridesSchema = z.strictObject({
  /** CSS selectors replacing the adapter's own choices. */
  selectors: selectorsSchema.optional(),
  /**
   * Charset to decode this site's pages with, when header/meta/sniffing get it wrong
   * (any iconv-lite name: `gbk`, `gb18030`, `utf-8`…). @default undefined (detect)
   */
  encoding: z
    .string()
    .refine((e) => iconv.encodingExists(e), { message: 'unknown encoding (use an iconv-lite name such as gbk, gb18030, utf-8)' })
    .optional(),
  /** Minimum ms between two requests to this site's hosts. @default 1000 */
  rateMs: z.number().int().min(0).max(3_600_000).optional(),
  /** Concurrent requests to one host of this site. @default 1 */
  concurrency: z.number().int().min(1).max(16).optional(),
  /** Browser policy: `never`, `auto` (on evidence: script-built list, 412/521 challenge), `always`. @default 'auto' */
  browser: z.enum(['never', 'auto', 'always']).optional(),
  /** `insecure` accepts bad certificates for this site (recorded in the run). @default 'strict' */
  tls: z.enum(['strict', 'insecure']).optional(),
  /** Crawl even where robots.txt disallows it (a documented, human-approved exception). @default false */
  ignoreRobots: z.boolean().optional(),
  /** Stop after this many list pages per run. @default undefined (no limit) */
  maxPages: z.number().int().min(1).optional(),
});

export const LEVELS = ['national', 'province', 'city', 'county', 'township', 'department'] as const;
export type Level = (typeof LEVELS)[number];

export const siteSchema = z.strictObject({
  /** Unique slug: lower-case letters, digits and dashes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected a slug of a-z, 0-9 and -' }),
  /** The agency (机关) publishing the reports, as it names itself. */
  agency: nonEmpty,
  /** Where the agency sits. `province: null` means national. */
  region: z.strictObject({
    province: nonEmpty.nullable(),
    city: nonEmpty.optional(),
    county: nonEmpty.optional(),
  }),
  level: z.enum(LEVELS),
  /** Entry URLs: the report column when known, else the portal's home page. */
  entries: z.array(httpUrl).min(1, { message: 'at least one entry URL is required' }),
  /** Discovery adapter, or `auto` to fingerprint the entry page. */
  adapter: z.enum([...ADAPTER_IDS, 'auto'] as unknown as [AdapterId | 'auto', ...(AdapterId | 'auto')[]]),
  /** Free-text note on the CMS family (from the seed list). */
  cms: z.string().optional(),
  /** Where the information about this site came from. */
  source: z.string().optional(),
  notes: z.string().optional(),
  /** Disabled sites are kept in the file but not crawled. @default true */
  enabled: z.boolean().default(true),
  /**
   * Hosts besides the site's own domain (the registrable domain of its entries, e.g. any
   * `*.pingtan.gov.cn`) that its crawl may request: attachment or CDN hosts. `host`, `host:port`
   * or `*.domain` (any subdomain of domain, default port). Anything else is refused
   * (`NB_FETCH_OUT_OF_SCOPE`) and recorded, never requested. @default []
   */
  allowHosts: z.array(allowHost).optional(),
  /**
   * The site lives on this machine or a private network (the demo portal, tests): its hosts may be
   * loopback or private addresses. Only the address check is skipped, never the host list. Every
   * other site is refused such addresses (`NB_FETCH_PRIVATE_ADDRESS`). @default false
   */
  local: z.boolean().optional(),
  overrides: overridesSchema.default({}),
});

export const registrySchema = z
  .strictObject({
    version: z.literal(1),
    sites: z.array(siteSchema),
  })
  .superRefine((reg, ctx) => {
    const seen = new Map<string, number>();
    reg.sites.forEach((s, i) => {
      const prev = seen.get(s.name);
      if (prev !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['sites', i, 'name'], message: `duplicate site name "${s.name}" (also sites[${prev}])` });
      } else seen.set(s.name, i);
    });
  });

export type SiteSelectorsConfig = z.output<typeof selectorsSchema>;
export type SiteOverrides = z.output<typeof overridesSchema>;
export type Site = z.output<typeof siteSchema>;
/** A site as written in the file (defaults not applied). */
export type SiteInput = z.input<typeof siteSchema>;
export type Registry = z.output<typeof registrySchema>;

/** `['sites', 3, 'overrides', 'rateMs']` → `sites[3].overrides.rateMs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function issuesFrom(error: z.ZodError, positions: Map<string, Position> | undefined): RegistryIssue[] {
  const out: RegistryIssue[] = [];
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const k of keys) {
      const path = k === undefined ? issue.path : [...issue.path, k];
      const pos = positions ? locate(positions, path) : undefined;
      const message = issue.code === 'unrecognized_keys' ? `unknown field "${k}"` : issue.message;
      const entry: RegistryIssue = { path: formatPath(path), message };
      if (pos) {
        entry.line = pos.line;
        entry.column = pos.column;
      }
      out.push(entry);
    }
  }
  return out;
}

/** Validates registry text (JSON). `file` names it in errors. Throws `RegistryError`. */
export function parseRegistry(text: string, file = '<registry>'): Registry {
  let located;
  try {
    located = parseLocated(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new RegistryError('NB_REGISTRY_SYNTAX', file, [
        { path: '', line: err.position.line, column: err.position.column, message: `invalid JSON: ${err.message.replace(/ at line \d+, column \d+$/, '')}` },
      ]);
    }
    throw err;
  }
  return validateRegistry(located.value, file, located.positions);
}

/** Validates an already-parsed registry value. Throws `RegistryError`. */
export function validateRegistry(value: unknown, file = '<registry>', positions?: Map<string, Position>): Registry {
  const r = registrySchema.safeParse(value);
  if (!r.success) throw new RegistryError('NB_REGISTRY_INVALID', file, issuesFrom(r.error, positions));
  return r.data;
}

/** Reads and validates a registry file. Throws `RegistryError` (code tells read/syntax/invalid). */
export function loadRegistry(path: string): Registry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RegistryError('NB_REGISTRY_READ', path, [{ path: '', message: `cannot read: ${(err as Error).message}` }], { cause: err });
  }
  return parseRegistry(text, path);
}

/** Pretty JSON for a registry (stable key order as in the schema). */
export function serializeRegistry(reg: Registry): string {
  return `${JSON.stringify(reg, null, 2)}\n`;
}

/** Writes a registry atomically (temp file + rename) after validating it. */
export function saveRegistry(path: string, reg: Registry): void {
  const valid = validateRegistry(reg, path);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, serializeRegistry(valid));
  renameSync(tmp, path);
}

/** Returns a new registry with `site` added (validated; the name must be new). */
export function addSite(reg: Registry, site: SiteInput): Registry {
  return validateRegistry({ ...reg, sites: [...reg.sites, site] });
}

/** The site named `name`, or undefined. */
export function findSite(reg: Registry, name: string): Site | undefined {
  return reg.sites.find((s) => s.name === name);
}

/** Effective per-site settings with defaults applied. */
export interface SiteSettings {
  rateMs: number;
  concurrency: number;
  browser: BrowserPolicy;
  tls: 'strict' | 'insecure';
  ignoreRobots: boolean;
  encoding?: string;
  maxPages?: number;
  selectors: SiteSelectorsConfig;
}

export function siteSettings(site: Site): SiteSettings {
  const o = site.overrides;
  const s: SiteSettings = {
    rateMs: o.rateMs ?? DEFAULT_RATE_MS,
    concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
    browser: o.browser ?? DEFAULT_BROWSER,
    tls: o.tls ?? 'strict',
    ignoreRobots: o.ignoreRobots ?? false,
    selectors: o.selectors ?? {},
  };
  if (o.encoding) s.encoding = o.encoding;
  if (o.maxPages) s.maxPages = o.maxPages;
  return s;
}
