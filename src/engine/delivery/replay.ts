import type { Store } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import { deliveryById, queryDeliveries, requeueStopped } from '../../store/repos/deliveries.js';
import { getDestination } from '../../store/repos/destinations.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';

/**
 * A dead or expired delivery back to pending with a fresh attempt budget. Its id — the idempotency
 * key the receiver dedups on, and the Odoo marker's key — does not change, so a replay of something
 * that did arrive (a lost answer) never produces a second effect. An expired one goes without its
 * send-by time: replaying it is the operator's decision that it is still worth sending.
 */
export async function replayDelivery(store: Store, actor: Actor, id: string): Promise<void> {
  await auditedTransaction(store, actor, async (tx, audit) => {
    const d = await deliveryById(tx, id);
    if (!d) throw new DomainError('E_NOT_FOUND', `no delivery ${id}`);
    if (d.status !== 'dead' && d.status !== 'expired') throw new DomainError('E_INVALID_STATE', `delivery ${id} is ${d.status}, not dead or expired`);
    await requeueStopped(tx, id);
    audit({ action: 'delivery.replayed', subject: `delivery:${id}`, before: { status: d.status }, after: { status: 'pending' }, detail: { destination: d.target ?? d.destination, kind: d.kind, lastError: d.lastError } });
  });
}

/**
 * Replays every dead delivery of a destination (registered id or outbox destination), oldest first.
 * A name that is neither a registered destination nor in the outbox at all is E_NOT_FOUND: a typo
 * must not read as "nothing was dead".
 */
export async function replayDestination(store: Store, actor: Actor, destination: string): Promise<string[]> {
  if (!(await getDestination(store.read, destination)) && (await queryDeliveries(store.read, { destination, limit: 1 })).length === 0) {
    throw new DomainError('E_NOT_FOUND', `no destination ${destination}`);
  }
  const done: string[] = [];
  for (;;) {
    const batch = await queryDeliveries(store.read, { status: 'dead', destination, limit: 500 });
    if (batch.length === 0) return done;
    for (const d of batch) {
      await replayDelivery(store, actor, d.id);
      done.push(d.id);
    }
  }
}
