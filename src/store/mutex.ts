/** A FIFO async mutex: callers run one at a time, in the order they asked. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  /** Callers that asked and have not finished (the one running included). */
  private queued = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const done = () => {
      this.queued--;
    };
    const result = this.tail.then(fn, fn);
    result.then(done, done);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Callers waiting behind the one running. */
  waiting(): number {
    return Math.max(0, this.queued - 1);
  }
}
