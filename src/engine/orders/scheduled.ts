import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { overdueFulfilments, queryOrders, type OrderRecord } from '../../store/repos/orders.js';
import { stockOfSkus } from '../../store/repos/stock.js';
import { sellable } from '../../domain/inventory/stock.js';
import type { OrderPlacedPayload } from '../../domain/orders/index.js';
import { routeAndReserve } from './routing.js';
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

async function couldServeNow(h: HandlerContext, order: OrderRecord): Promise<boolean> {
  const lines = (order.doc.placed as unknown as OrderPlacedPayload).lines;
  const stock = await stockOfSkus(h.tx, lines.map((l) => l.sku));
  return lines.every((l) => stock.filter((s) => s.sku === l.sku).reduce((n, s) => n + sellable(s), 0) >= l.qty);
}

/** Backordered orders are routed again, oldest first, once their stock is back somewhere. */
export function backorderRetry(policies: PolicyBook): ScheduledControl {
  return async (h) => {
    for (const order of (await queryOrders(h.tx, { state: 'backordered', limit: 200 })).reverse()) {
      if (!(await couldServeNow(h, order))) continue;
      await routeAndReserve(h, policies, order, 'stock is back');
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
