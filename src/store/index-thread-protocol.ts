/**
 * The messages between a bulk writer and its index thread (index-thread.ts, index-thread-run.ts).
 * Types only: the thread imports this file without importing the writer's side.
 */

/** What the thread is started with. */
export interface IndexThreadData {
  /** The database file (the thread opens a connection of its own, `query_only`). */
  file: string;
  /** Its busy timeout, ms. */
  busyMs: number;
}

/** Writer → thread: a group just committed, and the reports whose text it wrote. */
export interface GroupMessage {
  kind: 'group';
  /** The writer's group number (echoed back). */
  group: number;
  /** The writer connection's `PRAGMA data_version` right after that commit (echoed back). */
  dataVersion: number;
  /** Report ids, each once. */
  ids: number[];
}

/** Writer → thread: the bytes of a {@link PiecesMessage}, stored, handed back for the next message. */
export interface ReturnMessage {
  kind: 'return';
  bytes: Uint8Array<ArrayBuffer>;
}

/** Writer → thread: close the connection and end. */
export interface CloseMessage {
  kind: 'close';
}

export type ToIndexThread = GroupMessage | ReturnMessage | CloseMessage;

/**
 * Thread → writer: the search pieces of some reports of a group that were still pending when the
 * thread read them (ids and pieces in the same order; reports no longer pending are left out).
 * A group comes in several of these (PIECES_PER_MESSAGE reports at most), then a `done`.
 */
export interface PiecesMessage {
  kind: 'pieces';
  group: number;
  dataVersion: number;
  ids: number[];
  /**
   * The pieces of each report (ASCII, space-separated), one after the other: report i's end at
   * `ends[i]`. Bytes, transferred, not strings: strings copied into the writer's heap in bulk
   * raised its peak by ~25 MB at 10,000 reports; each report's string is now made just before it
   * is stored, and dies young. The writer hands the bytes back (`return`), so the same few buffers
   * go back and forth instead of new ones waiting for a collection (+45 MB of external memory).
   */
  bytes: Uint8Array<ArrayBuffer>;
  ends: number[];
}

/** Reports per {@link PiecesMessage}: small messages, stored as they come, keep both threads' memory flat. */
export const PIECES_PER_MESSAGE = 32;

/** Thread → writer: a group is done, and the frames in the WAL after the thread's checkpoint. */
export interface DoneMessage {
  kind: 'done';
  group: number;
  walFrames: number;
}

/** Thread → writer: the thread failed (it stops; the writer's own index pass does the rest). */
export interface FailedMessage {
  kind: 'failed';
  message: string;
}

export type FromIndexThread = PiecesMessage | DoneMessage | FailedMessage;
