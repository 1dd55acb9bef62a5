/**
 * Migration 5: the full-text index also holds each report's table labels. Until now it held the
 * title, the agency and the prose only (table rows were left out to halve the index), so a search
 * for a row's wording (本机关不掌握, 行政复议数 …) missed the reports that only had it as a table
 * row. The writer now appends one line to the indexed text: `表格项目：` and the official labels of
 * the rows, then of the columns, of the report's cells (in cell order, each once), then the
 * labels of a pre-2019 statistics table (src/store/search-text.ts). Here the same line is added
 * to the reports stored before, from their cells, the `labels` table and `stats`.
 */
export const version = 5;
export const name = 'search_labels';

export const sql = /* sql */ `
UPDATE reports_fts
SET text = COALESCE(text, '') || COALESCE(char(10) || '表格项目：' || (
  SELECT group_concat(label, '；') FROM (
    SELECT label FROM (
      SELECT l.label AS label, MIN(c.ord) AS o, 0 AS part
      FROM cells c JOIN labels l ON l.table_name = c.table_name AND l.dimension = 'row' AND l.key = c.row_key
      WHERE c.report_id = reports_fts.rowid GROUP BY l.label
      UNION ALL
      SELECT l.label, MIN(c.ord), 1
      FROM cells c JOIN labels l ON l.table_name = c.table_name AND l.dimension = 'col' AND l.key = c.col_key
      WHERE c.report_id = reports_fts.rowid GROUP BY l.label
      UNION ALL
      SELECT s.label, MIN(s.ord), 2 FROM stats s WHERE s.report_id = reports_fts.rowid GROUP BY s.label
    ) ORDER BY part, o
  )
), '')
WHERE rowid IN (SELECT report_id FROM cells UNION SELECT report_id FROM stats);
`;
