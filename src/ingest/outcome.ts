/** Running the parser on one document: a report, or the reason it could not be read (never an exception). */
import type { ParsedReport } from '../../parsers/types.js';
import type { BudgetInput } from '../../parsers/budget.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import type { PriorDecode } from '../decode/index.js';
import type { ParseOutcome } from '../store/report-rows.js';

/** The parser used by ingest/reparse (injectable for benchmarks). */
export type ParseFn = (
  input: Uint8Array,
  options: { fileName?: string; contentType?: string; budget?: BudgetInput; ocr?: 'auto' | 'off'; ocrCacheDir?: string; decoded?: PriorDecode },
) => Promise<ParsedReport>;

/**
 * Runs the parser and turns any exception into a failed outcome (never dropped). `decoded`: a
 * decode of these bytes already made (ParseReportOptions.decoded).
 */
export async function parseToOutcome(parse: ParseFn, bytes: Uint8Array, fileName: string, contentType?: string, decoded?: PriorDecode): Promise<ParseOutcome> {
  try {
    const opts: { fileName: string; contentType?: string; decoded?: PriorDecode } = { fileName };
    if (contentType) opts.contentType = contentType;
    if (decoded) opts.decoded = decoded;
    const report = await parse(bytes, opts);
    return { ok: true, report };
  } catch (err) {
    const code =
      err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string'
        ? (err as { code: string }).code
        : 'NB_PARSE_INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code, message, parserVersion: PARSER_VERSION };
  }
}
