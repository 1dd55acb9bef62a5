/**
 * A minimal crawler used by the tests to prove that the adapters and the demo portal agree: it
 * walks one site over real HTTP with plain `fetch`, obeys robots.txt, drives the adapter (lists,
 * hubs, API requests) and collects the report links, attachments, browser evidence and
 * challenges. Not the project's crawler: no politeness, no snapshots, no retries.
 */
import iconv from 'iconv-lite';
import robotsParser from 'robots-parser';
import {
  detectChallenge,
  fingerprintCms,
  findAttachments,
  getAdapter,
  type AdapterId,
  type ApiRequest,
  type AttachmentLink,
  type Challenge,
  type ReportLink,
} from '../../parsers/sites/index.js';

type RobotsFactory = (url: string, contents: string) => { isAllowed(url: string, ua?: string): boolean | undefined };
const makeRobots = robotsParser as unknown as RobotsFactory;

export interface WalkResult {
  adapter: AdapterId;
  reports: Map<string, ReportLink>;
  /** Attachments found on each report page. */
  attachments: Map<string, AttachmentLink[]>;
  needsBrowser: string[];
  challenges: Challenge[];
  /** URLs skipped because robots.txt disallows them. */
  robotsBlocked: string[];
  fetched: string[];
}

const UA = 'nianbao-test-walker';

/** Decodes a body: charset from Content-Type, else from a meta tag in the first 2 KB, else UTF-8. */
export function decodeBody(bytes: Buffer, contentType: string | null): string {
  const header = /charset=([\w-]+)/i.exec(contentType ?? '')?.[1];
  const head = bytes.subarray(0, 2048).toString('latin1');
  const meta = /<meta[^>]+charset=["']?([\w-]+)/i.exec(head)?.[1];
  const cs = (header ?? meta ?? 'utf-8').toLowerCase();
  return /^(gb2312|gbk|gb18030|x-gbk)$/.test(cs) ? iconv.decode(bytes, 'gb18030') : bytes.toString('utf8');
}

export async function fetchText(url: string, init?: RequestInit & { cookie?: string }) {
  const headers: Record<string, string> = { 'user-agent': UA };
  if (init?.cookie) headers.cookie = init.cookie;
  const res = await fetch(url, { ...init, headers: { ...headers, ...(init?.headers as Record<string, string> | undefined) } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: decodeBody(bytes, res.headers.get('content-type')) };
}

/** Walks a site from `entry` with the given adapter (or the fingerprinted one). */
export async function walkSite(entry: string, adapterId?: AdapterId, opts: { maxPages?: number; maxDepth?: number } = {}): Promise<WalkResult> {
  const maxPages = opts.maxPages ?? 40;
  const maxDepth = opts.maxDepth ?? 3;
  const origin = new URL(entry).origin;
  const robotsRes = await fetchText(`${origin}/robots.txt`);
  const robots = makeRobots(`${origin}/robots.txt`, robotsRes.status === 200 ? robotsRes.text : '');
  const result: WalkResult = {
    adapter: adapterId ?? 'generic',
    reports: new Map(),
    attachments: new Map(),
    needsBrowser: [],
    challenges: [],
    robotsBlocked: [],
    fetched: [],
  };
  type Job = { url: string; depth: number; request?: ApiRequest };
  const queue: Job[] = [{ url: entry, depth: 0 }];
  const seen = new Set<string>([`GET ${entry} `]);
  let adapterChosen = adapterId !== undefined;
  while (queue.length && result.fetched.length < maxPages) {
    const job = queue.shift()!;
    if (robots.isAllowed(job.url, UA) === false) {
      result.robotsBlocked.push(job.url);
      continue;
    }
    const init: RequestInit =
      job.request?.method === 'POST'
        ? { method: 'POST', body: job.request.body ?? '', headers: { 'content-type': job.request.contentType ?? 'application/x-www-form-urlencoded' } }
        : {};
    const r = await fetchText(job.request?.url ?? job.url, init);
    result.fetched.push(job.request?.key ?? job.url);
    const ch = detectChallenge(r.status, r.text);
    if (ch) {
      result.challenges.push(ch);
      continue;
    }
    if (r.status !== 200) continue;
    if (!adapterChosen) {
      result.adapter = fingerprintCms(r.text, job.url).id;
      adapterChosen = true;
    }
    const adapter = getAdapter(result.adapter);
    const isJson = /json/.test(r.headers.get('content-type') ?? '');
    const d = adapter.discover(
      isJson
        ? { url: job.url, json: JSON.parse(r.text), ...(job.request ? { request: job.request } : {}) }
        : { url: job.url, html: r.text, ...(job.request ? { request: job.request } : {}) },
    );
    for (const rep of d.reports) if (!result.reports.has(rep.url)) result.reports.set(rep.url, rep);
    if (d.needsBrowser) result.needsBrowser.push(d.needsBrowser);
    const next: Job[] = [];
    if (job.depth < maxDepth) {
      for (const u of [...d.lists, ...(d.hubs ?? [])]) next.push({ url: u, depth: job.depth + 1 });
    }
    for (const a of d.api ?? []) next.push({ url: a.url, depth: job.depth, request: a });
    for (const n of next) {
      const key = n.request?.key ?? `GET ${n.url} `;
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push(n);
    }
  }
  for (const rep of result.reports.values()) {
    if (rep.kind !== 'page') continue;
    if (robots.isAllowed(rep.url, UA) === false) {
      result.robotsBlocked.push(rep.url);
      continue;
    }
    const r = await fetchText(rep.url);
    result.fetched.push(rep.url);
    if (r.status === 200) result.attachments.set(rep.url, findAttachments(r.text, rep.url));
  }
  return result;
}
