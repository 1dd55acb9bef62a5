/**
 * Column types of a published table, learnt while its CSV is written (the first pass over the
 * rows): Table Schema `integer` when every value is a whole number, `number` when any is not,
 * `date` for ISO dates (YYYY-MM-DD), `string` otherwise. A table without rows takes the column's
 * declared SQLite type. The Parquet and XLSX writers use the same types.
 */

export type FieldType = 'integer' | 'number' | 'string' | 'date';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const INT32_MAX = 2 ** 31 - 1;

/** What one column has held so far. */
export class ColumnTypeTracker {
  #integer = false;
  #real = false;
  #text = false;
  #allDates = true;
  #maxAbs = 0;

  constructor(readonly declared: string | null) {}

  see(v: unknown): void {
    if (v === null || v === undefined) return;
    if (typeof v === 'number') {
      if (Number.isInteger(v)) this.#integer = true;
      else this.#real = true;
      this.#maxAbs = Math.max(this.#maxAbs, Math.abs(v));
    } else if (typeof v === 'bigint') {
      this.#integer = true;
      this.#maxAbs = Math.max(this.#maxAbs, Math.abs(Number(v)));
    } else {
      this.#text = true;
      if (typeof v !== 'string' || !ISO_DATE.test(v)) this.#allDates = false;
    }
  }

  /** The Table Schema type of the column. */
  type(): FieldType {
    if (this.#text) return this.#allDates && !this.#integer && !this.#real ? 'date' : 'string';
    if (this.#real) return 'number';
    if (this.#integer) return 'integer';
    const d = (this.declared ?? '').toUpperCase();
    if (d.includes('INT')) return 'integer';
    if (d.includes('NUM') || d.includes('REAL') || d.includes('FLOA') || d.includes('DOUB')) return 'number';
    return 'string';
  }

  /** Whether the integers fit a 32-bit Parquet column. */
  fitsInt32(): boolean {
    return this.#maxAbs <= INT32_MAX;
  }
}
