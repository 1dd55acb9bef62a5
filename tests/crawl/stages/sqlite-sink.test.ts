/**
 * The embedded ReportSink on a real SQLite file and a corpus report: a parsed document stored with
 * its page in one unit, the same bytes found again, the same values at a known URL, a known
 * report URL gone.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PARSER_VERSION } from '../../../parsers/version.js';
import type { FrontierRow, PageCommit } from '../../../src/crawl/stages/contracts.js';
import { Got, fileNameOf } from '../../../src/crawl/stages/got.js';
import { SqliteFrontier } from '../../../src/crawl/stages/sqlite-frontier.js';
import { SqliteReportSink } from '../../../src/crawl/stages/sqlite-sink.js';
import type { FetchResult } from '../../../src/fetch/index.js';
import type { Site } from '../../../src/sites/registry.js';
import { openDatabase, type Db } from '../../../src/store/db.js';
import { sha256Hex } from '../../../src/store/snapshots.js';
import { ROOT, sidecar, tempDir, testSiteRegistry } from '../helpers.js';

const ORIGIN = 'http://127.0.0.1:9';
const SOURCE = 'fujian-pingtan-2016';
const BODY = readFileSync(join(ROOT, 'snapshots', 'corpus', `${SOURCE}.html`));

let tmp: ReturnType<typeof tempDir>;
let db: Db;
let frontier: SqliteFrontier;
let sink: SqliteReportSink;
let site: Site;
let runId: number;
let agencyId: number;

function fetched(url: string, body: Buffer, status = 200): Got {
  const res: FetchResult = {
    url,
    finalUrl: url,
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body,
    fetchedAt: new Date().toISOString(),
    redirects: [],
    notModified: false,
    attempts: 1,
    rawBytes: body.length,
    decodedEncodings: [],
    truncated: false,
    validators: {},
    kind: 'report',
    elapsedMs: 1,
  };
  return Got.of(res, undefined);
}

/** Queues `url` as a report of the site and returns its row. */
async function reportRow(url: string): Promise<FrontierRow> {
  const [entry] = await frontier.claim(site.name, 1, new Set());
  await frontier.commit({ runId, site: site.name, row: entry!, discovered: [{ key: url, url, site: site.name, kind: 'report', depth: 1 }] });
  return frontier.tables.get(url)!;
}

function pageFor(row: FrontierRow, got: Got, snapshotPath: string): PageCommit {
  return {
    runId,
    site: site.name,
    row,
    response: {
      url: row.url,
      method: 'GET',
      finalUrl: got.res.finalUrl,
      site: site.name,
      kind: row.kind,
      role: 'report',
      status: got.res.status,
      headers: got.res.headers,
      contentType: 'text/html',
      charset: got.charset,
      challenge: null,
      fetchMode: 'http',
      sha256: got.sha,
      size: got.res.body.length,
      snapshotPath,
      documentId: null,
      fetchedAt: got.res.fetchedAt,
    },
    finish: { state: 'done', status: got.res.status, sha256: got.sha, fetchedAt: got.res.fetchedAt, fetchMode: 'http' },
  };
}

async function store(row: FrontierRow, got: Got) {
  const snapshotPath = await sink.snapshot(got.res.body, got.sha);
  const outcome = await sink.parse(got.res.body, fileNameOf(got.res), 'text/html; charset=utf-8');
  const doc = { page: got, snapshotPath, fileName: fileNameOf(got.res), agencyId, site: site.name, row };
  return sink.storeReport(doc, outcome, pageFor(row, got, snapshotPath));
}

beforeEach(async () => {
  tmp = tempDir('nianbao-stage-sink-');
  db = openDatabase(join(tmp.dir, 's.db'));
  frontier = new SqliteFrontier(db);
  sink = new SqliteReportSink(frontier, { snapshotsDir: join(tmp.dir, 'snapshots'), parseWorkers: 0 });
  site = testSiteRegistry(ORIGIN).sites[0]!;
  runId = await frontier.startRun({}, PARSER_VERSION);
  agencyId = await frontier.ensureAgency(site);
  await frontier.prepareSite(site, { now: new Date().toISOString(), ignoreRobots: false, since: null, maxAttempts: 3, refresh: false });
});

afterEach(async () => {
  await sink.close();
  frontier.commitNow();
  db.close();
  tmp.cleanup();
});

