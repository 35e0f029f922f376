import type { OdooClient } from '../client.js';
import { cents, omniopsMarker } from './markers.js';

export interface CreditNotePush {
  /** The omniops refund id: the idempotency key of this push. */
  refundId: string;
  partnerId: number;
  /** Shown in Odoo as the source document (e.g. the channel order ref or the invoice it refunds). */
  sourceRef: string;
  lines: { productId: number; quantity: number; unitPrice: number; description?: string }[];
}

export interface CreditNotePushResult {
  moveId: number;
  /** '/' until posted, then e.g. RINV/2026/00001. */
  name: string;
  state: string;
  created: boolean;
  posted: boolean;
  duplicateIds: number[];
}

type Found = { id: number; name: string; state: string };

/**
 * A customer credit note: account.move with move_type 'out_refund', posted once.
 * NOT CAPTURED against a real server (the recordings cover sales/stock/purchase only): the shape is by
 * analogy with sale.order and Odoo's account.move fields (move_type, ref, invoice_origin,
 * invoice_line_ids, action_post). Our marker goes in `ref`. Verify against a real Odoo (docs/odoo.md)
 * before relying on it: accounting setups may require a journal, taxes or an invoice date.
 */
export async function pushCreditNote(client: OdooClient, p: CreditNotePush): Promise<CreditNotePushResult> {
  const marker = omniopsMarker('refund', p.refundId);
  const found = await client.call<Found[]>('account.move', 'search_read', {
    domain: [['move_type', '=', 'out_refund'], ['ref', '=', marker]],
    fields: ['name', 'state'],
    order: 'id asc',
  });
  let move = found[0];
  let created = false;
  if (!move) {
    const [id] = await client.call<number[]>('account.move', 'create', {
      vals_list: [{
        move_type: 'out_refund',
        partner_id: p.partnerId,
        ref: marker,
        invoice_origin: p.sourceRef,
        invoice_line_ids: p.lines.map((l) => [0, 0, {
          product_id: l.productId, quantity: l.quantity, price_unit: cents(l.unitPrice), ...(l.description ? { name: l.description } : {}),
        }]),
      }],
    });
    created = true;
    move = (await client.call<Found[]>('account.move', 'read', { ids: [id!], fields: ['name', 'state'] }))[0];
    if (!move) throw new Error(`account.move ${id} vanished right after create`);
  }
  let posted = false;
  if (move.state === 'draft') {
    await client.call('account.move', 'action_post', { ids: [move.id] });
    posted = true;
    move = (await client.call<Found[]>('account.move', 'read', { ids: [move.id], fields: ['name', 'state'] }))[0] ?? move;
  }
  return { moveId: move.id, name: move.name, state: move.state, created, posted, duplicateIds: found.slice(1).map((f) => f.id) };
}
