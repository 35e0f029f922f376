import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { backorderedQueue, orderById, overdueFulfilments, uncollectedFulfilments, type OrderRecord } from '../../store/repos/orders.js';
import { nextWindow } from '../queue-window.js';
import { fixedContext } from '../../domain/decision-context.js';
import { routeOrder, type LineToSource } from '../../domain/sourcing/index.js';
import { orderToSource, routeAndReserve } from './routing.js';
import { loadSourcingSnapshot } from './snapshot.js';
import { failedLocationsOf } from './failed-locations.js';
import { unservedLines } from './open-fulfilments.js';
import { persistOrder } from './transition.js';
import { reviseKeptPromisesWithoutUnits } from './kept-promises.js';

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
export async function routingWouldPlace(h: HandlerContext, policies: PolicyBook, order: OrderRecord, lines: readonly LineToSource[]): Promise<boolean> {
  const request = orderToSource(order, lines);
  const snapshot = await loadSourcingSnapshot(h.tx, request.lines.map((l) => l.sku), failedLocationsOf(order), h.decision.now);
  // Its own id source: the real routing that may follow must draw the ids a replay draws.
  const outcome = routeOrder(request, snapshot, await policies.get('sourcing', h.tx), fixedContext(h.decision.now, 'probe')).outcome;
  return outcome === 'allocated' || outcome === 'needs_approval';
}

/**
 * How many backorders one tick looks at. An operational bound, not a business threshold: each look
 * reads a routing snapshot inside the tick's one transaction, and the tick must stay short enough
 * not to hold up the dispatcher.
 */
const RETRY_BATCH = 200;
/** Where the retry's place in the queue is kept between ticks: beside the scheduler's own state. */
const RETRY_CURSOR = 'backorder-retry:cursor';

/** The backorders this tick looks at: the next `RETRY_BATCH` in placed order (placed time, then id), as `nextWindow` keeps its place. */
async function retryWindow(h: HandlerContext): Promise<string[]> {
  const window = await nextWindow(h.tx, RETRY_CURSOR, RETRY_BATCH, (limit, range) => backorderedQueue(h.tx, limit, range), (p) => p);
  return window.map((p) => p.id);
}

/**
 * Backordered orders are routed again once routing can place them — only the lines no live
 * fulfilment carries (a split order's other part is still on its way). Each tick looks at the next
 * `RETRY_BATCH` backorders after where the last one stopped, so every backorder is looked at within
 * ceil(backorders / RETRY_BATCH) ticks (orders joining or leaving the queue move no one past the
 * place). Before, each tick looked at the oldest 200 only, and behind 200 that can never be placed,
 * newer ones waited for ever. The price: when stock frees up, the oldest waiting order gets it only
 * if it is in this tick's window — within the window it goes oldest first — so a newer order in the
 * window may get a unit an older one outside it waits for.
 */
export function backorderRetry(policies: PolicyBook): ScheduledControl {
  return async (h) => {
    const waiting: OrderRecord[] = [];
    for (const id of await retryWindow(h)) {
      const order = await orderById(h.tx, id);
      if (!order || order.state !== 'backordered') continue;
      const lines = await unservedLines(h, order);
      if (lines.length === 0 || !(await routingWouldPlace(h, policies, order, lines))) {
        waiting.push(order);
        continue;
      }
      await routeAndReserve(h, policies, order, 'stock is back', lines);
      await persistOrder(h, order);
    }
    // After placing: units this tick gave to another order are noticed now, not a window later.
    await reviseKeptPromisesWithoutUnits(h, policies, waiting);
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
