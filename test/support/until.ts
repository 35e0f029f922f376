/** Polls `fn` every 10 ms until it returns something truthy (that value), or fails naming `what`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, tries = 2000): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
