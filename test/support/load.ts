/** Small helpers for tests that drive a real server with many requests (kill -9, loads). */

/** Runs `fn` over the items with a fixed number of concurrent workers; `stop()` ends the pulling early. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop() && next < items.length) await fn(items[next++]!);
    }),
  );
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Polls until `done` holds (a state reached), at most `tries` × 100 ms; not a timing assertion. */
export async function waitFor<T>(get: () => Promise<T> | T, done: (v: T) => boolean, tries = 300): Promise<T> {
  let v = await get();
  for (let i = 0; i < tries && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await get();
  }
  return v;
}
