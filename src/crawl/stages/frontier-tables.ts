/**
 * The SQLite frontier's tables, synchronously (the statements {@link SqliteFrontier} runs inside
 * its per-page units). The crawl's SQLite state (tables of migration 0002): the `frontier` queue, the `responses`
 * record of raw responses, `crawl_sites`, and the registry sites' rows in `agencies`. All
 * statements are prepared once; callers group them into one transaction per fetched page.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../store/db.js';
import type { Site } from '../../sites/registry.js';
import { type AgencyKind, agencyKey, nameFacts } from '../../agencies/names.js';
import { settleRegistryAgency } from '../../agencies/registry.js';
import type { FinishInfo, FrontierKind, FrontierRow, NewItem, ResponseRecord, SiteStateRow, UpsertResult } from './contracts.js';

export type { FinishInfo, FrontierKind, FrontierRow, FrontierState, NewItem, ResponseRecord, SiteStateRow, UpsertResult } from './contracts.js';

/** Fetch order within a site: entry pages, then lists and list APIs, then reports, then attachments. */
export const KIND_PRIO: Record<FrontierKind, number> = { entry: 0, list: 1, api: 1, report: 2, attachment: 3 };
const nowIso = (): string => new Date().toISOString();

/**
 * The due rows of a site, lists before reports, oldest first, `limit` of them. The limit is written
 * into the statement (one statement per limit asked, prepared once): with `LIMIT ?` bound per call,
 * SQLite took ≈ 30–40 µs more per call than the query itself, and a crawl claims a row several
 * times per page.
 */
const NEXT_WHERE = `FROM frontier
  WHERE site = ? AND state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
  ORDER BY prio, id LIMIT `;
const NEXT_SQL = `SELECT * ${NEXT_WHERE}`;
/**
 * The same rows' ids only: a claim skips the rows in flight, which come first, and a whole row
 * (≈ 25 columns made into an object) cost ≈ 9 µs against ≈ 1 µs for its id.
 */
const NEXT_IDS_SQL = `SELECT id ${NEXT_WHERE}`;
/** Limits above this share one statement bound per call. */
const NEXT_LITERAL_LIMITS = 64;

export class FrontierTables {
  readonly #db: Db;
  readonly #s;
  readonly #next = new Map<number, Statement<[string, string], FrontierRow>>();
  #nextBound: Statement<[string, string, number], FrontierRow> | undefined;
  readonly #nextIds = new Map<number, Statement<[string, string], number>>();
  #nextIdsBound: Statement<[string, string, number], number> | undefined;

