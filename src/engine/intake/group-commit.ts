interface Pending<I, O> {
  item: I;
  resolve(o: O): void;
  reject(e: unknown): void;
}

/**
 * Group commit: requests that arrive while a commit is under way wait for the next one, and the
 * whole group is written in ONE transaction — one fsync for many acknowledgements, without
 * weakening durability (nobody is answered before the commit that holds their write).
 * If the group's transaction fails, each item is retried alone so one bad item cannot fail others.
 * `commit` writes a group in one transaction and resolves only once it is durably committed.
 */
export class GroupCommit<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private flushing = 0;
  private scheduled = false;

  constructor(
    private readonly commit: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
    private readonly onCommitted?: (outputs: O[]) => void,
    /**
     * Groups that may be out at once (asked at each flush). 1 where each commit waits for the disk
     * while it holds the writer; more where the writer takes every group that waits into its next
     * commit and answers after a WAL sync it does not hold the lock for (SQLite's engine thread).
     */
    private readonly inFlight: () => number = () => 1,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  submitMany(items: I[]): Promise<O[]> {
    return Promise.all(items.map((i) => this.submit(i)));
  }

  private schedule(): void {
    if (this.flushing >= this.inFlight() || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this group.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing >= this.inFlight() || this.queue.length === 0) return;
    this.flushing++;
    const group = this.queue.splice(0, this.maxBatch);
    try {
      const outputs = await this.commit(group.map((p) => p.item));
      group.forEach((p, i) => p.resolve(outputs[i]!));
      this.onCommitted?.(outputs);
    } catch (groupError) {
      if (group.length === 1) group[0]!.reject(groupError);
      else await this.oneByOne(group);
    } finally {
      this.flushing--;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async oneByOne(group: Array<Pending<I, O>>): Promise<void> {
    for (const p of group) {
      try {
        const [o] = await this.commit([p.item]);
        p.resolve(o!);
        this.onCommitted?.([o!]);
      } catch (e) {
        p.reject(e);
      }
    }
  }
}
