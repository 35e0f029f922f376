import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { SubjectFacts } from '../../domain/approvals/index.js';
import { DomainError } from '../../domain/errors.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { discountRequested, priceChangeRequested, supplierSubstitutionProposed, writeoffRequested } from '../../domain/approvals/event-definitions.js';
import { getProduct, putProduct } from '../../store/repos/masterdata.js';
import { getStock, takeOffShelf } from '../../store/repos/stock.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';
import {
  governedRequestById, insertGovernedRequest, moveGovernedRequest, type GovernedRequest,
} from '../../store/repos/approvals.js';
import { requestApproval } from './request.js';
import { openException } from '../exceptions/open.js';

type Kind = GovernedRequest['kind'];
const KINDS: readonly Kind[] = ['discount', 'price_change', 'writeoff', 'supplier_substitution'];

/** The id of a governed request: the sender's request id, per kind (two kinds may reuse an id). */
export const governedRequestId = (kind: Kind, requestId: string): string => `${kind}:${requestId}`;

/** What the sender asked for, per kind: the request document minus what the handler added from master data. */
const ASKED_FIELDS: Record<Kind, readonly string[]> = {
  discount: Object.keys(discountRequested.payload.shape),
  price_change: Object.keys(priceChangeRequested.payload.shape),
  writeoff: Object.keys(writeoffRequested.payload.shape),
  supplier_substitution: Object.keys(supplierSubstitutionProposed.payload.shape),
};

/**
 * Whether `asked` from `requestedBy` is the request already stored under its id. A request id is an
 * idempotency key: only the same sender asking for the same thing gets the stored request back;
 * anything else under that id is refused (E_IDEMPOTENCY_MISMATCH), so nobody receives someone
 * else's request, and a changed price is never answered with the old one as if it were accepted.
 */
export function isSameGovernedRequest(g: GovernedRequest, requestedBy: string, asked: Record<string, unknown>): boolean {
  if (g.requestedBy !== requestedBy) return false;
  const stored: Record<string, unknown> = {};
  for (const k of ASKED_FIELDS[g.kind]) stored[k] = g.doc[k];
  // Through JSON, as the stored document went: an absent optional field and an undefined one are alike.
  return canonicalJson(stored) === canonicalJson(JSON.parse(JSON.stringify(asked)));
}

const requesterOf = (h: HandlerContext): string => h.event.actor ?? `source:${h.event.source}`;
const at = (h: HandlerContext): string => new Date(h.decision.now).toISOString();

async function productOrRetry(h: HandlerContext, sku: string) {
  const product = await getProduct(h.tx, sku);
  // Master data may still be on its way: retried, then dead-lettered where an operator sees it.
  if (!product) throw new DomainError('E_NOT_FOUND', `unknown product ${sku}`);
  return product;
}

/**
 * What a location usually writes off: the median value of its last applied write-offs (null when it
 * has none, so only the absolute threshold of the policy applies).
 */
