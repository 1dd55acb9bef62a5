/**
 * The parse worker of {@link ParsePool} (run by piscina in a worker thread): one task is one
 * `parseReport` call. A failure comes back as a value, not a throw, so that its class and its
 * fields (`code`, `file` …) survive the trip to the main thread, where the pool rebuilds it.
 */
import type { ParsedReport } from '../../parsers/types.js';
import { addOcrWork, ocrWorkSoFar, type OcrWork } from '../decode/ocr-work.js';
import { parseReport, type ParseReportOptions } from './report.js';

/** One task: the document and the options of `parseReport`; or a ping, answered once the thread has loaded the parser. */
export type ParseTask = { input: Uint8Array | string; options: ParseReportOptions } | { ping: true };

/** An error in a form that crosses threads: the class name, the message, the stack and the primitive own fields. */
export interface SerializedError {
  className: string;
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable fields with primitive values (`name`, `code`, `file`, `kind`, `bytes` …). */
  fields: Record<string, string | number | boolean | null | undefined>;
  cause?: SerializedError;
}

/** A document's result, with what its OCR cost on the thread (`ocr`, counted by src/decode/ocr-work.ts). */
export type ParseTaskResult = { ok: true; report: ParsedReport; ocr: OcrWork } | { ok: false; error: SerializedError; ocr: OcrWork } | { pong: true };

/** Depth limit of `cause` chains carried over. */
const MAX_CAUSES = 4;

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { className: 'Error', name: 'Error', message: String(err), stack: undefined, fields: {} };
  const fields: SerializedError['fields'] = {};
  for (const [k, v] of Object.entries(err)) {
    if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  const out: SerializedError = { className: err.constructor?.name ?? 'Error', name: err.name, message: err.message, stack: err.stack, fields };
  if (err.cause !== undefined && depth < MAX_CAUSES) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/** The task function piscina calls. */
export default async function parseTask(task: ParseTask): Promise<ParseTaskResult> {
  if ('ping' in task) return { pong: true };
  // One document at a time per thread: the counters' change is this document's.
  const before = ocrWorkSoFar();
  try {
    const report = await parseReport(task.input, task.options);
    return { ok: true, report, ocr: addOcrWork(ocrWorkSoFar(), before, -1) };
  } catch (err) {
    return { ok: false, error: serializeError(err), ocr: addOcrWork(ocrWorkSoFar(), before, -1) };
  }
}
