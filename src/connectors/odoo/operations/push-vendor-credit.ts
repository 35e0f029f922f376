import type { OdooClient } from '../client.js';
import { cents, omniopsMarker } from './markers.js';

export interface VendorCreditPush {
  /** The omniops supplier claim id: the idempotency key of this push (a claim is accepted once). */
  claimId: string;
  /** The return case the claim was made for: named on the line so the books lead back to it. */
  caseId: string;
  /** The supplier's Odoo partner. */
  vendorId: number;
  /** The credit the supplier granted, in the currency's major unit. */
  amount: number;
  /** The supplier's own credit note number, when it gave one. */
  creditNoteRef?: string | null;
  /** The day the supplier answered (YYYY-MM-DD, UTC): the credit note's date. */
  invoiceDate: string;
}

export interface VendorCreditPushResult {
  moveId: number;
  /** '/' until posted, then e.g. RBILL/2026/00001. */
  name: string;
  state: string;
  created: boolean;
  posted: boolean;
  duplicateIds: number[];
}

type Found = { id: number; name: string; state: string };

/** What a bookkeeper reads on the line: the claim, the case, and the supplier's own number when there is one. */
export function vendorCreditLineName(p: Pick<VendorCreditPush, 'claimId' | 'caseId' | 'creditNoteRef'>): string {
  const theirs = p.creditNoteRef ? `, supplier credit note ${p.creditNoteRef}` : '';
  return `Warranty claim ${p.claimId} (return ${p.caseId})${theirs}`;
}

/**
 * A supplier's credit for an accepted warranty claim: account.move with move_type 'in_refund' (a
 * vendor credit note), one line without a product, posted once. Exactly once the way
 * push-credit-note.ts is: our marker in `ref`, searched before create, posted only while draft.
 * Because `ref` holds the marker, the supplier's credit note number goes in the line's name: no
 * recorded capture shows account.move's other reference fields, so none is guessed. Odoo refuses
 * to post a vendor document without `invoice_date` ("The Bill/Refund date is required"), hence the
 * answer's day. NOT CAPTURED against a real server, like the customer credit note (docs/odoo.md).
 */
export async function pushVendorCredit(client: OdooClient, p: VendorCreditPush): Promise<VendorCreditPushResult> {
  const marker = omniopsMarker('supplier_credit', p.claimId);
  const found = await client.call<Found[]>('account.move', 'search_read', {
    domain: [['move_type', '=', 'in_refund'], ['ref', '=', marker]],
    fields: ['name', 'state'],
    order: 'id asc',
  });
  let move = found[0];
  let created = false;
  if (!move) {
    const [id] = await client.call<number[]>('account.move', 'create', {
      vals_list: [{
        move_type: 'in_refund',
        partner_id: p.vendorId,
        ref: marker,
        invoice_origin: `supplier-claim:${p.claimId}`,
        invoice_date: p.invoiceDate,
        invoice_line_ids: [[0, 0, { name: vendorCreditLineName(p), quantity: 1, price_unit: cents(p.amount) }]],
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