describe('SqliteReportSink', () => {
  it('keeps a wire gzip only when it is the body’s: another body’s bytes are compressed anew', async () => {
    const sha = sha256Hex(BODY);
    const wire = gzipSync(BODY, { level: 9 });
    const kept = await sink.snapshot(BODY, sha, wire);
    const stored = (rel: string) => db.prepare('SELECT gz FROM snapshot_blobs WHERE sha256 = ?').get(rel.slice(3, 67)) as { gz: Buffer };
    expect(stored(kept).gz.equals(wire)).toBe(true);

    const other = Buffer.concat([BODY, Buffer.from('<!-- rendered -->')]);
    const rel = await sink.snapshot(other, sha256Hex(other), wire); // e.g. a page rebuilt from that response
    const gz = stored(rel).gz;
    expect(gz.equals(wire)).toBe(false);
    expect(gunzipSync(gz).equals(other)).toBe(true);
  });

  it('stores a parsed report with its page in one unit; the same bytes are then a known document', async () => {
    const row = await reportRow(`${ORIGIN}/nb/2016.html`);
    const got = fetched(row.url, BODY);
    const stored = await store(row, got);
    expect(stored).toMatchObject({ outcome: 'new', status: 'ok', revised: false });
    if (stored.outcome !== 'new') throw new Error('not stored');
    const report = db.prepare('SELECT r.year, d.url, d.sha256 FROM reports r JOIN documents d ON d.id = r.document_id').get();
    expect(report).toEqual({ year: sidecar(SOURCE).year, url: row.url, sha256: got.sha });
    // The page's frontier writes carry the document id.
    expect(db.prepare('SELECT state, document_id FROM frontier WHERE id = ?').get(row.id)).toEqual({ state: 'done', document_id: stored.documentId });
    expect(db.prepare('SELECT document_id, role FROM responses WHERE url = ?').get(row.url)).toEqual({ document_id: stored.documentId, role: 'report' });
    expect(await sink.knownDocument(got.sha)).toMatchObject({ documentId: stored.documentId });
    expect(await sink.documentUrl(stored.documentId)).toBe(row.url);

    // The same document at another URL: one more location, counted unchanged.
    const other = await reportRow(`${ORIGIN}/county/2016.html`);
    await sink.storeKnown(stored.documentId, { place: other.url, site: site.name, publisherId: agencyId, seenAt: got.res.fetchedAt }, pageFor(other, got, 'x'));
    expect(db.prepare('SELECT count(*) AS n FROM document_locations WHERE document_id = ?').get(stored.documentId)).toEqual({ n: 2 });
    expect(db.prepare('SELECT reports_unchanged FROM runs WHERE id = ?').get(runId)).toEqual({ reports_unchanged: 1 });
  });

  it('the same values at a known URL store nothing; a known report URL gone is vanished once, then again', async () => {
    const first = await reportRow(`${ORIGIN}/nb/2016.html`);
    const stored = await store(first, fetched(first.url, BODY));
    expect(stored.outcome).toBe('new');
    const row = frontier.tables.get(first.url)!;
    expect(row.document_id).not.toBeNull();
    // New bytes (a visit counter), the same report values.
    const same = await store(row, fetched(row.url, Buffer.concat([BODY, Buffer.from('<!-- visits: 12 -->')])));
    expect(same).toEqual({ outcome: 'same' });
    expect(db.prepare('SELECT count(*) AS n FROM documents').get()).toEqual({ n: 1 });

    const gone = fetched(row.url, Buffer.from('not found'), 404);
    const page: PageCommit = { runId, site: site.name, row, finish: { state: 'failed', status: 404, failedAttempt: true } };
    const vanished = { reason: 'gone' as const, status: 404, finalUrl: null, seenAt: gone.res.fetchedAt };
    expect(await sink.commitPage(page, { vanished })).toBe('new');
    expect(await sink.commitPage(page, { vanished })).toBe('again');
    expect(db.prepare("SELECT count(*) AS n FROM findings WHERE rule = 'report.vanished'").get()).toEqual({ n: 1 });
    // Back with a 304: the vanishing is closed.
    await sink.commitPage(
      { runId, site: site.name, row, finish: { state: 'done', status: 304 } },
      { returned: { url: row.url, at: new Date().toISOString() } },
    );
    expect(db.prepare("SELECT count(*) AS n FROM findings WHERE rule = 'report.vanished'").get()).toEqual({ n: 0 });
    // A row without a stored report has nothing to vanish.
    const entry = frontier.tables.get(site.entries[0]!)!;
    expect(await sink.commitPage({ runId, site: site.name, row: entry }, { vanished })).toBeNull();
  });
});
