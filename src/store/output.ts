/** A buffered, backpressure-aware text sink over stdout or a file. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export class OutputSink {
  #buf: string[] = [];
  #size = 0;
  readonly #stream: NodeJS.WritableStream;
  readonly #owned: boolean;

  /** @param target a file path (created/truncated), or a stream (default: process.stdout) */
  constructor(target?: string | NodeJS.WritableStream) {
    if (typeof target === 'string') {
      this.#stream = createWriteStream(target);
      this.#owned = true;
    } else {
      this.#stream = target ?? process.stdout;
      this.#owned = false;
    }
  }

  /** Queues a chunk (synchronous; call `maybeFlush` from the producing loop). */
  readonly write = (chunk: string): void => {
    this.#buf.push(chunk);
    this.#size += chunk.length;
  };

  /** Flushes when enough is buffered, waiting for `drain` when the stream asks to. */
  async maybeFlush(threshold = 1 << 16): Promise<void> {
    if (this.#size >= threshold) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#size === 0) return;
    const data = this.#buf.join('');
    this.#buf = [];
    this.#size = 0;
    if (!this.#stream.write(data)) await once(this.#stream, 'drain');
  }

  /** Flushes and, for a file, closes it. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#owned) {
      const done = once(this.#stream, 'finish');
      this.#stream.end();
      await done;
    }
  }
}
