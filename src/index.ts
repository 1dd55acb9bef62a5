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
