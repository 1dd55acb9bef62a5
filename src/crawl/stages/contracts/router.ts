/**
 * The router's contract: a fetched page goes to the handler registered for its label (its frontier
 * kind).
 */
import type { FrontierKind } from './frontier.js';

/** Handlers are registered per frontier kind, the way a router of labelled handlers works. */
export type PageLabel = FrontierKind;

/**
 * Routes a fetched page to the handler registered for its label. Challenges, 304s and HTTP error
 * statuses are handled once, before routing; a handler sees a 2xx response of its kind.
 */
export interface Router<Ctx> {
  addHandler(label: PageLabel | readonly PageLabel[], handler: (ctx: Ctx) => Promise<void>): this;
  route(label: PageLabel, ctx: Ctx): Promise<void>;
}
