/**
 * What an agency's name says about it: its region (行政区划), level, kind, and the identity key
 * under which two spellings of one body are the same agency by rule. Pure: no I/O.
 *
 * Identity rules (the only automatic merges; anything else is at most a review candidate):
 * - a people's government: the region alone (`丙县`, as titles name it), `丙县人民政府`, `丙县政府`,
 *   `平潭综合实验区党工委管委会`, `…管委会`, `…管理委员会`, `阿城区蜚克图街道办事处` → `gov:<region>`;
 * - its general office: `丙县人民政府办公室`, `丙县政府办公室`, `…办公厅`, `丙县政府办` → `office:<region>`;
 * - any other name: itself (NFKC, whitespace removed), so `丙县教育局` and `丙县教育体育局` stay two
 *   agencies (a possible rename, listed for review by {@link reviewSimilarity}).
 */

/** agencies.kind: the deadline rule (src/store/deadline.ts) reads it. */
export const AGENCY_KINDS = ['government', 'government_office', 'department', 'township', 'other'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

/** agencies.level: the tier of the region the agency belongs to (`department` only from a registry). */
export const AGENCY_LEVELS = ['national', 'province', 'city', 'county', 'township', 'department'] as const;
export type AgencyLevel = (typeof AGENCY_LEVELS)[number];

/** Agency identity key of a self-name: NFKC, all whitespace removed (agency_aliases.alias). */
export function agencyKey(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '');
}

export interface Region {
  province: string | null;
  city: string | null;
  county: string | null;
  township: string | null;
}

export interface NameFacts {
  /** Rule identity (`gov:<region>`, `office:<region>`, or the key itself). */
  identity: string;
  kind: AgencyKind;
  /** The deepest tier named; null when the name names no region. */
  level: AgencyLevel | null;
  region: Region;
  /** The regions named, concatenated (`福建省福州市鼓楼区`); '' when none. */
  regionPath: string;
  /** The name without its leading region (`教育局` of `丙县教育局`). */
  rest: string;
}

const MUNICIPALITIES = /^(?:北京市|上海市|天津市|重庆市)/;
const PROVINCE = /^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区)|北京市|上海市|天津市|重庆市)/;
const CITY = /^[\u4e00-\u9fff]{1,8}?(?:自治州|市|州(?!市)|盟|地区)/;
const COUNTY = /^[\u4e00-\u9fff]{1,9}?(?:自治县|自治旗|综合实验区|实验区|新区|开发区|高新区|区|县|旗|市)/;
const TOWNSHIP = /^[\u4e00-\u9fff]{1,8}?(?:街道|镇|乡)/;
/** Words that end a region part: what follows is a body, not a place (`城市管理局` is no 城市). */
const BODY_WORDS = /政府|管理|委员|局|厅|办|中心|公司|学校|医院|服务|监督|发展|改革|建设|城市|市场|社区|园区|工作/;

function take(re: RegExp, s: string): string | null {
  const m = re.exec(s);
  if (!m || BODY_WORDS.test(m[0])) return null;
  return m[0];
}

/** The regions a name starts with, tier by tier (a municipality is a province). */
export function regionOf(name: string): { region: Region; rest: string } {
  let s = agencyKey(name);
  const region: Region = { province: null, city: null, county: null, township: null };
  const province = take(PROVINCE, s);
  if (province) {
    region.province = province;
    s = s.slice(province.length);
  }
  // A municipality's districts are counties (上海市浦东新区); elsewhere a city comes next.
  if (!(province && MUNICIPALITIES.test(province))) {
    const city = take(CITY, s);
    if (city && s.length > city.length - 1) {
      region.city = city;
      s = s.slice(city.length);
    }
  }
  const county = take(COUNTY, s);
  if (county) {
    region.county = county;
    s = s.slice(county.length);
  }
  const township = take(TOWNSHIP, s);
  if (township) {
    region.township = township;
    s = s.slice(township.length);
  }
  return { region, rest: s };
}

const GOV_SUFFIX = /(?:人民政府|政府|党工委管委会|党工委、管委会|党工委管理委员会|管理委员会|管委会|办事处)$/;
const OFFICE_SUFFIX = /(?:人民政府|政府)(?:办公室|办公厅|办)$/;
const DEPARTMENT = /(?:局|厅|委员会|委|部|署|办公室|办|中心|院|所|队|站|馆|会|处|科)$/;

