import type { Intake } from '../intake/intake.js';

export interface ScheduledJob {
  name: string;
  everyMs: number;
}

/**
 * Fires each job once per slot by appending a `schedule.tick` whose source event id is
 * `<job>@<slot>`: the event log's unique index is the cluster-wide lease, so with several
 * processes every slot fires exactly once. Only the current slot is ever offered — after downtime
 * a missed slot runs once, not once per slot missed.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly lastOffered = new Map<string, number>();

  constructor(
    private readonly intake: Intake,
    private readonly jobs: readonly ScheduledJob[],
    private readonly clock: () => number = Date.now,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  start(pollMs = 1000): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Offers the current slot of every job whose slot moved; returns the slots offered. */
  async tick(): Promise<Array<{ job: string; slotMs: number; status: string }>> {
    const now = this.clock();
    const offered: Array<{ job: string; slotMs: number; status: string }> = [];
    for (const job of this.jobs) {
      const slotMs = Math.floor(now / job.everyMs) * job.everyMs;
      if (this.lastOffered.get(job.name) === slotMs) continue;
      try {
        const r = await this.intake.submit(
          { source: 'scheduler', sourceEventId: `${job.name}@${new Date(slotMs).toISOString()}`, type: 'schedule.tick', occurredAt: new Date(slotMs).toISOString(), payload: { job: job.name, slotMs } },
          { internal: true, actor: 'scheduler', actorRole: 'system' },
        );
        this.lastOffered.set(job.name, slotMs);
        offered.push({ job: job.name, slotMs, status: r.ok ? r.status : r.error.code });
      } catch (e) {
        this.onError(e);
      }
    }
    return offered;
  }
}