  constructor(db: Db) {
    this.#db = db;
    this.#s = {
      byKey: db.prepare<[string], FrontierRow>('SELECT * FROM frontier WHERE key = ?'),
      byId: db.prepare<[number], FrontierRow>('SELECT * FROM frontier WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO frontier (key, url, method, body, request, site, kind, prio, state, depth, parent, title, year, role, meta,
           error_code, error, discovered_at)
         VALUES (@key, @url, @method, @body, @request, @site, @kind, @prio, @state, @depth, @parent, @title, @year, @role, @meta,
           @error_code, @error, @discovered_at)`,
      ),
      requeue: db.prepare(
        `UPDATE frontier SET state = 'queued', next_attempt_at = NULL, depth = MIN(depth, @depth),
           title = COALESCE(@title, title), year = COALESCE(@year, year), role = COALESCE(@role, role),
           meta = COALESCE(@meta, meta), error_code = NULL, error = NULL
         WHERE id = @id`,
      ),
      countQueued: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM frontier WHERE site = ? AND state = 'queued'"),
      finish: db.prepare(
        `UPDATE frontier SET state = @state, last_status = COALESCE(@status, last_status),
           etag = CASE WHEN @keep_validators THEN etag ELSE @etag END,
           last_modified = CASE WHEN @keep_validators THEN last_modified ELSE @last_modified END,
           sha256 = COALESCE(@sha256, sha256), error_code = @error_code, error = @error,
           fetch_mode = COALESCE(@fetch_mode, fetch_mode), document_id = COALESCE(@document_id, document_id),
           fetched_at = COALESCE(@fetched_at, fetched_at), next_attempt_at = @next_attempt_at,
           attempts = CASE WHEN @failed_attempt THEN attempts + 1 WHEN @state = 'done' THEN 0 ELSE attempts END,
           run_id = @run_id
         WHERE id = @id`,
      ),
      setMode: db.prepare('UPDATE frontier SET fetch_mode = ? WHERE id = ?'),
      seedEntry: db.prepare(
        `INSERT INTO frontier (key, url, method, site, kind, prio, state, depth, discovered_at)
         VALUES (@key, @url, 'GET', @site, 'entry', 0, 'queued', 0, @now)
         ON CONFLICT(key) DO UPDATE SET kind = 'entry', prio = 0, depth = 0, site = excluded.site,
           state = CASE WHEN frontier.state = 'blocked' AND frontier.next_attempt_at > @now AND NOT @ignore_robots
                        THEN frontier.state ELSE 'queued' END,
           next_attempt_at = CASE WHEN frontier.state = 'blocked' AND frontier.next_attempt_at > @now AND NOT @ignore_robots
                        THEN frontier.next_attempt_at ELSE NULL END`,
      ),
      requeueFailed: db.prepare(
        `UPDATE frontier SET state = 'queued'
         WHERE site = @site AND state = 'failed' AND attempts < @max_attempts AND (next_attempt_at IS NULL OR next_attempt_at <= @now)`,
      ),
      requeueBlocked: db.prepare(
        `UPDATE frontier SET state = 'queued', next_attempt_at = NULL
         WHERE site = @site AND state = 'blocked' AND (@ignore_robots OR next_attempt_at IS NULL OR next_attempt_at <= @now)`,
      ),
      requeueSkipped: db.prepare(
        `UPDATE frontier SET state = 'queued', error_code = NULL, error = NULL
         WHERE site = @site AND state = 'skipped' AND (
           error_code = 'NB_CRAWL_MAX_PAGES'
           OR (error_code = 'NB_CRAWL_SINCE' AND (@since IS NULL OR year IS NULL OR year >= @since)))`,
      ),
      requeueKnown: db.prepare(
        // A document refused by its budget is not fetched again, even with refresh: `reparse` reads its snapshot.
        `UPDATE frontier SET state = 'queued' WHERE site = @site AND state = 'done' AND kind IN ('list', 'api', 'report', 'attachment')
           AND COALESCE(error_code, '') NOT IN ('NB_PARSE_TOO_LARGE', 'NB_PARSE_TIMEOUT')`,
      ),
      // The known report URLs fetched longest ago (and not since `before`), for a revisit.
      requeueRevisit: db.prepare(
        `UPDATE frontier SET state = 'queued' WHERE id IN (
           SELECT id FROM frontier WHERE site = @site AND state = 'done' AND kind IN ('report', 'attachment')
             AND document_id IS NOT NULL AND COALESCE(error_code, '') NOT IN ('NB_PARSE_TOO_LARGE', 'NB_PARSE_TIMEOUT')
             AND (fetched_at IS NULL OR fetched_at <= @before)
           ORDER BY fetched_at, id LIMIT @limit)`,
      ),
      insertResponse: db.prepare(
        `INSERT INTO responses (url, method, final_url, site, kind, role, status, headers, content_type, charset, challenge,
           fetch_mode, sha256, size, snapshot_path, document_id, first_fetched_at, fetched_at, times_seen, run_id)
         VALUES (@url, @method, @final_url, @site, @kind, @role, @status, @headers, @content_type, @charset, @challenge,
           @fetch_mode, @sha256, @size, @snapshot_path, @document_id, @fetched_at, @fetched_at, 1, @run_id)
         ON CONFLICT(url, method, sha256) DO UPDATE SET
           final_url = excluded.final_url, role = excluded.role, status = excluded.status, headers = excluded.headers,
           content_type = excluded.content_type, charset = COALESCE(excluded.charset, charset),
           challenge = excluded.challenge, fetch_mode = excluded.fetch_mode,
           document_id = COALESCE(excluded.document_id, document_id), fetched_at = excluded.fetched_at,
           times_seen = times_seen + 1, run_id = excluded.run_id`,
      ),
      agencyByKey: db.prepare<[string], { id: number }>('SELECT id FROM agencies WHERE key = ?'),
      insertAgency: db.prepare(
        `INSERT INTO agencies (key, name, province, city, county, level, kind, portal, source, created_at)
         VALUES (@key, @name, @province, @city, @county, @level, @kind, @portal, 'registry', @now)`,
      ),
      updateAgency: db.prepare(
        `UPDATE agencies SET name = @name, province = @province, city = @city, county = @county, level = @level,
           kind = @kind, portal = @portal, source = 'registry' WHERE id = @id`,
      ),
      aliasAgency: db.prepare("INSERT OR IGNORE INTO agency_aliases (alias, agency_id, source) VALUES (?, ?, 'registry')"),
      siteRow: db.prepare<[string], SiteStateRow>('SELECT * FROM crawl_sites WHERE site = ?'),
      upsertSite: db.prepare(
        `INSERT INTO crawl_sites (site, agency_id, adapter, fingerprint, browser_reason, challenge, last_run_id, last_crawl_at,
           last_ok_at, consecutive_failures)
         VALUES (@site, @agency_id, @adapter, @fingerprint, @browser_reason, @challenge, @last_run_id, @last_crawl_at,
           @last_ok_at, @consecutive_failures)
         ON CONFLICT(site) DO UPDATE SET agency_id = COALESCE(excluded.agency_id, agency_id),
           adapter = COALESCE(excluded.adapter, adapter), fingerprint = COALESCE(excluded.fingerprint, fingerprint),
           browser_reason = COALESCE(excluded.browser_reason, browser_reason), challenge = COALESCE(excluded.challenge, challenge),
           last_run_id = COALESCE(excluded.last_run_id, last_run_id), last_crawl_at = COALESCE(excluded.last_crawl_at, last_crawl_at),
           last_ok_at = COALESCE(excluded.last_ok_at, last_ok_at), consecutive_failures = excluded.consecutive_failures`,
      ),
    };
  }

  get db(): Db {
    return this.#db;
  }

  get(key: string): FrontierRow | undefined {
    return this.#s.byKey.get(key);
  }

  getById(id: number): FrontierRow | undefined {
    return this.#s.byId.get(id);
  }

  /**
   * Prepares a site for a run: entry URLs queued (unless robots.txt blocked them recently), failed
   * rows whose retry time has come, blocked rows (with `ignoreRobots` or when due), rows skipped for
   * the page budget or for an older `--since`, and with `refresh` every known page (but the
   * documents refused by their parse budget). Without `refresh`, up to `revisit.limit` known
   * report URLs last fetched before `revisit.before` are queued again (oldest first).
   */
  prepareSite(
    site: Site,
    o: { now: string; ignoreRobots: boolean; since: number | null; maxAttempts: number; refresh: boolean; revisit?: { limit: number; before: string } },
  ): void {
    this.#db.transaction(() => {
      for (const url of site.entries) {
        this.#s.seedEntry.run({ key: url, url, site: site.name, now: o.now, ignore_robots: o.ignoreRobots ? 1 : 0 });
      }
      this.#s.requeueFailed.run({ site: site.name, max_attempts: o.maxAttempts, now: o.now });
      this.#s.requeueBlocked.run({ site: site.name, ignore_robots: o.ignoreRobots ? 1 : 0, now: o.now });
      this.#s.requeueSkipped.run({ site: site.name, since: o.since });
      if (o.refresh) this.#s.requeueKnown.run({ site: site.name });
      else if (o.revisit && o.revisit.limit > 0) this.#s.requeueRevisit.run({ site: site.name, limit: o.revisit.limit, before: o.revisit.before });
    })();
  }

  /** Up to `limit` queued rows of a site, lists before reports, oldest first. */
  next(site: string, limit: number, now: string = nowIso()): FrontierRow[] {
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > NEXT_LITERAL_LIMITS) {
      this.#nextBound ??= this.#db.prepare<[string, string, number], FrontierRow>(`${NEXT_SQL}?`);
      return this.#nextBound.all(site, now, limit);
    }
    let st = this.#next.get(limit);
    if (!st) {
      st = this.#db.prepare<[string, string], FrontierRow>(`${NEXT_SQL}${limit}`);
      this.#next.set(limit, st);
    }
    return st.all(site, now);
  }

  /** The ids of {@link next}'s rows, in its order. */
  nextIds(site: string, limit: number, now: string = nowIso()): number[] {
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > NEXT_LITERAL_LIMITS) {
      this.#nextIdsBound ??= this.#db.prepare<[string, string, number], number>(`${NEXT_IDS_SQL}?`).pluck();
      return this.#nextIdsBound.all(site, now, limit);
    }
    let st = this.#nextIds.get(limit);
    if (!st) {
      st = this.#db.prepare<[string, string], number>(`${NEXT_IDS_SQL}${limit}`).pluck();
      this.#nextIds.set(limit, st);
    }
    return st.all(site, now);
  }

  queued(site: string): number {
    return this.#s.countQueued.get(site)?.n ?? 0;
  }

  /**
   * Adds a discovered item. A new URL is queued (or inserted as skipped). A known list/API page not
   * yet fetched in this run is queued again (it will be fetched with its validators); a known report
   * or attachment stays as it is, unless it was skipped for a reason that no longer holds.
   */
  upsert(item: NewItem, runId: number): UpsertResult {
    const row = this.#s.byKey.get(item.key);
    if (!row) {
      this.#s.insert.run({
        key: item.key,
        url: item.url,
        method: item.method ?? 'GET',
        body: item.body ?? null,
        request: item.request ?? null,
        site: item.site,
        kind: item.kind,
        prio: KIND_PRIO[item.kind],
        state: item.skip ? 'skipped' : 'queued',
        depth: item.depth,
        parent: item.parent ?? null,
        title: item.title ?? null,
        year: item.year ?? null,
        role: item.role ?? null,
        meta: item.meta ? JSON.stringify(item.meta) : null,
        error_code: item.skip?.code ?? null,
        error: item.skip?.reason ?? null,
        discovered_at: nowIso(),
      });
      return item.skip ? 'skipped' : 'new';
    }
    if (item.skip) return 'known';
    const requeue = (): UpsertResult => {
      this.#s.requeue.run({
        id: row.id,
        depth: item.depth,
        title: item.title ?? null,
        year: item.year ?? null,
        role: item.role ?? null,
        meta: item.meta ? JSON.stringify(item.meta) : null,
      });
      return 'requeued';
    };
    if (row.state === 'skipped') return requeue();
    if (row.kind === 'list' || row.kind === 'api' || row.kind === 'entry') {
      if (row.state === 'queued') return 'known';
      if (row.run_id === runId) return 'known'; // already fetched (or tried) in this run
      if (row.state === 'done') return requeue();
      return 'known'; // failed/blocked: retried when due
    }
    return 'known';
  }

  /** Records the end of one fetch of a row. */
  finish(row: FrontierRow, info: FinishInfo, runId: number): void {
    const keepValidators = info.etag === undefined && info.lastModified === undefined;
    this.#s.finish.run({
      id: row.id,
      state: info.state,
      status: info.status ?? null,
      keep_validators: keepValidators ? 1 : 0,
      etag: info.etag ?? null,
      last_modified: info.lastModified ?? null,
      sha256: info.sha256 ?? null,
      error_code: info.errorCode ?? null,
      error: info.error ?? null,
      fetch_mode: info.fetchMode ?? null,
      document_id: info.documentId ?? null,
      fetched_at: info.fetchedAt ?? null,
      next_attempt_at: info.nextAttemptAt ?? null,
      failed_attempt: info.failedAttempt ? 1 : 0,
      run_id: runId,
    });
  }

  setFetchMode(row: FrontierRow, mode: string): void {
    this.#s.setMode.run(mode, row.id);
  }

  /** Inserts a response, or counts it seen again when this URL already gave these bytes. */
  recordResponse(r: ResponseRecord, runId: number): void {
    this.#s.insertResponse.run({
      url: r.url,
      method: r.method,
      final_url: r.finalUrl,
      site: r.site,
      kind: r.kind,
      role: r.role,
      status: r.status,
      headers: JSON.stringify(r.headers),
      content_type: r.contentType,
      charset: r.charset,
      challenge: r.challenge,
      fetch_mode: r.fetchMode,
      sha256: r.sha256,
      size: r.size,
      snapshot_path: r.snapshotPath,
      document_id: r.documentId,
      fetched_at: r.fetchedAt,
      run_id: runId,
    });
  }

  /** The `agencies` row of a registry site (key `site:<name>`), created or updated from the registry. */
  ensureAgency(site: Site): number {
    const key = `site:${site.name}`;
    const values = {
      key,
      name: site.agency,
      province: site.region.province,
      city: site.region.city ?? null,
      county: site.region.county ?? null,
      level: site.level,
      kind: agencyKind(site),
      portal: site.entries[0] ?? null,
      now: nowIso(),
    };
    return this.#db.transaction(() => {
      const existing = this.#s.agencyByKey.get(key);
      let id: number;
      if (existing) {
        id = existing.id;
        this.#s.updateAgency.run({ ...values, id });
      } else {
        id = Number(this.#s.insertAgency.run(values).lastInsertRowid);
      }
      this.#s.aliasAgency.run(agencyKey(site.agency), id);
      // The publisher of what the site lists; one body with the reports that named it before.
      return settleRegistryAgency(this.#db, id, site.agency);
    })();
  }

  siteState(site: string): SiteStateRow | undefined {
    return this.#s.siteRow.get(site);
  }

  updateSite(u: Partial<SiteStateRow> & { site: string }): void {
    const prev = this.#s.siteRow.get(u.site);
    this.#s.upsertSite.run({
      site: u.site,
      agency_id: u.agency_id ?? null,
      adapter: u.adapter ?? null,
      fingerprint: u.fingerprint ?? null,
      browser_reason: u.browser_reason ?? null,
      challenge: u.challenge ?? null,
      last_run_id: u.last_run_id ?? null,
      last_crawl_at: u.last_crawl_at ?? null,
      last_ok_at: u.last_ok_at ?? null,
      consecutive_failures: u.consecutive_failures ?? prev?.consecutive_failures ?? 0,
    });
  }
}

/**
 * `agencies.kind` of a registry site: a people's government (人民政府, 管委会) publishes the 本级政府
 * report (due 31 March); its general office (人民政府办公室/办公厅, `government_office`), departments
 * and others are due 31 January (src/store/deadline.ts).
 */
export function agencyKind(site: Pick<Site, 'agency' | 'level'>): AgencyKind {
  if (site.level === 'township') return 'township';
  if (/人民政府$|管委会$|管理委员会$/.test(site.agency)) return 'government';
  if (nameFacts(site.agency).kind === 'government_office') return 'government_office';
  if (site.level === 'department' || /局$|厅$|委员会$|部$|署$|办公室$|中心$/.test(site.agency)) return 'department';
  return 'other';
}
