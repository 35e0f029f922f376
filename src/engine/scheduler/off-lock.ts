import type { SqlExecutor, Store } from '../../store/port.js';
import type { Intake } from '../intake/intake.js';

/** The slot a read is for, and the time it reads at (the scheduler's clock, carried in the result). */
export interface ReadSlot {
  job: string;
  slotMs: number;
  now: number;
}

/** What a read produced: the event its handler writes from. */
export interface ReadResult {
  type: string;
  payload: Record<string, unknown>;
}

/**
 * A scheduled control whose READ runs off the write lock: `read` gets a snapshot of committed state
 * (`Store.snapshot`), computes the report with the pure rules, and returns it as an event; the
 * event's handler, in the dispatcher's transaction, only writes. Only reads in `read`: it runs
 * beside the engine, and nothing it does is in any transaction that commits.
 */
export interface OffLockJob {
  read(db: SqlExecutor, slot: ReadSlot): Promise<ReadResult>;
}

/**
 * Where a slot's read runs instead of in this thread: a scheduled-read worker (read-worker.ts), given
 * the job by name, reads its own snapshot of the same store and answers the same `ReadResult`.
 */
export type OffLockReader = (job: string, slot: ReadSlot) => Promise<ReadResult>;

/** The snapshot read of a job's slot failed: nothing was submitted, nothing written; the next slot runs. */
export class ScheduledReadFailed extends Error {
  readonly code = 'E_SCHEDULED_READ';
  constructor(readonly job: string, readonly slotMs: number, override readonly cause: unknown) {
    super(`scheduled read ${job}@${new Date(slotMs).toISOString()} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** The lease of a job's slot: the source event id its tick and its result share (one of them lands). */
export const slotEventId = (job: string, slotMs: number): string => `${job}@${new Date(slotMs).toISOString()}`;

/** How a slot of an off-lock job ended here: its intake status, `landed` (another process's), or the failure code. */
export type OffLockStatus = string;

/**
 * One slot of an off-lock job. The slot's event is submitted through intake, source `scheduler`,
 * source event id `<job>@<slot>` — the event log's unique index is the lease, as for ticks: with
 * several processes each may read, exactly one result lands (the others are answered duplicate or
 * mismatch and change nothing). Before reading, one indexed lookup skips a slot already landed, so
 * in the usual case only the first process reads.
 *
 * What can go wrong, and what then happens (docs/checks.md, "Run on a schedule"):
 * - the read fails (on a worker: it threw, died, or did not answer within its deadline):
 *   `ScheduledReadFailed`, nothing submitted and nothing written; the slot is not
 *   tried again here, the next slot runs (the books gauges' timestamp ages meanwhile);
 * - the process stops between read and submit: the slot's event never arrives (unless another
 *   process's does); the next slot runs — a report that was never written is simply not there;
 * - the submit fails (intake refuses or the store is down): reported like a failed tick.
 */
export async function runOffLockSlot(store: Store, intake: Intake, job: OffLockJob, slot: ReadSlot, reader?: OffLockReader): Promise<OffLockStatus> {
  const sourceEventId = slotEventId(slot.job, slot.slotMs);
  const landed = await store.read.get<{ one: number }>(
    'SELECT 1 AS one FROM events WHERE source = ? AND source_event_id = ?', ['scheduler', sourceEventId]);
  if (landed) return 'landed';
  let result: ReadResult;
  try {
    result = reader ? await reader(slot.job, slot) : await store.snapshot((db) => job.read(db, slot));
  } catch (e) {
    throw new ScheduledReadFailed(slot.job, slot.slotMs, e);
  }
  const r = await intake.submit(
    { source: 'scheduler', sourceEventId, type: result.type, occurredAt: new Date(slot.slotMs).toISOString(), payload: result.payload },
    { internal: true, actor: 'scheduler', actorRole: 'system' },
  );
  return r.ok ? r.status : r.error.code;
}
