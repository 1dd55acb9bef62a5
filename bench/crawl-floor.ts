/**
 * The storing floor under `crawl_overhead_ratio`: the CPU a crawl cannot avoid besides parsing if it
 * keeps what it reads, each part at its own floor, measured on what one crawl of the demo portal
 * stored:
 * - its bodies: every snapshot gunzipped and hashed with SHA-256 once (what a crawl that stores by
 *   content hash and parses the decoded bytes must do with each answer it keeps);
 * - its rows: the documents, responses, reports, cells, stats, findings, totals, text, snapshot blobs
 *   and bigram search index it wrote, read back into JavaScript arrays before the clock starts and
 *   written into a fresh database in one transaction, by statements prepared beforehand, 64 rows to
 *   an INSERT (as the writer does with cells) — what any crawler written in JavaScript pays to hand
 *   those values to SQLite, with no lookups, no per-report transactions and nothing computed.
 *
 * Not counted, so the floor stays below what any design could reach: discovery, the frontier, the
 * run rows, the promise and queue machinery, and the garbage collection of all of it.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { bigrams, store } from './shipped.js';

const { openDatabase } = store;
const { bigramPieces } = bigrams;

/** What a crawl stored that every storing design must write: copied in the timed transaction. */
const STORED_TABLES = [
  'snapshot_blobs',
  'documents',
  'document_locations',
  'responses',
  'reports',
  'cell_values',
  'stats',
  'findings',
  'report_totals',
  'report_text',
] as const;

/** Rows to an INSERT statement for tables with that many rows or more (the writer's chunk for cells). */
const CHUNK = 64;

/**
 * What those rows refer to (the run, agencies, the cell-key and label dictionaries, the sites):
 * copied before the clock starts.
 */
const SETUP = [
  'INSERT INTO runs SELECT * FROM src.runs',
  'INSERT INTO agencies SELECT * FROM src.agencies',
  'INSERT INTO agency_aliases SELECT * FROM src.agency_aliases',
  'DELETE FROM cell_keys',
  'INSERT INTO cell_keys SELECT * FROM src.cell_keys',
  'INSERT OR IGNORE INTO labels SELECT * FROM src.labels',
  'INSERT INTO crawl_sites SELECT * FROM src.crawl_sites',
];

export interface StoringFloor {
  /** CPU ms to gunzip and hash every snapshot the crawl stored. */
  bodiesCpuMs: number;
  /** CPU ms to write the crawl's stored rows, snapshot blobs and search index from JavaScript values. */
  rowsCpuMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/**
 * The {@link StoringFloor} of the crawl stored in `crawlDb` (open; its file is `crawlFile`), with
 * the copy written to `floorFile` (a new file).
 */
export function storingFloor(crawlDb: ReturnType<typeof openDatabase>, crawlFile: string, floorFile: string): StoringFloor {
  const blobs = crawlDb.prepare('SELECT gz FROM snapshot_blobs').pluck().all() as Buffer[];
  const c0 = process.cpuUsage();
  for (const gz of blobs) createHash('sha256').update(gunzipSync(gz)).digest('hex');
  const bodiesCpuMs = cpuMs(c0);

  const tables = STORED_TABLES.map((name) => ({ name, rows: crawlDb.prepare(`SELECT * FROM ${name}`).raw().all() as unknown[][] })).filter(
    (t) => t.rows.length > 0,
  );
  const texts = crawlDb.prepare('SELECT report_id AS id, title, agency, text FROM report_text').all() as {
    id: number;
    title: string | null;
    agency: string | null;
    text: string | null;
  }[];
  const db = openDatabase(floorFile);
  try {
    db.prepare('ATTACH ? AS src').run(crawlFile);
    for (const sql of SETUP) db.exec(sql);
    db.exec('DETACH src');
    const writes = tables.map(({ name, rows }) => {
      const row = `(${rows[0]!.map(() => '?').join(', ')})`;
      return {
        rows,
        one: db.prepare(`INSERT INTO ${name} VALUES ${row}`),
        chunk: rows.length >= CHUNK ? db.prepare(`INSERT INTO ${name} VALUES ${Array(CHUNK).fill(row).join(', ')}`) : null,
      };
    });
    const bigram = db.prepare('INSERT INTO reports_bigram (rowid, pieces) VALUES (?, ?)');
    const c1 = process.cpuUsage();
    db.exec('BEGIN IMMEDIATE');
    for (const { rows, one, chunk } of writes) {
      let i = 0;
      if (chunk) for (; i + CHUNK <= rows.length; i += CHUNK) chunk.run(rows.slice(i, i + CHUNK).flat());
      for (; i < rows.length; i++) one.run(rows[i]);
    }
    for (const r of texts) bigram.run(r.id, bigramPieces(r.title, r.agency, r.text));
    db.exec('COMMIT');
    return { bodiesCpuMs, rowsCpuMs: cpuMs(c1) };
  } finally {
    db.close();
  }
}
