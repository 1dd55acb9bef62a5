/** The options of the demo portal ({@link startDemoPortal} in portal.ts), validated by zod. */
import { z } from 'zod';
import { extraFaultStepSchema } from './faults.js';

const faultStepSchema = z.union([
  z.strictObject({ status: z.number().int().min(100).max(599), retryAfter: z.number().int().min(0).optional() }),
  z.strictObject({ stall: z.number().int().min(0) }),
  z.strictObject({ reset: z.literal(true) }),
  extraFaultStepSchema,
]);

export const demoPortalOptionsSchema = z.strictObject({
  /**
   * Port of the hub; site i listens on `port + 1 + i`. 0 puts every listener on a free port.
   * @default 0
   */
  port: z.number().int().min(0).max(65535).default(0),
  /** Interface to bind. @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** Delay before every response, in ms (lets politeness tests observe overlapping requests). @default 0 */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** gzip/br-compress text responses when the client sends Accept-Encoding. @default true */
  compress: z.boolean().default(true),
  /** Only serve these sites (by name). @default all sites */
  sites: z.array(z.string()).optional(),
  /**
   * Add the fictional agencies (演示省人民政府 …, src/demo/fictional.ts): one site each, serving
   * generated reports with a planted case of every finding. `nianbao demo` turns this on.
   * @default false
   */
  fictional: z.boolean().default(false),
  /** The round served: 2 revises one fictional report and answers 404 for another (settable later as `portal.round`). @default 1 */
  round: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Add the `faulty` site (every fault kind of `src/demo/faults.ts` mixed with good reports). @default false */
  faulty: z.boolean().default(false),
  faults: z
    .strictObject({
      /** Keep the flaky site's built-in faults (503 ×2 on its list, one stall, one 503). @default true */
      flaky: z.boolean().default(true),
      /** Duration of the flaky site's stalled response, in ms. @default 10000 */
      stallMs: z.number().int().min(0).optional(),
      /** Extra per-path fault sequences (any site). @default [] */
      rules: z
        .array(z.strictObject({ site: z.string(), path: z.string().startsWith('/'), steps: z.array(faultStepSchema), repeat: z.boolean().optional() }))
        .default([]),
    })
    .default({ flaky: true, rules: [] }),
});

export type DemoPortalOptions = z.input<typeof demoPortalOptionsSchema>;
export type DemoPortalOptionsParsed = z.output<typeof demoPortalOptionsSchema>;