/** Region, level, kind and rule identity of a name. */
export function nameFacts(name: string): NameFacts {
  const key = agencyKey(name);
  const { region, rest } = regionOf(key);
  const regionPath = [region.province, region.city, region.county, region.township].filter(Boolean).join('');
  const level: AgencyLevel | null = region.township
    ? 'township'
    : region.county
      ? 'county'
      : region.city
        ? 'city'
        : region.province
          ? 'province'
          : /^(?:国务院|中华人民共和国|国家)/.test(key)
            ? 'national'
            : null;
  const township = region.township !== null;
  if (regionPath && (rest === '' || (GOV_SUFFIX.test(rest) && rest.replace(GOV_SUFFIX, '') === ''))) {
    // 办事处 is the government of a 街道 only.
    if (!(rest === '办事处' && !/街道$/.test(regionPath))) {
      return { identity: `gov:${regionPath}`, kind: township ? 'township' : 'government', level, region, regionPath, rest };
    }
  }
  if (regionPath && OFFICE_SUFFIX.test(rest) && rest.replace(OFFICE_SUFFIX, '') === '') {
    return { identity: `office:${regionPath}`, kind: 'government_office', level, region, regionPath, rest };
  }
  const kind: AgencyKind = DEPARTMENT.test(key) ? 'department' : 'other';
  return { identity: key, kind, level, region, regionPath, rest };
}

/** The bigrams of a string, each as often as it occurs (a string of one character is its own gram). */
function bigrams(s: string): string[] {
  return s.length < 2 ? [s] : Array.from({ length: s.length - 1 }, (_, i) => s.slice(i, i + 2));
}

/** A multiset of bigrams: how often each occurs, and how many there are in all. */
interface GramCounts {
  counts: Map<string, number>;
  total: number;
}

function gramCounts(s: string): GramCounts {
  const counts = new Map<string, number>();
  const grams = bigrams(s);
  for (const g of grams) counts.set(g, (counts.get(g) ?? 0) + 1);
  return { counts, total: grams.length };
}

/**
 * Bigram Dice coefficient (0 … 1): twice the grams the two have in common (each gram as often as
 * both have it) over all grams of both.
 */
function dice(a: GramCounts, b: GramCounts): number {
  const [small, large] = a.counts.size <= b.counts.size ? [a.counts, b.counts] : [b.counts, a.counts];
  let common = 0;
  for (const [g, n] of small) {
    const m = large.get(g);
    if (m !== undefined) common += n < m ? n : m;
  }
  return (2 * common) / (a.total + b.total);
}

/** Similarity rounded as it is stored (two decimals). */
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** A name part worth comparing: two Chinese characters or more (`教育局`, not `#17`). */
export const TWO_HAN = /[\u3400-\u9fff][^]*[\u3400-\u9fff]/u;

/** Similarity from which two agencies of one region and kind are listed for review. */
export const REVIEW_THRESHOLD = 0.4;

/** What {@link similarityOfFacts} compares of a name; a pure function of the name, computed once. */
export interface ReviewFacts {
  regionPath: string;
  kind: AgencyKind;
  identity: string;
  /** The name without its leading region. */
  rest: string;
  /** `rest` has two Chinese characters or more ({@link TWO_HAN}). */
  comparable: boolean;
  /** The bigrams of `rest`. */
  grams: GramCounts;
}

/** The review facts of a name. */
export function reviewFacts(name: string): ReviewFacts {
  const f = nameFacts(name);
  return { regionPath: f.regionPath, kind: f.kind, identity: f.identity, rest: f.rest, comparable: TWO_HAN.test(f.rest), grams: gramCounts(f.rest) };
}

/**
 * {@link reviewSimilarity} of two names given their {@link reviewFacts}. With `floor`, a
 * similarity below it may come back as 0 without the bigrams compared: Dice counts at most
 * min(|A|, |B|) grams in common, so it is at most 2·min(|A|, |B|) / (|A| + |B|), and when that
 * bound, rounded as the result is, is below `floor`, so is the result.
 */
export function similarityOfFacts(a: ReviewFacts, b: ReviewFacts, floor = 0): number {
  if (!a.regionPath || a.regionPath !== b.regionPath || a.kind !== b.kind || a.identity === b.identity) return 0;
  if (!a.comparable || !b.comparable) return 0;
  if (a.rest.includes(b.rest) || b.rest.includes(a.rest)) return 1;
  const na = a.grams.total;
  const nb = b.grams.total;
  if (round2((2 * (na < nb ? na : nb)) / (na + nb)) < floor) return 0;
  return round2(dice(a.grams, b.grams));
}

/**
 * How alike two names are as one body possibly named two ways (a rename, a variant): 0 unless
 * they name the same region and are of the same kind with different identities; then the bigram
 * Dice coefficient of the names without their region, or 1 when one contains the other.
 */
export function reviewSimilarity(a: string, b: string): number {
  return similarityOfFacts(reviewFacts(a), reviewFacts(b));
}
