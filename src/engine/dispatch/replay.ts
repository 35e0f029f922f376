import type { Store } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import { deadEvents, eventById, requeueDead } from '../../store/repos/events.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';

/** Replays one dead event: back to pending with a fresh attempt budget, audited. */
export async function replayDead(store: Store, actor: Actor, id: string): Promise<void> {
  await auditedTransaction(store, actor, async (tx, audit) => {
    const e = await eventById(tx, id);
    if (!e) throw new DomainError('E_NOT_FOUND', `no event ${id}`);
    if (e.status !== 'dead') throw new DomainError('E_INVALID_STATE', `event ${id} is ${e.status}, not dead`);
    await requeueDead(tx, id);
    audit({ action: 'event.replayed', subject: e.subject, detail: { eventId: id, type: e.type, lastError: e.lastError } });
  });
}

/** Replays every dead event, oldest first; returns how many were requeued. */
export async function replayAllDead(store: Store, actor: Actor): Promise<number> {
  let n = 0;
  for (;;) {
    const batch = await deadEvents(store.read, 500);
    if (batch.length === 0) return n;
    for (const e of batch) {
      await replayDead(store, actor, e.id);
      n++;
    }
  }
}
