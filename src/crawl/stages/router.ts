/**
 * A router of labelled handlers (the way Crawlee's router works): a handler is registered per page
 * kind (entry, list, api, report, attachment) and `route` runs the one registered for a page's
 * label. A label without a handler is a programming error (`NB_CRAWL_INTERNAL`).
 */
import { CrawlError } from '../errors.js';
import type { PageLabel, Router } from './contracts.js';

export class LabelRouter<Ctx> implements Router<Ctx> {
  readonly #handlers = new Map<PageLabel, (ctx: Ctx) => Promise<void>>();

  addHandler(label: PageLabel | readonly PageLabel[], handler: (ctx: Ctx) => Promise<void>): this {
    for (const l of typeof label === 'string' ? [label] : label) {
      if (this.#handlers.has(l)) throw new CrawlError('NB_CRAWL_INTERNAL', `a handler for "${l}" pages is registered already`);
      this.#handlers.set(l, handler);
    }
    return this;
  }

  /** The labels with a handler. */
  labels(): PageLabel[] {
    return [...this.#handlers.keys()];
  }

  route(label: PageLabel, ctx: Ctx): Promise<void> {
    const h = this.#handlers.get(label);
    if (!h) return Promise.reject(new CrawlError('NB_CRAWL_INTERNAL', `no handler for "${label}" pages`));
    return h(ctx);
  }
}
