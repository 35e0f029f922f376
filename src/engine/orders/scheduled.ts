import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { overdueFulfilments, queryOrders, uncollectedFulfilments, type OrderRecord } from '../../store/repos/orders.js';
import { fixedContext } from '../../domain/decision-context.js';
import { routeOrder, type LineToSource } from '../../domain/sourcing/index.js';
import { orderToSource, routeAndReserve } from './routing.js';
import { loadSourcingSnapshot } from './snapshot.js';
import { unservedLines } from './open-fulfilments.js';
import { persistOrder } from './transition.js';

/** What one tick of a job does, inside the tick event's transaction. */
export type ScheduledControl = (h: HandlerContext) => Promise<void>;

/** Fulfilment SLA watch: every fulfilment past its accept or ship deadline expires (and is rerouted). */
export const fulfilmentSlaWatch: ScheduledControl = async (h) => {
  for (const f of await overdueFulfilments(h.tx, h.decision.now, 500)) {
    const deadline = f.state === 'assigned' ? 'accept' : 'ship';
    h.emit({ type: 'fulfilment.expired', payload: { fulfilmentId: f.id, orderId: f.orderId, deadline, dueAt: deadline === 'accept' ? f.acceptByMs : f.shipByMs } });
  }
};

/** Collection watch: every picked click-and-collect order past its collection window is announced uncollected (and cancelled). */
export const collectionWatch: ScheduledControl = async (h) => {
  for (const f of await uncollectedFulfilments(h.tx, h.decision.now, 500)) {
    h.emit({ type: 'fulfilment.uncollected', payload: { fulfilmentId: f.id, orderId: f.orderId, collectBy: f.collectByMs } });
  }
};

/**
 * Whether routing would now place these lines (allocate, or ask for protected stock): the router
 * itself, on a snapshot, with nothing written and no id drawn. A cruder test (any stock anywhere)
 * routed again every minute orders that only an excluded or ineligible location could serve, each
 * time announcing the same backorder and growing the order's routing history.
 */
async function routingWouldPlace(h: HandlerContext, policies: PolicyBook, order: OrderRecord, lines: readonly LineToSource[]): Promise<boolean> {
  const request = orderToSource(order, lines);
  const snapshot = await loadSourcingSnapshot(h.tx, request.lines.map((l) => l.sku), order.doc.excludedLocationIds, h.decision.now);
  // Its own id source: the real routing that may follow must draw the ids a replay draws.
  const outcome = routeOrder(request, snapshot, await policies.get('sourcing', h.tx), fixedContext(h.decision.now, 'probe')).outcome;
  return outcome === 'allocated' || outcome === 'needs_approval';
}

/**
 * Backordered orders are routed again, oldest first, once routing can place them — only the lines
 * no live fulfilment carries (a split order's other part is still on its way).
 */
export function backorderRetry(policies: PolicyBook): ScheduledControl {
  return async (h) => {
    for (const order of await queryOrders(h.tx, { state: 'backordered', oldestFirst: true, limit: 200 })) {
      const lines = await unservedLines(h, order);
      if (lines.length === 0 || !(await routingWouldPlace(h, policies, order, lines))) continue;
      await routeAndReserve(h, policies, order, 'stock is back', lines);
      await persistOrder(h, order);
    }
  };
}

export function scheduleTickHandler(controls: Record<string, ScheduledControl>): EventHandler {
  return {
    type: 'schedule.tick',
    name: 'scheduler.tick',
    async handle(h) {
      const { job } = h.event.payload as { job: string };
      // `rule:<id>` jobs (cron slots of automation rules) share one control registered as `rule:*`.
      const control = controls[job] ?? (job.includes(':') ? controls[`${job.slice(0, job.indexOf(':'))}:*`] : undefined);
      if (!control) throw new Error(`no scheduled control named ${job}`);
      await control(h);
    },
  };
}
