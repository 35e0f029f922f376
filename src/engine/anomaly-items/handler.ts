import type { EventHandler } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { anomalyItemFor, type DetectedAnomaly } from '../../domain/anomaly/queue.js';
import { openException } from '../exceptions/open.js';

/**
 * An anomaly worth acting on lands in its owner's exception queue (`anomaly`): which kinds, from
 * which score and for whom is the anomaly policy's `queue`. A new finding while the item for the
 * same kind and subject is open counts on that item (occurrences, last seen, the latest finding)
 * instead of opening another; once resolved, the next finding opens a new item.
 */
export function anomalyItemsHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'anomaly.detected',
    name: 'anomaly.open_item',
    async handle(h) {
      const finding = h.event.payload as unknown as DetectedAnomaly;
      const policy = await policies.get('anomaly', h.tx);
      const decision = anomalyItemFor(finding, policy.queue);
      if (!decision.open) return;
      await openException(
        h,
        { category: 'anomaly', ownerRole: decision.ownerRole, subjectRef: decision.subjectRef, summary: decision.summary, detail: decision.detail },
        { countRecurrences: true },
      );
    },
  };
}
