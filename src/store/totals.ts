/**
 * `report_totals` (migration 4): the table-3 and table-4 totals of one report, computed from its
 * cells with the arithmetic of the `report_summary` view (migration 1) — per table-3 row its 总计,
 * else the sum of the applicant columns; grouped rows summed; review from its row, litigation as
 * the sum of its two rows. The writer runs it in the transaction that writes the report's cells;
 * tests/store/totals.test.ts keeps it equal to aggregating the cells of the whole database.
 */
export const REPORT_TOTALS_SQL = /* sql */ `
INSERT OR REPLACE INTO report_totals (
  report_id, new_received, carried_over, granted, partially_granted, denied, unavailable, not_held,
  rejected, other, results_total, carried_forward, review_total, review_corrected, litigation_total,
  litigation_corrected)
SELECT @id, rt.*, ap.*
FROM (
  SELECT SUM(CASE WHEN row_key = 'new_received' THEN total END) AS new_received,
         SUM(CASE WHEN row_key = 'carried_over' THEN total END) AS carried_over,
         SUM(CASE WHEN row_key = 'granted' THEN total END) AS granted,
         SUM(CASE WHEN row_key = 'partially_granted' THEN total END) AS partially_granted,
         SUM(CASE WHEN row_key LIKE 'denied!_%' ESCAPE '!' THEN total END) AS denied,
         SUM(CASE WHEN row_key LIKE 'unavailable!_%' ESCAPE '!' THEN total END) AS unavailable,
         SUM(CASE WHEN row_key = 'unavailable_not_held' THEN total END) AS not_held,
         SUM(CASE WHEN row_key LIKE 'rejected!_%' ESCAPE '!' THEN total END) AS rejected,
         SUM(CASE WHEN row_key = 'other' OR row_key LIKE 'other!_%' ESCAPE '!' THEN total END) AS other,
         SUM(CASE WHEN row_key = 'total' THEN total END) AS results_total,
         SUM(CASE WHEN row_key = 'carried_forward' THEN total END) AS carried_forward
  FROM (
    SELECT row_key,
           COALESCE(MAX(CASE WHEN col_key = 'total' THEN value END),
                    SUM(CASE WHEN col_key <> 'total' THEN value END)) AS total
    FROM cells
    WHERE report_id = @id AND table_name = 'requests'
    GROUP BY row_key
  )
) rt, (
  SELECT MAX(CASE WHEN row_key = 'review' AND col_key = 'total' THEN value END) AS review_total,
         MAX(CASE WHEN row_key = 'review' AND col_key = 'corrected' THEN value END) AS review_corrected,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'total' THEN value END) AS litigation_total,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'corrected' THEN value END) AS litigation_corrected
  FROM cells
  WHERE report_id = @id AND table_name = 'appeals'
) ap`;

/** The columns of `report_totals` besides `report_id`, in table order. */
export const TOTALS_COLUMNS = [
  'new_received',
  'carried_over',
  'granted',
  'partially_granted',
  'denied',
  'unavailable',
  'not_held',
  'rejected',
  'other',
  'results_total',
  'carried_forward',
  'review_total',
  'review_corrected',
  'litigation_total',
  'litigation_corrected',
] as const;
export type ReportTotals = Record<(typeof TOTALS_COLUMNS)[number], number | null>;

/** What the totals read of a cell. */
export interface TotalsCell {
  table: string;
  row: string;
  col: string;
  value: number | null;
}

/**
 * SQLite's SUM: NULLs skipped, NULL when nothing was added, exact for integers and
 * Kahan–Babuška–Neumaier compensated once a non-integer takes part (SQLite ≥ 3.43).
 */
