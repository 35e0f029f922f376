import type { Tx } from '../store/port.js';
import { schedulerPlace, setSchedulerPlace, type QueuePlace } from '../store/repos/rule-runs.js';

/** Reads up to `limit` items of a queue ordered by (time, id), oldest first: after a place, or up to one (inclusive). */
export type QueueRead<T> = (limit: number, range: { after?: QueuePlace; upTo?: QueuePlace }) => Promise<T[]>;

/**
 * The next `limit` items of a queue a scheduled control works through a window a tick: those after
 * where the last tick stopped, wrapping to the oldest at the end, never past where this tick began.
 * The place is kept beside the scheduler's slots under `key`, in the tick's transaction, as the last
 * item looked at (a key, not a position: items leaving the queue ahead of it move no one past it).
 * Every item is looked at within ceil(queue / limit) ticks, however many never leave it — a window
 * of the oldest (or the newest) alone would look at the same stuck items for ever.
 */
export async function nextWindow<T>(tx: Tx, key: string, limit: number, read: QueueRead<T>, placeOf: (item: T) => QueuePlace): Promise<T[]> {
  const after = await schedulerPlace(tx, key);
  const tail = await read(limit, after ? { after } : {});
  const head = after && tail.length < limit ? await read(limit - tail.length, { upTo: after }) : [];
  const last = head.length > 0 ? head[head.length - 1] : tail[tail.length - 1];
  if (last !== undefined) await setSchedulerPlace(tx, key, placeOf(last));
  // Oldest first within the window: the head (wrapped to) is older than the tail.
  return [...head, ...tail];
}
