import type { HandlerContext } from '../dispatch/handler.js';
import { queryExceptions } from '../../store/repos/exceptions.js';
import { processedEventIds } from '../../store/repos/events.js';
import { deliveredIds } from '../../store/repos/deliveries.js';
import { closeIfOpen } from './handlers.js';

/** Queues whose items stand for a dead event or delivery: a replay that goes through takes the cause away. */
const RETRIED_QUEUES = ['dead_letter_delivery', 'unmapped_status'] as const;
/** Items looked at per tick (open ones; a queue this long has other problems first). */
const PER_TICK = 500;

/**
 * Retry watch (scheduled): an item for a dead event or delivery whose replay went through — from the
 * item's Retry, or from the events or deliveries replay — is resolved by omniops, saying so. Before,
 * such items stayed open for ever, counted in the queues and the overview, and a person had to check
 * each one by hand. An event or delivery still dead (or pending again) leaves its item open.
 */
export async function retriedItemsWatch(h: HandlerContext): Promise<void> {
  const items = await queryExceptions(h.tx, { queues: RETRIED_QUEUES, state: 'open', limit: PER_TICK });
  const eventIds = items.flatMap((i) => (typeof i.detail.eventId === 'string' && i.subjectRef === `event:${i.detail.eventId}` ? [i.detail.eventId] : []));
  const deliveryIds = items.flatMap((i) => (typeof i.detail.deliveryId === 'string' && i.subjectRef === `delivery:${i.detail.deliveryId}` ? [i.detail.deliveryId] : []));
  const processed = await processedEventIds(h.tx, eventIds);
  const delivered = await deliveredIds(h.tx, deliveryIds);
  for (const item of items) {
    if (processed.has(String(item.detail.eventId)) && item.subjectRef.startsWith('event:')) {
      await closeIfOpen(h, item.category, item.subjectRef, 'the event was replayed and processed');
    } else if (delivered.has(String(item.detail.deliveryId)) && item.subjectRef.startsWith('delivery:')) {
      await closeIfOpen(h, item.category, item.subjectRef, 'the delivery was replayed and delivered');
    }
  }
}
