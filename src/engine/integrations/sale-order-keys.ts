/**
 * Which Odoo sale orders an order's routing decisions stand for, and the key each is pushed under (its
 * marker, so a retried or replayed push finds it). The push, the reroute's cancel and the order's
 * cancel must agree on them, so all take them from here, recomputed from the `order.routed` events.
 *
 * The first routing keeps the keys orders were always pushed under: the order id when its plan ships
 * from one location, `<order>#<location>` otherwise. Every later routing (a reroute after a rejection or
 * a missed SLA, lines placed after a backorder or a hold) keys each of its fulfilments on its own:
 * `<order>#<fulfilment>`. A reused key would make the push find the first sale order and change nothing
 * — Odoo kept the first warehouse and never got the lines — and a sale order covering several
 * fulfilments could not be cancelled for one of them alone. Odoo cannot move a confirmed order to
 * another warehouse (its picking was made in the first), so a moved part gets a new order.
 */
export interface PushedSaleOrder {
  pushKey: string;
  locationId: string;
  /** The fulfilments whose lines the sale order carries (one, except for orders pushed before this rule). */
  fulfilmentIds: string[];
}

type Allocation = { locationId: string; fulfilmentId?: string };

export function saleOrderPushKey(orderId: string, locationId: string, locationsInPlan: number): string {
  return locationsInPlan === 1 ? orderId : `${orderId}#${locationId}`;
}

/** The sale orders one routing decision (the `routing`-th of the order, from 0) is pushed as. */
export function saleOrdersOfRouting(orderId: string, routing: number, plan: ReadonlyArray<Allocation>): PushedSaleOrder[] {
  const locations = new Set(plan.map((a) => a.locationId));
  const byKey = new Map<string, PushedSaleOrder>();
  for (const a of plan) {
    const pushKey = routing === 0 || !a.fulfilmentId ? saleOrderPushKey(orderId, a.locationId, locations.size) : `${orderId}#${a.fulfilmentId}`;
    const so = byKey.get(pushKey) ?? { pushKey, locationId: a.locationId, fulfilmentIds: [] };
    if (a.fulfilmentId && !so.fulfilmentIds.includes(a.fulfilmentId)) so.fulfilmentIds.push(a.fulfilmentId);
    byKey.set(pushKey, so);
  }
  return [...byKey.values()];
}

/** Every sale order an order's routing decisions (their plans, oldest first) were pushed as. */
export function saleOrdersOf(orderId: string, plans: ReadonlyArray<ReadonlyArray<Allocation>>): PushedSaleOrder[] {
  return plans.flatMap((plan, i) => saleOrdersOfRouting(orderId, i, plan));
}

/**
 * The sale orders of an order from its logged routings, completed with the fulfilments no logged plan
 * names: a decided event runs before its row is written when it follows its cause in the same batch,
 * so the newest routing may not be in the log yet. Such fulfilments are keyed as the first routing's
 * when nothing is logged, on their own otherwise (as `routedToErp` keyed them).
 */
export function saleOrdersWith(orderId: string, loggedPlans: ReadonlyArray<ReadonlyArray<Allocation>>, fulfilments: ReadonlyArray<{ id: string; locationId: string }>): PushedSaleOrder[] {
  const logged = saleOrdersOf(orderId, loggedPlans);
  const named = new Set(logged.flatMap((so) => so.fulfilmentIds));
  const rest = fulfilments.filter((f) => !named.has(f.id)).map((f) => ({ locationId: f.locationId, fulfilmentId: f.id }));
  return rest.length === 0 ? logged : [...logged, ...saleOrdersOfRouting(orderId, loggedPlans.length, rest)];
}
