/**
 * The transactions of a worker's rows that stay open until the row is done. The page that
 * finishes a row is written in a transaction that is committed only when the row's handler is
 * done — with the worker's share of the site's summary, counted to the end of the row — so the
 * counters a handler adds after storing a page (new reports, unchanged lists, robots.txt
 * refusals, their reasons) are committed with the page or lost with it. A worker killed in
 * between loses both; the worker that takes the host over does the page again and counts it
 * once. The open transaction lasts the handler's few steps after its commit (counters, events).
 */
import type pg from 'pg';
import type { PageCommit } from '../crawl/stages/contracts.js';
import type { Coordinator } from './connect.js';

/** A row's open transaction: its connection, and the site and run of its page. */
export interface HeldRow {
  site: string;
  runId: number;
}

export class RowTransactions {
  readonly #c: Coordinator;
  readonly #held = new Map<number, HeldRow & { client: pg.PoolClient }>();

  constructor(c: Coordinator) {
    this.#c = c;
  }

  /**
   * Runs `fn` in the page's transaction: its own, committed at once, unless `hold` (the page
   * finishes its row) or the row has one open already — then the row's, left open for {@link done}.
   */
  async run<T>(page: PageCommit, hold: boolean, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const held = this.#held.get(page.row.id);
    if (!held && !hold) return this.#c.tx(fn);
    let client = held?.client;
    if (!client) {
      client = await this.#c.pool.connect();
      try {
        await client.query('BEGIN');
      } catch (err) {
        client.release();
        throw err;
      }
      this.#held.set(page.row.id, { client, site: page.site, runId: page.runId });
    }
    try {
      return await fn(client);
    } catch (err) {
      this.#held.delete(page.row.id);
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw err;
    }
  }

  /** The row is done: `last` writes in its open transaction (if any), which then commits. */
  async done(rowId: number, last: (c: pg.PoolClient, held: HeldRow) => Promise<void>): Promise<void> {
    const held = this.#held.get(rowId);
    if (!held) return;
    this.#held.delete(rowId);
    try {
      await last(held.client, held);
      await held.client.query('COMMIT');
    } catch (err) {
      await held.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      held.client.release();
    }
  }
}
