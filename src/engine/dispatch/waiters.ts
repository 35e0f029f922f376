/**
 * In-process wake-ups for long-polls (`GET /v1/events/{id}?wait=`) and synchronous API commands.
 * Across processes the caller also polls the store, so a missed wake-up only costs latency.
 */
export class EventWaiters {
  private readonly waiting = new Map<string, Array<() => void>>();

  wait(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const list = this.waiting.get(id);
        if (list) {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.waiting.delete(id);
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const list = this.waiting.get(id) ?? [];
      list.push(done);
      this.waiting.set(id, list);
    });
  }

  notify(ids: Iterable<string>): void {
    for (const id of ids) {
      const list = this.waiting.get(id);
      if (list) for (const fn of [...list]) fn();
    }
  }
}
