/**
 * The nianbao library. `parseReport` reads one report document into the canonical object;
 * the pure parsers, the validator, the canonical keys and the error classes are exported too.
 */
export { parseReport, type ParseReportOptions } from './parse/report.js';
export { parseHtmlReport, parseTextReport, type ReportInput } from '../parsers/report.js';
export { flattenHtml } from '../parsers/html/stream.js';
export { validateReport, VALIDATION_RULES, type ValidateInput } from '../parsers/validate.js';
export { NianbaoError, ParseError, type ParseErrorCode } from '../parsers/errors.js';
export { decodeDocument, decodeBytes, DecodeError } from './decode/index.js';
export * as keys from '../parsers/keys.js';
export { PARSER_VERSION } from '../parsers/version.js';
export { BudgetSchema, DEFAULT_BUDGET, budgetKey, type Budget, type BudgetInput } from '../parsers/budget.js';
export type * from '../parsers/types.js';

// The database library: the CLI's commands are thin wrappers over exactly these functions
// (ingest = `nianbao ingest`, crawl = `nianbao crawl`, check, search, exportView = `nianbao export`,
// publish). Each takes an open database and options validated by the zod schema next to it.
export { openDatabase, type Db, type OpenOptions, resolveDbPath, DEFAULT_DB_FILE } from './store/db.js';
export { ingestPaths as ingest, IngestOptionsSchema, type IngestOptions, type IngestSummary, type IngestProgress } from './ingest/index.js';
export { crawl, CrawlOptionsSchema, type CrawlContext, type CrawlOptionsInput, type CrawlSummary, type CrawlEvent } from './crawl/index.js';
export { runCheck as check, CheckOptionsSchema, type CheckOptions, type CheckResult } from './store/check.js';
export type { CheckFinding } from './store/check-findings.js';
export { searchReports as search, SearchOptionsSchema, type SearchOptions, type SearchResult, type SearchHit } from './store/search.js';
export { exportView, ExportOptionsSchema, type ExportOptions, type ExportView, EXPORT_VIEWS } from './store/query.js';
export { OutputSink } from './store/output.js';
export { publish, PublishOptionsSchema, type PublishOptions, type PublishResult, type PublishProgress } from './publish/index.js';
export { StoreError, type StoreErrorCode } from './store/errors.js';
export { pruneHistory as prune, PruneOptionsSchema, type PruneOptionsInput, type PruneResult } from './store/prune.js';
export type { OcrCacheEviction } from './decode/ocr-cache-evict.js';
