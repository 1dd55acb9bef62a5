/**
 * Errors of the decode stage. They are `ParseError`s (the input could not be read as a report) with one
 * of the codes below; callers branch on `code`, never on the message.
 */
import { ParseError, type ParseErrorCode } from '../../parsers/errors.js';
import type { DocumentKind } from './kind.js';

/** Codes the decode stage throws (every ParseError code except `NB_PARSE_NOT_A_REPORT`). */
export type DecodeErrorCode = Exclude<ParseErrorCode, 'NB_PARSE_NOT_A_REPORT'>;

/** The bytes could not be turned into HTML or text. */
export class DecodeError extends ParseError {
  declare readonly code: DecodeErrorCode;
  /** The kind detected for the input, when known. */
  readonly kind: DocumentKind | undefined;
  /** Size of the input in bytes. */
  readonly bytes: number | undefined;
  constructor(
    code: DecodeErrorCode,
    message: string,
    options?: { file?: string | undefined; cause?: unknown; kind?: DocumentKind | undefined; bytes?: number | undefined },
  ) {
    const parseOptions: { file?: string; cause?: unknown } = {};
    if (options?.file !== undefined) parseOptions.file = options.file;
    if (options && 'cause' in options) parseOptions.cause = options.cause;
    super(code, message, parseOptions);
    this.kind = options?.kind;
    this.bytes = options?.bytes;
  }
}
