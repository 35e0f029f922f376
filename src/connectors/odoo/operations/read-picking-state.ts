import type { OdooClient } from '../client.js';

/** draft | waiting | confirmed | assigned (ready) | done | cancel */
export interface PickingState {
  pickingId: number;
  name: string;
  state: string;
}

/** The deliveries of one sale order (several after a backorder), oldest first. */
export async function readPickingState(client: OdooClient, saleOrderId: number): Promise<PickingState[]> {
  const rows = await client.call<{ id: number; name: string; state: string }[]>('stock.picking', 'search_read', {
    domain: [['sale_id', '=', saleOrderId]],
    fields: ['name', 'state'],
    order: 'id asc',
  });
  return rows.map((r) => ({ pickingId: r.id, name: r.name, state: r.state }));
}
