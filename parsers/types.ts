/**
 * The canonical parsed report (see README "Output"): the contract shared by `nianbao parse --json`,
 * the database and the corpus `.expected.json` files. Pure types, no runtime code.
 */

/** Which official layout a report follows, detected from its labels (never from its year). */
export type ReportFormat = '2021' | '2019' | 'pre2019' | 'unknown';

/** The three fixed tables of the 2019/2021 formats, plus the pre-2019 statistics appendix. */
export type TableName = 'active' | 'requests' | 'appeals' | 'stats';

/** A table as row key → column key → value (null: the cell holds no number). */
export type KeyedTable = Record<string, Record<string, number | null>>;

/**
 * Why a cell's value is what it is:
 * - `blank`: the cell is empty (value null)
 * - `placeholder`: "—", "/", "无"… (value null)
 * - `unit`: a unit was written in the cell and the number was converted to the key's unit
 * - `noise`: characters around a single number were dropped (e.g. "? 0")
 * - `signed`: an explicit sign or 增加/减少 was read
 * - `unreadable`: text that is not a number (value null)
 */
export type CellFlag = 'blank' | 'placeholder' | 'unit' | 'noise' | 'signed' | 'unreadable';

/** One table cell with its provenance: the long form every analysis starts from. */
export interface CellRecord {
  table: TableName;
  row: string;
  col: string;
  value: number | null;
  /** The cell's text as found (whitespace collapsed). */
  raw: string;
  flags: CellFlag[];
  /** Unit written in the cell (e.g. 元, 万元), when there was one. */
  unit?: string;
  /** Index of the source `<table>` in the document (HTML), or null for text input. */
  tableIndex: number | null;
  /** Row and column in the rebuilt grid (HTML) or line number / cell ordinal (text). */
  gridRow: number | null;
  gridCol: number | null;
}

export type Severity = 'error' | 'warning' | 'not_assessable';

/** A validation finding: a rule of FORMAT.md §6 that does not hold (or cannot be checked). */
export interface Finding {
  /** Stable rule id, e.g. `requests.balance`; callers branch on it. */
  rule: string;
  severity: Severity;
  message: string;
  /** Cells involved, as `table.row.col` paths. */
  cells: string[];
  /** The numbers on both sides of the comparison (null where not assessable). */
  left?: number | null;
  right?: number | null;
  /** The column or group the check was made on, when it applies to one. */
  scope?: string;
}

/** One row of a pre-2019 statistics appendix. */
export interface StatRow {
  label: string;
  unit: string | null;
  value: number | null;
  /** The 历年累计 column, where the table has one. */
  cumulative?: number | null;
  raw: string;
}

/** Which report sections (by heading) and tables were found. */
export interface SectionPresence {
  overview: boolean;
  active: boolean;
  requests: boolean;
  appeals: boolean;
  problems: boolean;
  other: boolean;
}

export type PublishedSource = 'field' | 'meta' | 'signature' | 'link';

/** Where the report names its agency: its title, a 发布机构/发文机关/来源 field (or meta tag), its signature. */
export type AgencySourceInReport = 'title' | 'field' | 'signature';

export type InputKind = 'html' | 'text' | 'docx' | 'pdf' | 'doc' | 'wps' | 'mht' | 'ofd' | 'image';

export interface ParsedReport {
  format: ReportFormat;
  title: string | null;
  /** The agency as the report names itself (its title before the year); null if not found. */
  agency: string | null;
  /** Where `agency` was read, when there is one (title first, then fields, then the signature). */
  agencyFrom?: AgencySourceInReport;
  /** The year reported on (not the publication year). */
  year: number | null;
  /** Publication date, ISO `YYYY-MM-DD`, or null. */
  published: string | null;
  /**
   * Where `published` came from, when there is one: `field` (a labelled date on the page: 发布日期,
   * 时间 …), `meta` (the page's PubDate meta tag), `signature` (the date line the document is signed
   * with: the date written, which may precede publication), `link` (set by the crawler: the date
   * the list or page linking the document gives, preferred to a signature).
   */
  publishedFrom?: PublishedSource;
  active?: KeyedTable;
  requests?: KeyedTable;
  appeals?: KeyedTable;
  stats?: StatRow[];
  /** Validation findings (FORMAT.md §6). */
  issues: Finding[];
  /** Every table cell read, with raw text, flags and position. */
  cells: CellRecord[];
  sections: SectionPresence;
  /** Plain text of the report body (for search), tables included as pipe text. */
  text: string;
  /**
   * What kind of input this was read from, and the charset it was decoded with; `ocr` when its
   * text was read by OCR from page images (a scanned PDF, an image): the pages and the mean word
   * confidence (0–100).
   */
  input: { kind: InputKind; charset: string | null; ocr?: { pages: number; meanConfidence: number } };
  /** Version of the parser that produced this object; reparse when it changes. */
  parserVersion: string;
}