class Sum {
  #sum = 0;
  #err = 0;
  #n = 0;
  add(v: number | null): void {
    if (v === null) return;
    this.#n++;
    const t = this.#sum + v;
    if (Math.abs(this.#sum) >= Math.abs(v)) this.#err += this.#sum - t + v;
    else this.#err += v - t + this.#sum;
    this.#sum = t;
  }
  get value(): number | null {
    return this.#n === 0 ? null : this.#sum + this.#err;
  }
}

const isDenied = (k: string): boolean => k.startsWith('denied_');
const isUnavailable = (k: string): boolean => k.startsWith('unavailable_');
const isRejected = (k: string): boolean => k.startsWith('rejected_');
const isOther = (k: string): boolean => k === 'other' || k.startsWith('other_');

/**
 * The totals of one report computed from its cells, with the arithmetic of
 * {@link REPORT_TOTALS_SQL} (which stays for migration 4 and as the reference the tests compare
 * with): the writer has the cells in memory, so no SQL reads them back.
 */
export function reportTotals(cells: readonly TotalsCell[]): ReportTotals {
  // Table 3: per row, its 总计 (MAX of the total column) else the sum of the other columns.
  const rows = new Map<string, { max: number | null; sum: Sum }>();
  const review = { total: null as number | null, corrected: null as number | null };
  const litigationTotal = new Sum();
  const litigationCorrected = new Sum();
  for (const c of cells) {
    const v = typeof c.value === 'number' && Number.isFinite(c.value) ? c.value : null;
    if (c.table === 'requests') {
      let r = rows.get(c.row);
      if (!r) rows.set(c.row, (r = { max: null, sum: new Sum() }));
      if (c.col === 'total') {
        if (v !== null && (r.max === null || v > r.max)) r.max = v;
      } else r.sum.add(v);
    } else if (c.table === 'appeals') {
      if (c.row === 'review' && v !== null) {
        if (c.col === 'total' && (review.total === null || v > review.total)) review.total = v;
        if (c.col === 'corrected' && (review.corrected === null || v > review.corrected)) review.corrected = v;
      }
      if (c.row.startsWith('litigation_')) {
        if (c.col === 'total') litigationTotal.add(v);
        else if (c.col === 'corrected') litigationCorrected.add(v);
      }
    }
  }
  const sums = {
    new_received: new Sum(),
    carried_over: new Sum(),
    granted: new Sum(),
    partially_granted: new Sum(),
    denied: new Sum(),
    unavailable: new Sum(),
    not_held: new Sum(),
    rejected: new Sum(),
    other: new Sum(),
    results_total: new Sum(),
    carried_forward: new Sum(),
  };
  // Rows in SQLite's GROUP BY order (row_key, binary), as the SQL adds them.
  for (const key of [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const r = rows.get(key)!;
    const total = r.max ?? r.sum.value;
    if (key === 'new_received') sums.new_received.add(total);
    if (key === 'carried_over') sums.carried_over.add(total);
    if (key === 'granted') sums.granted.add(total);
    if (key === 'partially_granted') sums.partially_granted.add(total);
    if (isDenied(key)) sums.denied.add(total);
    if (isUnavailable(key)) sums.unavailable.add(total);
    if (key === 'unavailable_not_held') sums.not_held.add(total);
    if (isRejected(key)) sums.rejected.add(total);
    if (isOther(key)) sums.other.add(total);
    if (key === 'total') sums.results_total.add(total);
    if (key === 'carried_forward') sums.carried_forward.add(total);
  }
  return {
    new_received: sums.new_received.value,
    carried_over: sums.carried_over.value,
    granted: sums.granted.value,
    partially_granted: sums.partially_granted.value,
    denied: sums.denied.value,
    unavailable: sums.unavailable.value,
    not_held: sums.not_held.value,
    rejected: sums.rejected.value,
    other: sums.other.value,
    results_total: sums.results_total.value,
    carried_forward: sums.carried_forward.value,
    review_total: review.total,
    review_corrected: review.corrected,
    litigation_total: litigationTotal.value,
    litigation_corrected: litigationCorrected.value,
  };
}

/** The INSERT of one report's totals computed by {@link reportTotals}. */
export const WRITE_TOTALS_SQL = `INSERT OR REPLACE INTO report_totals (report_id, ${TOTALS_COLUMNS.join(', ')})
VALUES (@report_id, ${TOTALS_COLUMNS.map((c) => `@${c}`).join(', ')})`;
