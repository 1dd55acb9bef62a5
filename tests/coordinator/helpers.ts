/**
 * Helpers of the shared-crawl tests: a demo of many hosts (copies of the demo portal, each site on
 * its own port, renamed `<site>-<copy>`), and a dataset in a form two crawls compare by.
 */
import Database from 'better-sqlite3';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { validateRegistry, type Registry } from '../../src/sites/registry.js';
import { pathOf } from '../crawl/helpers.js';

/** Demo sites a crawl without a browser gets everything of. */
const HTTP_SITES = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'flaky', 'robots'];

export interface ManyHosts {
  portals: DemoPortal[];
  registry: Registry;
  /** Every site's host (`127.0.0.1:PORT`). */
  hosts: string[];
  close(): Promise<void>;
}

/** `count` sites over copies of the demo portal (the HTTP sites and the fictional agencies), each on its own host. */
export async function startManyHosts(count: number, o: { latencyMs?: number } = {}): Promise<ManyHosts> {
  const portals: DemoPortal[] = [];
  const sites: unknown[] = [];
  const hosts: string[] = [];
  for (let copy = 1; sites.length < count; copy++) {
    const portal = await startDemoPortal({ fictional: true, faults: { flaky: false }, ...(o.latencyMs ? { latencyMs: o.latencyMs } : {}) });
    portals.push(portal);
    for (const s of portal.registry().sites) {
      if (sites.length >= count) break;
      if (!HTTP_SITES.includes(s.name) && !s.name.startsWith('demo-')) continue;
      sites.push({ ...s, name: `${s.name}-${copy}` });
      hosts.push(new URL(s.entries[0]!).host);
    }
  }
  return {
    portals,
    registry: validateRegistry({ version: 1, sites }),
    hosts,
    close: async () => {
      await Promise.all(portals.map((p) => p.close()));
    },
  };
}

type Row = Record<string, unknown>;

/**
 * What two crawls of the same portal must agree on: documents, reports (with their agency's
 * name), cells, statistics, findings and document locations, by URL path. Ids, times, runs and
 * ports are left out.
 */
export function datasetOf(file: string): Record<string, unknown> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const byPath = (rows: Row[], k = 'url'): Row[] => rows.map((r) => ({ ...r, [k]: pathOf(String(r[k])) }));
  const sorted = (rows: Row[]): Row[] => rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  try {
    return {
      documents: sorted(byPath(db.prepare('SELECT url, sha256, size, http_status, content_type FROM documents').all() as Row[])),
      reports: sorted(
        byPath(
          db
            .prepare(
              `SELECT d.url, r.year, r.format, r.title, r.agency_name, r.published, r.status, r.cell_count, r.is_primary, a.name AS agency
               FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN agencies a ON a.id = r.agency_id`,
            )
            .all() as Row[],
        ),
      ),
      cells: sorted(
        byPath(
          db
            .prepare(
              `SELECT d.url, c.table_name, c.row_key, c.col_key, c.value, c.raw, c.ord FROM cells c JOIN reports r ON r.id = c.report_id
               JOIN documents d ON d.id = r.document_id`,
            )
            .all() as Row[],
        ),
      ),
      stats: db.prepare('SELECT count(*) AS n FROM stats').get(),
      findings: sorted(
        byPath(
          db
            .prepare(
              `SELECT d.url, f.source, f.rule, f.severity, f.message, f.cells FROM findings f JOIN reports r ON r.id = f.report_id
               JOIN documents d ON d.id = r.document_id`,
            )
            .all() as Row[],
        ),
      ),
      locations: sorted(byPath(db.prepare('SELECT place AS url, site FROM document_locations').all() as Row[])),
    };
  } finally {
    db.close();
  }
}
