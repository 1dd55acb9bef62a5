/**
 * Base error of the project, undici-style: every error carries a stable `code` that callers
 * branch on (never on the message). Lower layers define their own subclasses.
 */
export class NianbaoError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type ParseErrorCode =
  | 'NB_PARSE_EMPTY' // the input holds no bytes or only whitespace
  | 'NB_PARSE_BINARY' // bytes that are not a text, HTML or DOCX document (PDF, image, …)
  | 'NB_PARSE_UNSUPPORTED' // a document kind we recognise but cannot read (PDF, DOC, OFD…)
  | 'NB_PARSE_TOO_LARGE' // over a limit of the document's budget (size, inflated bytes, pages, text, elements, heap)
  | 'NB_PARSE_TIMEOUT' // reading it took longer than the budget's deadline
  | 'NB_OCR_UNAVAILABLE' // a scanned PDF or an image needs OCR, and Tesseract (or its Chinese data, or pdftoppm) is not installed
  | 'NB_PARSE_NOT_A_REPORT'; // readable, but no report tables, statistics or sections were found

/** The input could not be read as a report. `file` names it when known. */
export class ParseError extends NianbaoError {
  declare readonly code: ParseErrorCode;
  readonly file: string | undefined;
  constructor(code: ParseErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(code, options?.file ? `${options.file}: ${message}` : message, options);
    this.file = options?.file;
  }
}
