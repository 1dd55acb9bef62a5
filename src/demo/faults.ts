/**
 * Fault mode of the demo portal: per-URL misbehaviour beyond the basic `{status}` / `{stall}` /
 * `{reset}` steps of `site-types.ts` — bodies of any size streamed without ever being buffered, a
 * stall in the middle of a body, a gzip bomb, redirects (loops), challenge pages (412 瑞数 / 521
 * 加速乐), and report pages served with a wrong or missing charset, a wrong Content-Type, tags that
 * never close or megabytes of padding — plus the `faulty` demo site that mixes all of them with
 * good report pages (`startDemoPortal({ faulty: true })`).
 *
 * Every streamed body is generated chunk by chunk under back-pressure: a client that stops
 * reading stops the generation, and the request log's `written` says how many bytes the server
 * produced.
 */
import type http from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import iconv from 'iconv-lite';
import { z } from 'zod';
import { corpusDoc, projectRoot, rewritePlace, type CorpusDoc } from './corpus.js';
import { esc } from './page-html.js';
import type { DemoSiteDef, FaultStep, Route } from './site-types.js';
import { renderReport } from './sites.js';

/** How a report page is mangled by a `{ page }` fault step. */
export interface PageFault {
  /** Corpus report (`snapshots/corpus/<doc>.html`) served, with the site's place-name rewrite. */
  doc: string;
  /** Content-Type header sent as is (e.g. `text/plain`, `text/html; charset=iso-8859-1`). @default 'text/html; charset=utf-8' */
  contentType?: string;
  /** Bytes on the wire. @default 'utf-8' */
  encoding?: 'utf-8' | 'gbk';
  /** Remove every `<meta … charset …>` from the page. @default false */
  stripMetaCharset?: boolean;
  /** Remove every closing tag (`</td>`, `</tr>`, `</table>`, `</p>`, `</body>` …). @default false */
  unclosed?: boolean;
  /** Insert this many bytes of padding (an HTML comment) after `<body>`, streamed. @default 0 */
  padBytes?: number;
}

/** Fault steps of this module (in addition to site-types.ts's `FaultStep`). */
export type ExtraFaultStep =
  /** 200 with `body` bytes of filler HTML, streamed; `chunked` leaves out Content-Length. */
  | { body: number; chunked?: boolean }
  /** 200, Content-Length of a normal page, `after` bytes of it, then silence for `stallBody` ms and a closed socket. */
  | { stallBody: number; after?: number }
  /** 200 `Content-Encoding: gzip` whose body inflates to `gzipBomb` bytes of zeros (compressed on the fly). */
  | { gzipBomb: number }
  /** A redirect to `redirect` (a path on the same site or a URL). @default status 302 */
  | { redirect: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** A challenge page: 412 瑞数-style (`$_ts` script) or 521 加速乐-style (`__jsl_clearance` script). */
  | { challenge: 412 | 521 }
  /** A report page, mangled. */
  | { page: PageFault };

export type AnyFaultStep = FaultStep | ExtraFaultStep;

/** A per-path fault sequence; with `repeat` the last step applies to every later request. */
export interface PortalFaultRule {
  site: string;
  /** Path (with query when the route has one). */
  path: string;
  steps: AnyFaultStep[];
  /** Keep applying the last step once the sequence is used up. @default false */
  repeat?: boolean;
}

export const extraFaultStepSchema = z.union([
  z.strictObject({ body: z.number().int().min(0), chunked: z.boolean().optional() }),
  z.strictObject({ stallBody: z.number().int().min(0), after: z.number().int().min(0).optional() }),
  z.strictObject({ gzipBomb: z.number().int().min(1) }),
  z.strictObject({ redirect: z.string().min(1), status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).optional() }),
  z.strictObject({ challenge: z.union([z.literal(412), z.literal(521)]) }),
  z.strictObject({
    page: z.strictObject({
      doc: z.string().min(1),
      contentType: z.string().optional(),
      encoding: z.enum(['utf-8', 'gbk']).optional(),
      stripMetaCharset: z.boolean().optional(),
      unclosed: z.boolean().optional(),
      padBytes: z.number().int().min(0).optional(),
    }),
  }),
]);

/** True for the steps {@link serveExtraFault} handles. */
export function isExtraFaultStep(step: AnyFaultStep): step is ExtraFaultStep {
  return ['body', 'stallBody', 'gzipBomb', 'redirect', 'challenge', 'page'].some((k) => k in step);
}

/** What {@link serveExtraFault} records on the request log entry. */
export interface FaultLogFields {
  fault?: string;
  /** Bytes the server produced for the body (streamed faults; compressed bytes for the gzip bomb). */
  written?: number;
}

