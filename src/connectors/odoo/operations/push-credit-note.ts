import type { OdooClient } from '../client.js';
import { cents, omniopsMarker } from './markers.js';
import { postMarkedMove, type MovePushResult } from './post-marked-move.js';
import type { CurrencyIds } from './currency.js';

export interface CreditNotePush {
  /** The omniops refund id: the idempotency key of this push. */
  refundId: string;
  partnerId: number;
  /** Shown in Odoo as the source document (e.g. the channel order ref or the invoice it refunds). */
  sourceRef: string;
  lines: { productId: number; quantity: number; unitPrice: number; description?: string }[];
  /** The refund's ISO currency (the unit prices are in it); absent on old rows: the company's currency. */
  currency?: string | null;
}

/** What the push did (post-marked-move.ts). */
export type CreditNotePushResult = MovePushResult;

/**
 * A customer credit note: account.move with move_type 'out_refund', posted once.
 * NOT CAPTURED against a real server (the recordings cover sales/stock/purchase only): the shape is by
 * analogy with sale.order and Odoo's account.move fields (move_type, ref, invoice_origin,
 * invoice_line_ids, action_post). Our marker goes in `ref` (postMarkedMove: created and posted once). Verify against a real Odoo (docs/odoo.md)
 * before relying on it: accounting setups may require a journal, taxes or an invoice date.
 */
export async function pushCreditNote(client: OdooClient, p: CreditNotePush, currencies?: CurrencyIds): Promise<CreditNotePushResult> {
  return postMarkedMove(client, 'out_refund', omniopsMarker('refund', p.refundId), {
    partner_id: p.partnerId,
    invoice_origin: p.sourceRef,
    invoice_line_ids: p.lines.map((l) => [0, 0, {
      product_id: l.productId, quantity: l.quantity, price_unit: cents(l.unitPrice), ...(l.description ? { name: l.description } : {}),
    }]),
  }, { code: p.currency, currencies });
}
