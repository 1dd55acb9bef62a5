/**
 * The README.md of a published package: what each file holds, how the data was collected, the
 * known limits, and short recipes for Excel, R, pandas, DuckDB, Datasette and sqlite-utils (the
 * recipes the project's README shows and its tests run where the tools exist).
 */
import { tableDescription } from './datapackage.js';

export interface ReadmeTable {
  name: string;
  rows: number;
  xlsxTruncated: boolean;
}

export interface ReadmeInput {
  title: string;
  created: string;
  parserVersion: string;
  toolVersion: string;
  dbFile: string;
  filters: string;
  license: { name: string; path: string };
  tables: ReadmeTable[];
  sources: number;
}

/** The recipes, one per tool (also quoted in the project's README). */
export function recipes(dbFile: string): string {
  return `### Excel
Open \`nianbao.xlsx\` (a sheet per table, Chinese headers), or a CSV file: it starts with a
UTF-8 byte order mark, so Excel shows the Chinese text without an import step.

### R
\`\`\`r
library(readr);  s <- read_csv("report_summary.csv")             # types guessed by readr
library(arrow);  r <- read_parquet("requests.parquet")           # types from the Parquet file
library(frictionless); p <- read_package("datapackage.json")
s <- read_resource(p, "report_summary")                          # types from the Table Schema
aggregate(new_received ~ year, data = s[s$is_primary == 1, ], sum)
\`\`\`

### pandas
\`\`\`python
import pandas as pd
s = pd.read_csv("report_summary.csv", encoding="utf-8-sig")
r = pd.read_parquet("requests.parquet")                          # needs pyarrow
x = pd.read_excel("nianbao.xlsx", sheet_name="requests")         # needs openpyxl
s[s.is_primary == 1].groupby("year").new_received.sum()
\`\`\`

### DuckDB
\`\`\`sql
SELECT year, sum(new_received) FROM 'report_summary.parquet' WHERE is_primary = 1 GROUP BY year;
SELECT * FROM read_csv('requests.csv') LIMIT 5;
ATTACH '${dbFile}' AS nb (TYPE sqlite); SELECT count(*) FROM nb.cells;
-- what each revision changed (when the package has revisions)
SELECT v.agency, v.year, c.row_label_zh, c.col_label_zh, c.old_value, c.new_value
FROM 'revisions.parquet' r JOIN 'revision_cells.parquet' c ON c.revision_id = r.id JOIN 'report_summary.parquet' v ON v.report_id = r.new_report_id;
\`\`\`

### Datasette and sqlite-utils
\`\`\`sh
datasette ${dbFile} --metadata metadata.json      # facets on agency/province/year/format, search box on reports
sqlite-utils search ${dbFile} reports 信息          # a two-character term
sqlite-utils search ${dbFile} reports '"政府 信息 公开"'   # a phrase: words separated by spaces
sqlite-utils rows ${dbFile} report_summary --csv | head
\`\`\`
`;
}

/** What the revision tables are and how they join, when the package has them. */
function revisionNote(tables: readonly ReadmeTable[]): string {
  const names = new Set(tables.map((t) => t.name));
  if (!names.has('revisions')) return '';
  const what = [
    names.has('revision_cells') ? '`revision_cells` holds the values it changed (old → new, with the official labels)' : '',
    names.has('revision_sentences') ? '`revision_sentences` the sentences of its text changed, added or removed' : '',
  ].filter(Boolean);
  const details = what.length > 0 ? `; ${what.join(' and ')}, each joined by \`revision_id\` = \`revisions.id\`` : '';
  return `A report the agency changed after publishing it has a row in \`revisions\` (\`id\`, \`old_report_id\` → \`new_report_id\`)${details}.\n`;
}

/** The package README. */
export function packageReadme(input: ReadmeInput): string {
  const rows = input.tables
    .map(
      (t) =>
        `| \`${t.name}\` | ${t.rows} | ${tableDescription(t.name).replace(/\|/g, '\\|').replace(/\n/g, ' ')}${t.xlsxTruncated ? ' (the XLSX sheet stops at Excel’s 1,048,575 rows; the CSV and Parquet files have all)' : ''} |`,
    )
    .join('\n');
  return `# ${input.title}

Tables of China's government information-disclosure annual reports (政府信息公开工作年度报告),
published by nianbao ${input.toolVersion} (parser ${input.parserVersion}) on ${input.created}.
Reports included: ${input.filters}. Licence of this compilation: [${input.license.name}](${input.license.path});
the reports themselves are official documents of the agencies that published them.

## Files

- \`datapackage.json\`: the Frictionless Data Package: a Table Schema for every table (types,
  units, the official Chinese label as \`title\` and an English description per field; primary and
  foreign keys), the sources (${input.sources}), licence, parser version, row counts and SHA-256 of every file.
- \`<table>.csv\`: UTF-8 with a byte order mark (Excel), RFC 4180, CRLF; an empty field is NULL. A text
  that a spreadsheet would run as a formula (it starts with \`=\`, \`+\`, \`-\`, \`@\`, a tab or a carriage
  return and is not a plain number) starts with an added \`'\`; the Parquet, XLSX and SQLite files hold it unchanged.
- \`<table>.parquet\`: the same rows and types (integers INT32/INT64, numbers DOUBLE, dates DATE, text UTF-8 strings).
- \`nianbao.xlsx\`: a sheet per table, headers in Chinese (the official labels), frozen header row; text
  is always a text cell, never a formula, and a text longer than Excel's 32,767 characters is cut (ending with …).
- \`${input.dbFile}\`: the SQLite database (all tables, views and the raw documents' metadata), with
  full-text search on \`reports\` for Datasette and sqlite-utils; \`metadata.json\` is its Datasette metadata.

| Table | Rows | What a row is |
|---|---:|---|
${rows}

Use \`is_primary = 1\` to keep one report per agency and year (a portal may publish a report twice).
${revisionNote(input.tables)}
Counts are 件 unless a field's \`unit\` says otherwise; an empty value means the report left the cell blank.

## How it was collected

nianbao fetches the reports from the agencies' 政府信息公开 portals (respecting robots.txt and rate
limits) or reads files given to it, keeps every raw document as a content-addressed snapshot, and
rebuilds the report's tables (主动公开, 收到和处理政府信息公开申请, 行政复议和行政诉讼) into canonical keys.
Each report is checked (sums, carry-over between years, publication deadline); \`findings\` lists what
does not hold.

## Known limits

- Reports whose tables could not be read have \`status\` = failed or partial in \`report_summary\`;
  their numbers are missing, not zero.
- Agencies are identified by the name a report gives itself unless a site registry knows them; the
  same agency may appear under two names until an alias joins them.
- Values are what the agency published; an agency's own arithmetic errors are kept (and flagged in \`findings\`).
- Full-text search in Datasette and sqlite-utils matches whole words as ICU segments the text, and
  any two characters; write a longer phrase as words separated by spaces in quotes.

## Recipes

${recipes(input.dbFile)}`;
}