export interface FaultServeContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  site: DemoSiteDef;
  /** Absolute URL of the request. */
  url: URL;
  entry: FaultLogFields;
  /** Timers the portal clears on close. */
  timers: Set<NodeJS.Timeout>;
  root?: string;
}

const CHUNK = 64 * 1024;

/** A stream of `total` bytes made of `chunk` repeated (the last one cut), counted into `entry.written`. */
function repeatStream(chunk: Buffer, total: number, entry: FaultLogFields): Readable {
  let left = total;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      entry.written = (entry.written ?? 0) + n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/** Concatenates streams/buffers lazily into one readable. */
function concat(parts: (Buffer | (() => Readable))[], entry: FaultLogFields): Readable {
  async function* gen() {
    for (const p of parts) {
      if (Buffer.isBuffer(p)) {
        entry.written = (entry.written ?? 0) + p.length;
        yield p;
      } else {
        for await (const c of p()) yield c as Buffer;
      }
    }
  }
  return Readable.from(gen(), { objectMode: false, highWaterMark: CHUNK });
}

function send(ctx: FaultServeContext, status: number, headers: Record<string, string>, body: Readable | Buffer): void {
  const { req, res } = ctx;
  res.writeHead(status, { Server: 'nianbao-demo', ...headers });
  if (req.method === 'HEAD') return void res.end();
  if (Buffer.isBuffer(body)) {
    ctx.entry.written = (ctx.entry.written ?? 0) + body.length;
    return void res.end(body);
  }
  // pipeline destroys the generator when the client goes away: generation stops there.
  pipeline(body, res, () => {});
}

const FILLER = Buffer.from('<p>填充内容 padding padding padding padding padding padding padding padding padding padding</p>\n'.repeat(600));

/** The report page of a `{ page }` step, as bytes around the padding point. */
export function mangledPage(p: PageFault, site: DemoSiteDef, url: string, root = projectRoot()): { head: Buffer; tail: Buffer } {
  let html = renderReport(corpusDoc(p.doc, root), site, url);
  const enc = p.encoding ?? 'utf-8';
  if (p.stripMetaCharset) html = html.replace(/<meta\b[^>]*charset[^>]*>/gi, '');
  else if (enc === 'gbk') html = html.replace(/charset=["']?utf-8["']?/gi, 'charset=gbk');
  if (p.unclosed) html = html.replace(/<\/(?!script|style|title|textarea)[a-z][a-z0-9]*\s*>/gi, '');
  const m = /<body\b[^>]*>/i.exec(html);
  const cut = m ? m.index + m[0].length : 0;
  const code = (s: string) => (enc === 'gbk' ? iconv.encode(s, 'gbk') : Buffer.from(s, 'utf8'));
  return { head: code(html.slice(0, cut)), tail: code(html.slice(cut)) };
}

function challengeBody(status: 412 | 521): Buffer {
  if (status === 412) {
    return Buffer.from(
      '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta id="FSSBBIl1UgzbN7N8" content="x7Hk2qP">' +
        '<script type="text/javascript">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=48213;$_ts.cd="qEr7rGAlqsVhW1qhq9Qm";</script>' +
        '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.3f1c.js" r="m"></script></head><body></body></html>',
    );
  }
  return Buffer.from(
    '<html><head><meta charset="utf-8"></head><body><script>document.cookie=("__jsl_clearance_s=")+(+new Date())+("|0|")+(";max-age=3600;path=/");location.href=location.pathname+location.search</script></body></html>',
  );
}

/**
 * Answers a request with an {@link ExtraFaultStep}. Sets `ctx.entry.fault` to the kind
 * (`body`, `stall-body`, `gzip-bomb`, `redirect`, `challenge-412`, `page`) and counts the bytes
 * produced into `ctx.entry.written`.
 */
export function serveExtraFault(step: ExtraFaultStep, ctx: FaultServeContext): void {
  const { entry } = ctx;
  entry.written = 0;
  if ('body' in step) {
    entry.fault = 'body';
    const head = Buffer.from('<!DOCTYPE html><html><head><meta charset="utf-8"><title>大文件</title></head><body>\n');
    const total = Math.max(step.body, head.length);
    const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
    if (!step.chunked) headers['Content-Length'] = String(total);
    return send(ctx, 200, headers, concat([head, () => repeatStream(FILLER, total - head.length, entry)], entry));
  }
  if ('stallBody' in step) {
    entry.fault = 'stall-body';
    const { head, tail } = mangledPage({ doc: 'fujian-pingtan-2016' }, ctx.site, ctx.url.href, ctx.root);
    const full = Buffer.concat([head, tail]);
    const after = Math.min(step.after ?? 1024, full.length - 1);
    ctx.res.writeHead(200, { Server: 'nianbao-demo', 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(full.length) });
    ctx.res.write(full.subarray(0, after));
    entry.written = after;
    const sock = ctx.req.socket;
    const t = setTimeout(() => {
      ctx.timers.delete(t);
      sock.destroy();
    }, step.stallBody);
    ctx.timers.add(t);
    sock.once('close', () => {
      clearTimeout(t);
      ctx.timers.delete(t);
    });
    return;
  }
  if ('gzipBomb' in step) {
    entry.fault = 'gzip-bomb';
    const zeros = Buffer.alloc(1024 * 1024);
    let left = step.gzipBomb;
    const source = new Readable({
      highWaterMark: 1024 * 1024,
      read() {
        if (left <= 0) return void this.push(null);
        const n = Math.min(left, zeros.length);
        left -= n;
        this.push(n === zeros.length ? zeros : zeros.subarray(0, n));
      },
    });
    const gz = createGzip({ level: zlibConstants.Z_BEST_COMPRESSION });
    gz.on('data', (c: Buffer) => (entry.written = (entry.written ?? 0) + c.length));
    ctx.res.writeHead(200, { Server: 'nianbao-demo', 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'gzip' });
    if (ctx.req.method === 'HEAD') return void ctx.res.end();
    pipeline(source, gz, ctx.res, () => {});
    return;
  }
  if ('redirect' in step) {
    entry.fault = 'redirect';
    const location = new URL(step.redirect, ctx.url).href;
    return send(
      ctx,
      step.status ?? 302,
      { Location: location, 'Content-Type': 'text/html; charset=utf-8' },
      Buffer.from(`<a href="${esc(location)}">moved</a>`),
    );
  }
  if ('challenge' in step) {
    entry.fault = `challenge-${step.challenge}`;
    return send(ctx, step.challenge, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, challengeBody(step.challenge));
  }
  entry.fault = 'page';
  const p = step.page;
  const { head, tail } = mangledPage(p, ctx.site, ctx.url.href, ctx.root);
  const pad = p.padBytes ?? 0;
  const open = Buffer.from('<!-- ');
  const close = Buffer.from(' -->');
  const padParts =
    pad > 0 ? [open, () => repeatStream(Buffer.from('padding 填充 '.repeat(4096)), Math.max(0, pad - open.length - close.length), entry), close] : [];
  const total = head.length + tail.length + (pad > 0 ? Math.max(pad, open.length + close.length) : 0);
  return send(
    ctx,
    200,
    { 'Content-Type': p.contentType ?? 'text/html; charset=utf-8', 'Content-Length': String(total) },
    concat([head, ...padParts, tail], entry),
  );
}

// ---------------------------------------------------------------------------------------------
// The `faulty` site

/** A fault the `faulty` site serves, with what a crawl must make of it. */
export interface FaultySiteCase {
  /** Short name (`reset`, `huge-200mb`, …). */
  name: string;
  path: string;
  /** Listed title (a report title, so the crawler tries it). */
  title: string;
  /**
   * `stored`: a good report behind the fault (its values must be stored); `failed`: must be
   * recorded as failed with a reason; `blocked`: robots.txt disallows it (never requested).
   */
  outcome: 'stored' | 'failed' | 'blocked';
  /** Corpus report whose values a `stored` case must carry. */
  doc?: string;
}

export const FAULTY_PLACE = '癸县';
const MB = 1024 * 1024;

/**
 * The `faulty` demo site (癸县人民政府, generic list page): six good corpus reports, five of them
 * behind a recoverable fault (429 + Retry-After, a burst of 5xx, a 10 MB padded page, GBK with no
 * charset anywhere, tags that never close, a header charset that contradicts the page's meta), and eight
 * listed "reports" that can never be read (reset, stall mid-body, a 200 MB chunked body, a gzip
 * bomb, a redirect loop, a 412 challenge, a 500 that never ends, robots.txt Disallow).
 */
export function buildFaultySite(root = projectRoot()): { def: DemoSiteDef; rules: PortalFaultRule[]; cases: FaultySiteCase[] } {
  const doc = (n: string): CorpusDoc => corpusDoc(n, root);
  const dir = '/xxgk/ndbg/';
  const site = 'faulty';
  const title = (d: CorpusDoc) => rewritePlace(d.title, FAULTY_PLACE);
  const fakeTitle = (year: number) => `${FAULTY_PLACE}人民政府${year}年政府信息公开工作年度报告`;
  const cases: FaultySiteCase[] = [];
  const rules: PortalFaultRule[] = [];
  const routes = new Map<string, Route>();
  const good = (name: string, d: string, path: string, steps: AnyFaultStep[]) => {
    cases.push({ name, path, title: title(doc(d)), outcome: 'stored', doc: d });
    if (steps.length) rules.push({ site, path, steps, repeat: true });
    else routes.set(path, { kind: 'report', doc: d });
  };
  const bad = (name: string, year: number, path: string, steps: AnyFaultStep[], outcome: 'failed' | 'blocked' = 'failed') => {
    cases.push({ name, path, title: fakeTitle(year), outcome });
    if (steps.length) rules.push({ site, path, steps, repeat: true });
  };

  // Listed (and crawled) in this order: faults that slow the host down (429, 503, timeouts) come
  // last, so that the politeness back-off they cause does not delay the rest.
  good('control', 'fujian-pingtan-2025', `${dir}2025/good.html`, []);
  good('padded-10mb', 'fujian-pingtan-2019', `${dir}2019/big.html`, [{ page: { doc: 'fujian-pingtan-2019', padBytes: 10 * MB } }]);
  good('gbk-no-charset', 'fujian-pingtan-2017', `${dir}2017/gbk.html`, [
    { page: { doc: 'fujian-pingtan-2017', encoding: 'gbk', stripMetaCharset: true, contentType: 'text/html' } },
  ]);
  good('unclosed-tags', 'fujian-pingtan-2016', `${dir}2016/unclosed.html`, [{ page: { doc: 'fujian-pingtan-2016', unclosed: true } }]);
  good('wrong-content-type', 'fujian-pingtan-2025', `${dir}2025/octet.html`, [
    { page: { doc: 'fujian-pingtan-2025', contentType: 'application/octet-stream' } },
  ]);
  bad('reset', 2015, `${dir}2015/reset.html`, [{ reset: true }]);
  bad('huge-200mb', 2013, `${dir}2013/huge.html`, [{ body: 200 * MB, chunked: true }]);
  bad('gzip-bomb', 2012, `${dir}2012/bomb.html`, [{ gzipBomb: 1024 * MB }]);
  bad('redirect-loop', 2011, `${dir}2011/loop-a.html`, [{ redirect: `${dir}2011/loop-b.html` }]);
  rules.push({ site, path: `${dir}2011/loop-b.html`, steps: [{ redirect: `${dir}2011/loop-a.html` }], repeat: true });
  bad('challenge-412', 2010, `${dir}2010/challenge.html`, [{ challenge: 412 }]);
  bad('robots-disallow', 2008, `/private${dir}2008/secret.html`, [], 'blocked');
  routes.set(`/private${dir}2008/secret.html`, { kind: 'report', doc: 'fujian-pingtan-2016' });
  bad('always-500', 2009, `${dir}2009/down.html`, [{ status: 500 }]);
  good('burst-5xx', 'fujian-pingtan-2021', `${dir}2021/burst.html`, [{ status: 502 }, { status: 503 }, { page: { doc: 'fujian-pingtan-2021' } }]);
  good('retry-after-429-wrong-charset', 'fujian-pingtan-2023', `${dir}2023/busy.html`, [
    { status: 429, retryAfter: 1 },
    { status: 429, retryAfter: 1 },
    { page: { doc: 'fujian-pingtan-2023', contentType: 'text/html; charset=iso-8859-1' } },
  ]);
  bad('stall-mid-body', 2014, `${dir}2014/stall.html`, [{ stallBody: 60_000, after: 2048 }]);

  const list = () => {
    const items = cases
      .map(
        (c, i) =>
          `<li><a href="${esc(c.path)}" title="${esc(c.title)}" target="_blank">${esc(c.title)}</a><span class="date">${2026 - i}-03-0${1 + (i % 9)}</span></li>`,
      )
      .join('\n');
    return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>政府信息公开年报_${FAULTY_PLACE}人民政府</title></head><body>
<h2>政府信息公开年报</h2>
<ul class="list">
${items}
</ul></body></html>`;
  };
  routes.set(dir, { kind: 'html', render: list });
  routes.set(`${dir}index.html`, { kind: 'html', render: list });

  const def: DemoSiteDef = {
    name: site,
    description:
      'Misbehaving server: resets, stalls mid-body, 200 MB and gzip-bomb bodies, redirect loop, 412 challenge, endless 503, robots Disallow — mixed with good reports behind 429/5xx bursts, a 10 MB page, bad charsets and unclosed tags',
    family: 'unknown CMS',
    adapter: 'generic',
    agency: `${FAULTY_PLACE}人民政府`,
    place: FAULTY_PLACE,
    region: { province: '演示省', county: FAULTY_PLACE },
    level: 'county',
    entryPath: `${dir}index.html`,
    charset: 'utf-8',
    robots: 'User-agent: *\nDisallow: /private/\n',
    routes,
    reports: cases.filter((c) => c.outcome === 'stored').map((c) => ({ path: c.path, doc: c.doc!, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: cases.filter((c) => c.outcome === 'blocked').map((c) => ({ path: c.path, title: c.title })),
    faults: [],
  };
  return { def, rules, cases };
}
