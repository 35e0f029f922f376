/**
 * The key a routed order's sale order is pushed to Odoo under (its marker, so a retried push finds it):
 * the order id when its plan ships from one location, one per location otherwise. The push and the
 * cancel must agree on it, so both take it from here.
 */
export function saleOrderPushKey(orderId: string, locationId: string, locationsInPlan: number): string {
  return locationsInPlan === 1 ? orderId : `${orderId}#${locationId}`;
}

/** Every push key an order's routing decisions produced (their `order.routed` plans), with the locations behind each. */
export function pushKeysOf(orderId: string, plans: ReadonlyArray<ReadonlyArray<{ locationId: string }>>): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const plan of plans) {
    const locations = new Set(plan.map((a) => a.locationId));
    for (const l of locations) {
      const key = saleOrderPushKey(orderId, l, locations.size);
      keys.set(key, (keys.get(key) ?? new Set()).add(l));
    }
  }
  return keys;
}
