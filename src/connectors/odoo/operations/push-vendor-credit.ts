import type { OdooClient } from '../client.js';
import { cents, omniopsMarker } from './markers.js';
import { postMarkedMove, type MovePushResult } from './post-marked-move.js';
import type { CurrencyIds } from './currency.js';

export interface VendorCreditPush {
  /** The omniops supplier claim id: the idempotency key of this push (a claim is accepted once). */
  claimId: string;
  /** The return case the claim was made for: named on the line so the books lead back to it. */
  caseId: string;
  /** The supplier's Odoo partner. */
  vendorId: number;
  /** The credit the supplier granted, in the currency's major unit. */
  amount: number;
  /** The credit's ISO currency (the return case's); absent or null: the company's currency. */
  currency?: string | null;
  /** The supplier's own credit note number, when it gave one. */
  creditNoteRef?: string | null;
  /** The day the supplier answered (YYYY-MM-DD, UTC): the credit note's date. */
  invoiceDate: string;
}

/** What the push did (post-marked-move.ts). */
export type VendorCreditPushResult = MovePushResult;

/** What a bookkeeper reads on the line: the claim, the case, and the supplier's own number when there is one. */
export function vendorCreditLineName(p: Pick<VendorCreditPush, 'claimId' | 'caseId' | 'creditNoteRef'>): string {
  const theirs = p.creditNoteRef ? `, supplier credit note ${p.creditNoteRef}` : '';
  return `Warranty claim ${p.claimId} (return ${p.caseId})${theirs}`;
}

/**
 * A supplier's credit for an accepted warranty claim: account.move with move_type 'in_refund' (a
 * vendor credit note), one line without a product, posted once. Exactly once as the customer's
 * credit note is (postMarkedMove: our marker in `ref`, searched before create, posted only while draft).
 * Because `ref` holds the marker, the supplier's credit note number goes in the line's name: no
 * recorded capture shows account.move's other reference fields, so none is guessed. Odoo refuses
 * to post a vendor document without `invoice_date` ("The Bill/Refund date is required"), hence the
 * answer's day. NOT CAPTURED against a real server, like the customer credit note (docs/odoo.md).
 */
export async function pushVendorCredit(client: OdooClient, p: VendorCreditPush, currencies?: CurrencyIds): Promise<VendorCreditPushResult> {
  return postMarkedMove(client, 'in_refund', omniopsMarker('supplier_credit', p.claimId), {
    partner_id: p.vendorId,
    invoice_origin: `supplier-claim:${p.claimId}`,
    invoice_date: p.invoiceDate,
    invoice_line_ids: [[0, 0, { name: vendorCreditLineName(p), quantity: 1, price_unit: cents(p.amount) }]],
  }, { code: p.currency, currencies });
}
