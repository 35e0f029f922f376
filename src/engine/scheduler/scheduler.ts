import type { Intake } from '../intake/intake.js';
import type { Store } from '../../store/port.js';
import { runOffLockSlot, slotEventId, type OffLockJob, type OffLockReader } from './off-lock.js';

export interface ScheduledJob {
  name: string;
  everyMs: number;
}

/** Jobs whose read runs off the write lock (off-lock.ts), and the store they read a snapshot of. */
export interface OffLockJobs {
  store: Store;
  jobs: Readonly<Record<string, OffLockJob>>;
  /** Where the reads run; without it, in this thread on `store.snapshot` (see readOffThread). */
  reader?: OffLockReader;
}

/** Cron jobs (automation rules with a schedule trigger): the slot each one should fire now, if any. */
export interface CronSource {
  dueSlots(now: number): Promise<Array<{ job: string; slotMs: number }>>;
}

/**
 * Fires each job once per slot by appending a `schedule.tick` whose source event id is
 * `<job>@<slot>`: the event log's unique index is the cluster-wide lease, so with several
 * processes every slot fires exactly once. Only the current slot is ever offered — after downtime
 * a missed slot runs once, not once per slot missed. A job in `offLock` does not tick: its slot reads a
 * snapshot off the write lock and submits the result under the same `<job>@<slot>` lease instead,
 * after the slots of every other job have been offered (a read takes a second; a tick, a commit).
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly lastOffered = new Map<string, number>();
  /** The tick the timer started, while it runs: stop() ends the timer, not a tick already offering slots. */
  private inFlight: Promise<unknown> | null = null;
  /** Set by readOffThread; else the jobs' own `reader`, if any. */
  private reader: OffLockReader | undefined;

  constructor(
    private readonly intake: Intake,
    private readonly jobs: readonly ScheduledJob[],
    private readonly clock: () => number = Date.now,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly cron?: CronSource,
    private readonly offLock?: OffLockJobs,
  ) {}

  start(pollMs = 1000): void {
    if (this.timer) return;
    this.timed();
    this.timer = setInterval(() => this.timed(), pollMs);
  }

  private timed(): void {
    const tick = this.tick().finally(() => {
      if (this.inFlight === tick) this.inFlight = null;
    });
    this.inFlight = tick;
  }

  /**
   * From now on the off-lock jobs' reads run through `reader` (a scheduled-read worker) instead of
   * in this thread: `omniops serve` sets it before starting the loops (engine/host).
   */
  readOffThread(reader: OffLockReader): void {
    this.reader = reader;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Resolves once no tick the timer started is still offering slots. After stop(), a caller that
   * moves the clock (a test jumping a day) waits for this first: a tick already under way, each of
   * its slots a write, would otherwise offer its last slots at the new time.
   */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
  }

  /** Offers the current slot of every job whose slot moved; returns the slots offered. */
  async tick(): Promise<Array<{ job: string; slotMs: number; status: string }>> {
    const now = this.clock();
    const offered: Array<{ job: string; slotMs: number; status: string }> = [];
    const slots = this.jobs.map((job) => ({ job: job.name, slotMs: Math.floor(now / job.everyMs) * job.everyMs }));
    if (this.cron) {
      try {
        // Cron slots come from the store (the last slot each job fired), so a restarted or second
        // process offers the same single slot: after downtime the latest missed slot fires once.
        slots.push(...(await this.cron.dueSlots(now)));
      } catch (e) {
        this.onError(e);
      }
    }
    const reads: Array<{ job: string; slotMs: number; read: OffLockJob }> = [];
    for (const { job, slotMs } of slots) {
      if (this.lastOffered.get(job) === slotMs) continue;
      const read = this.offLock?.jobs[job];
      if (read) {
        // Offered now, whatever happens: a failed read is not retried every poll, the next slot runs;
        // and a tick that starts while this one still reads (one per poll) does not read it again.
        this.lastOffered.set(job, slotMs);
        reads.push({ job, slotMs, read });
        continue;
      }
      try {
        const r = await this.intake.submit(
          { source: 'scheduler', sourceEventId: slotEventId(job, slotMs), type: 'schedule.tick', occurredAt: new Date(slotMs).toISOString(), payload: { job, slotMs } },
          { internal: true, actor: 'scheduler', actorRole: 'system' },
        );
        this.lastOffered.set(job, slotMs);
        offered.push({ job, slotMs, status: r.ok ? r.status : r.error.code });
      } catch (e) {
        this.onError(e);
      }
    }
    for (const { job, slotMs, read } of reads) {
      try {
        offered.push({ job, slotMs, status: await runOffLockSlot(this.offLock!.store, this.intake, read, { job, slotMs, now: this.clock() }, this.reader ?? this.offLock!.reader) });
      } catch (e) {
        offered.push({ job, slotMs, status: (e as { code?: string }).code ?? 'failed' });
        this.onError(e);
      }
    }
    return offered;
  }
}
