/**
 * Giving up on a pending promise when an `AbortSignal` fires: the fetch's signal cuts a queued
 * hop (politeness interval, Retry-After, robots.txt) short instead of waiting for it.
 */
import { FetchAbortedError } from './errors.js';

/** `p`, or a {@link FetchAbortedError} as soon as `signal` fires (`p` keeps running; its result is dropped). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, url: URL): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new FetchAbortedError({ url: url.href, cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new FetchAbortedError({ url: url.href, cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
