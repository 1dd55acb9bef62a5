/**
 * The ids of cell keys (`cell_keys`, migration 24) for the writer of one connection. A cell's table,
 * row and column key name one row of `cell_keys`; its row in `cell_values` holds that id.
 *
 * The ids are read once, on first use, into a map: `cell_keys` already holds every key the parser
 * writes (each row × column of the labels, seeded when the labels change), and a key's id never
 * changes once committed. A key the map does not know (outside the labels, or added by another
 * process since) is inserted if missing and read each time it is used, never put in the map: an
 * id this connection makes inside a transaction that then rolls back is gone with it, and must not
 * be handed out again. For the same reason the map leaves out the keys this connection inserted.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

type KeyMap = Map<string, Map<string, Map<string, number>>>;

export class CellKeys {
  readonly #db: Db;
  #ids: KeyMap | undefined;
  /** Keys this connection inserted (maybe not committed yet): `table\0row\0col`. */
  readonly #inserted = new Set<string>();
  #insert: Statement<[string, string, string]> | undefined;
  #select: Statement<[string, string, string]> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The id of the key `table`.`row`.`col`, inserted if it is new. */
  id(table: string, row: string, col: string): number {
    const known = (this.#ids ??= this.#load()).get(table)?.get(row)?.get(col);
    return known ?? this.#lookup(table, row, col);
  }

  /** The keys in the table now, but those this connection inserted. */
  #load(): KeyMap {
    const ids: KeyMap = new Map();
    const rows = this.#db.prepare('SELECT id, table_name, row_key, col_key FROM cell_keys').all() as {
      id: number;
      table_name: string;
      row_key: string;
      col_key: string;
    }[];
    for (const k of rows) {
      if (this.#inserted.has(`${k.table_name}\u0000${k.row_key}\u0000${k.col_key}`)) continue;
      let byRow = ids.get(k.table_name);
      if (!byRow) ids.set(k.table_name, (byRow = new Map()));
      let byCol = byRow.get(k.row_key);
      if (!byCol) byRow.set(k.row_key, (byCol = new Map()));
      byCol.set(k.col_key, k.id);
    }
    return ids;
  }

  /** A key the map does not hold: inserted if missing, then read. */
  #lookup(table: string, row: string, col: string): number {
    this.#insert ??= this.#db.prepare('INSERT OR IGNORE INTO cell_keys (table_name, row_key, col_key) VALUES (?, ?, ?)');
    this.#select ??= this.#db.prepare('SELECT id FROM cell_keys WHERE table_name = ? AND row_key = ? AND col_key = ?').pluck();
    if (this.#insert.run(table, row, col).changes > 0) this.#inserted.add(`${table}\u0000${row}\u0000${col}`);
    return this.#select.get(table, row, col) as number;
  }
}