async function usualWriteoffValue(h: HandlerContext, locationId: string): Promise<number | null> {
  // Only this location's rows, selected in SQL: reading the latest rows of every location and
  // filtering afterwards lost a quiet store's history behind a busy DC's, its usual read as unknown
  // and the "≥ N × usual" rule of the policy silently never applied. The stored doc is JSON, where a
  // quote inside a value is escaped, so this key/value text matches the field itself only.
  const needle = `"locationId":${JSON.stringify(locationId)}`.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = await h.tx.all<{ doc: string }>(
    `SELECT doc FROM governed_requests WHERE kind = 'writeoff' AND state = 'applied' AND doc LIKE ? ESCAPE '\\' ORDER BY created_ms DESC, id DESC LIMIT 20`,
    [`%${needle}%`],
  );
  const values = rows.map((r) => JSON.parse(r.doc) as { locationId: string; value: number }).filter((d) => d.locationId === locationId).map((d) => d.value).sort((a, b) => a - b);
  if (values.length === 0) return null;
  const mid = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Claims the request, asks the approval engine, and applies at once when no approval is needed. */
async function raise<S extends Kind>(
  h: HandlerContext, policies: PolicyBook, kind: S, asked: { requestId: string } & Record<string, unknown>, derived: Record<string, unknown>, facts: SubjectFacts[S],
): Promise<void> {
  const requestId = asked.requestId;
  const g: GovernedRequest = { id: governedRequestId(kind, requestId), kind, state: 'awaiting_approval', approvalId: null, requestedBy: requesterOf(h), doc: { ...asked, ...derived }, createdMs: h.decision.now };
  if (!(await insertGovernedRequest(h.tx, g, at(h)))) {
    const stored = await governedRequestById(h.tx, g.id);
    if (stored && isSameGovernedRequest(stored, g.requestedBy, asked)) {
      h.audit({ action: `${kind}.duplicate_request`, subject: `governed:${g.id}`, detail: { requestId } });
      return;
    }
    // A refusal is an outcome, not a failure (retrying cannot change it): recorded, and nothing else
    // changes. The API checks the same before and after it sends the command and answers 409.
    const reason = stored && stored.requestedBy !== g.requestedBy ? 'other_requester' : 'different_content';
    h.audit({ action: `${kind}.request_refused`, subject: `governed:${g.id}`, detail: { requestId, code: 'E_IDEMPOTENCY_MISMATCH', reason, requestedBy: g.requestedBy, asked } });
    return;
  }
  h.audit({ action: `${kind}.requested`, subject: `governed:${g.id}`, after: { state: g.state }, detail: { ...g.doc, requestedBy: g.requestedBy } });
  const approval = await requestApproval(h, policies, { subject: kind, subjectRef: g.id, facts, requestedBy: g.requestedBy });
  if (approval.required === false) {
    await applyGoverned(h, g, 'no approval required');
  } else if (approval.required === true) {
    await moveGovernedRequest(h.tx, g.id, 'awaiting_approval', 'awaiting_approval', at(h), approval.approvalId);
  } else {
    await moveGovernedRequest(h.tx, g.id, 'awaiting_approval', 'blocked', at(h));
    h.audit({ action: `${kind}.blocked`, subject: `governed:${g.id}`, before: { state: 'awaiting_approval' }, after: { state: 'blocked' }, detail: { reason: approval.reason } });
  }
}

/**
 * The governed effect, exactly once: only the caller that moves the request out of
 * `awaiting_approval` carries it out (a second decision, a replay or a duplicate finds it moved).
 */
async function applyGoverned(h: HandlerContext, g: GovernedRequest, why: string): Promise<void> {
  if (!(await moveGovernedRequest(h.tx, g.id, 'awaiting_approval', 'applied', at(h)))) return;
  const subject = `governed:${g.id}`;
  const d = g.doc as Record<string, never>;
  switch (g.kind) {
    case 'price_change': {
      const product = await productOrRetry(h, d.sku);
      await putProduct(h.tx, { ...product, price: d.newPrice }, at(h), h.event.id);
      h.audit({ action: 'product.price_changed', subject: `product:${product.sku}`, before: { price: product.price }, after: { price: d.newPrice }, detail: { requestId: g.id, why } });
      break;
    }
    case 'discount':
      h.audit({ action: 'discount.granted', subject, after: { sku: d.sku, discountedPrice: d.discountedPrice, channel: d.channel ?? null, validUntil: d.validUntil ?? null }, detail: { why } });
      break;
    case 'supplier_substitution': {
      const product = await productOrRetry(h, d.sku);
      const from = d.fromSupplierId as string | undefined;
      const others = product.supplierIds.filter((s) => s !== d.toSupplierId && s !== from);
      const supplierIds = [d.toSupplierId as string, ...others];
      await putProduct(h.tx, { ...product, supplierIds }, at(h), h.event.id);
      h.audit({ action: 'product.supplier_substituted', subject: `product:${product.sku}`, before: { supplierIds: product.supplierIds }, after: { supplierIds }, detail: { requestId: g.id, why } });
      break;
    }
    case 'writeoff': {
      const before = await getStock(h.tx, d.sku, d.locationId);
      if (!(await takeOffShelf(h.tx, d.sku, d.locationId, d.qty, at(h)))) {
        // The units are no longer there unpromised (sold or reserved since): nothing is forced; a person looks.
        await moveGovernedRequest(h.tx, g.id, 'applied', 'blocked', at(h));
        h.audit({ action: 'writeoff.blocked', subject, detail: { reason: 'not enough unreserved stock', onHand: before?.onHand ?? 0, reserved: before?.reserved ?? 0 } });
        await openException(h, { category: 'reconciliation_discrepancy', subjectRef: `stock:${d.locationId}:${d.sku}`, summary: `write-off of ${d.qty} × ${d.sku} at ${d.locationId} approved but the stock is not there unreserved`, detail: { requestId: g.id } });
        return;
      }
      await markAvailabilityDirty(h.tx, [d.sku], h.decision.now);
      h.audit({ action: 'stock.written_off', subject: `stock:${d.locationId}:${d.sku}`, before: before ?? null, after: { onHand: (before?.onHand ?? 0) - d.qty }, detail: { qty: d.qty, value: d.value, requestId: g.id, why } });
      break;
    }
  }
  h.audit({ action: `${g.kind}.applied`, subject, before: { state: 'awaiting_approval' }, after: { state: 'applied' }, detail: { why } });
}

interface Decided { approvalId: string; subject: string; subjectRef: string; outcome: 'approved' | 'rejected' | 'expired'; expiryOutcome: string | null; decidedBy: string[] }

export function governedRequestHandlers(policies: PolicyBook): EventHandler[] {
  const discount: EventHandler = {
    type: 'discount.requested', name: 'approvals.discount_requested',
    async handle(h) {
      const p = h.event.payload as { requestId: string; sku: string; discountedPrice: number; channel?: string; validUntil?: string; reason?: string };
      const product = await productOrRetry(h, p.sku);
      await raise(h, policies, 'discount', p, { listPrice: product.price, unitCost: product.cost }, { priceAfter: p.discountedPrice, unitCost: product.cost });
    },
  };
  const priceChange: EventHandler = {
    type: 'price.change_requested', name: 'approvals.price_change_requested',
    async handle(h) {
      const p = h.event.payload as { requestId: string; sku: string; newPrice: number; reason?: string };
      const product = await productOrRetry(h, p.sku);
      await raise(h, policies, 'price_change', p, { oldPrice: product.price, unitCost: product.cost }, { priceAfter: p.newPrice, unitCost: product.cost });
    },
  };
  const writeoff: EventHandler = {
    type: 'writeoff.requested', name: 'approvals.writeoff_requested',
    async handle(h) {
      const p = h.event.payload as { requestId: string; sku: string; locationId: string; qty: number; reason?: string };
      const product = await productOrRetry(h, p.sku);
      const value = Math.round(p.qty * product.cost * 100) / 100;
      const usual = await usualWriteoffValue(h, p.locationId);
      await raise(h, policies, 'writeoff', p, { unitCost: product.cost, value, usualAdjustmentValue: usual }, { value, usualAdjustmentValue: usual });
    },
  };
  const substitution: EventHandler = {
    type: 'supplier.substitution_proposed', name: 'approvals.supplier_substitution_proposed',
    async handle(h) {
      const p = h.event.payload as { requestId: string; sku: string; fromSupplierId?: string; toSupplierId: string; amount?: number | null; reason?: string };
      await productOrRetry(h, p.sku);
      await raise(h, policies, 'supplier_substitution', p, {}, { amount: p.amount ?? null });
    },
  };
  const decided: EventHandler = {
    type: 'approval.decided', name: 'approvals.governed_effect',
    async handle(h) {
      const p = h.event.payload as unknown as Decided;
      if (!(KINDS as readonly string[]).includes(p.subject)) return;
      const g = await governedRequestById(h.tx, p.subjectRef);
      if (!g || g.approvalId !== p.approvalId || g.state !== 'awaiting_approval') return;
      if (p.outcome === 'approved' || (p.outcome === 'expired' && p.expiryOutcome === 'approve')) {
        await applyGoverned(h, g, `approved by ${p.decidedBy.join(', ') || 'expiry'} (approval ${p.approvalId})`);
        return;
      }
      const to = p.outcome === 'expired' ? 'expired' : 'rejected';
      if (await moveGovernedRequest(h.tx, g.id, 'awaiting_approval', to, at(h))) {
        h.audit({ action: `${g.kind}.${to}`, subject: `governed:${g.id}`, before: { state: 'awaiting_approval' }, after: { state: to }, detail: { approvalId: p.approvalId, decidedBy: p.decidedBy } });
      }
    },
  };
  return [discount, priceChange, writeoff, substitution, decided];
}
