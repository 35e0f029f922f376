import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import { field, iso, list, mapStatus, num, optList, optNum, optStr, str, type CanonicalEvent } from './native.js';

/** Shopify's webhook signature: base64 HMAC-SHA256 of the raw body with the app's secret. */
export function verifyShopifyHmac(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (!header) return false;
  const sent = Buffer.from(header, 'base64');
  return secrets.some((s) => {
    const expected = createHmac('sha256', s).update(rawBody).digest();
    return expected.length === sent.length && timingSafeEqual(expected, sent);
  });
}

/** financial_status → our payment status; '-' means "nothing to tell the order flow". */
export const SHOPIFY_FINANCIAL_STATUS: Record<string, string> = {
  pending: 'pending', authorized: 'authorized', paid: 'captured', partially_paid: 'captured', partially_refunded: 'captured', refunded: 'captured', voided: 'failed', expired: 'failed',
};
/** shipping_lines[0].code → our shipping method. */
export const SHOPIFY_SHIPPING: Record<string, string> = { standard: 'standard', express: 'express', same_day: 'same_day', pickup: 'pickup', 'Standard': 'standard', 'Express': 'express' };

/**
 * A transaction's kind → what it tells about the order's money; 'ignore' tells nothing (cash change
 * handed back at a till). A kind with no mapping is an E_UNKNOWN_STATUS, as any unmapped label.
 */
export const SHOPIFY_TRANSACTION_KIND: Record<string, string> = {
  authorization: 'authorized', capture: 'captured', sale: 'captured', void: 'voided', refund: 'refunded', change: 'ignore',
};
const TRANSACTION_EVENTS: Record<string, string> = { authorized: 'payment.authorized', captured: 'payment.captured', voided: 'payment.voided', refunded: 'payment.refunded' };

export const SHOPIFY_TOPICS = ['orders/create', 'orders/updated', 'orders/cancelled', 'order_transactions/create', 'refunds/create'] as const;

/** A Shopify-style order webhook (topic from X-Shopify-Topic, dedup key from X-Shopify-Webhook-Id) → canonical events. */
export function mapShopify(topic: string, webhookId: string, body: unknown, statusMap: Record<string, string>, now: number): CanonicalEvent[] {
  const externalOrderId = str(body, 'id');
  const at = iso(field(body, 'updated_at') ?? field(body, 'created_at'), now);
  if (topic === 'orders/create') {
    const lines = list(body, 'line_items').map((_, i) => ({
      lineId: str(body, `line_items[${i}].id`),
      sku: str(body, `line_items[${i}].sku`),
      qty: num(body, `line_items[${i}].quantity`),
      unitPrice: num(body, `line_items[${i}].price`),
      ...(optNum(body, `line_items[${i}].total_discount`) ? { discount: optNum(body, `line_items[${i}].total_discount`) } : {}),
    }));
    const shippingCode = optStr(body, 'shipping_lines[0].code') ?? 'standard';
    const method = mapStatus(shippingCode, 'shipping_lines[0].code', SHOPIFY_SHIPPING, statusMap);
    const customerId = optStr(body, 'customer.id') ?? optStr(body, 'email');
    if (!customerId) throw new DomainError('E_SCHEMA', 'required field customer.id is missing', { issues: [{ path: 'customer.id', message: 'required (or email)' }] });
    const lat = optNum(body, 'shipping_address.latitude');
    const lon = optNum(body, 'shipping_address.longitude');
    return [{
      sourceEventId: webhookId, type: 'order.placed', occurredAt: iso(field(body, 'created_at'), now),
      payload: {
        externalOrderId,
        customer: { id: customerId, ...(optStr(body, 'email') ? { email: optStr(body, 'email') } : {}), ...(optStr(body, 'customer.created_at') ? { createdAt: iso(field(body, 'customer.created_at'), now) } : {}) },
        lines,
        currency: str(body, 'currency'),
        shipping: {
          method,
          address: { country: str(body, 'shipping_address.country_code'), ...(optStr(body, 'shipping_address.zip') ? { postcode: optStr(body, 'shipping_address.zip') } : {}), ...(lat !== undefined && lon !== undefined ? { lat, lon } : {}) },
          ...(optStr(body, 'note_attributes_pickup_location') ? { pickupLocationId: optStr(body, 'note_attributes_pickup_location') } : {}),
        },
        payment: {
          status: mapStatus(str(body, 'financial_status'), 'financial_status', SHOPIFY_FINANCIAL_STATUS, statusMap), amount: num(body, 'total_price'),
          ...(optStr(body, 'gateway') ? { method: optStr(body, 'gateway') } : {}),
          ...presentmentOf(body),
        },
        ...(optStr(body, 'billing_address.country_code') ? { billing: { country: optStr(body, 'billing_address.country_code') } } : {}),
      },
    }];
  }
  if (topic === 'orders/updated') {
    const status = mapStatus(str(body, 'financial_status'), 'financial_status', SHOPIFY_FINANCIAL_STATUS, statusMap);
    const PAYMENT_EVENTS: Record<string, string> = { authorized: 'payment.authorized', captured: 'payment.captured', failed: 'payment.failed' };
    // Own keys only: an operator's mapping to 'constructor' must not pick up Object.prototype's.
    if (!Object.hasOwn(PAYMENT_EVENTS, status)) return [];
    const type = PAYMENT_EVENTS[status]!;
    const amount = type === 'payment.captured' ? capturedSoFar(body) : optNum(body, 'total_price');
    return [{ sourceEventId: webhookId, type, occurredAt: at, payload: { externalOrderId, ...(amount !== undefined ? { amount } : {}) } }];
  }
  if (topic === 'orders/cancelled') {
    return [{ sourceEventId: webhookId, type: 'order.cancel_requested', occurredAt: iso(field(body, 'cancelled_at'), now), payload: { externalOrderId, ...(optStr(body, 'cancel_reason') ? { reason: optStr(body, 'cancel_reason') } : {}) } }];
  }
  if (topic === 'order_transactions/create') return transactionEvents(webhookId, body, statusMap, now);
  if (topic === 'refunds/create') return refundEvents(webhookId, body, now);
  throw new DomainError('E_UNKNOWN_TYPE', `unsupported Shopify topic '${topic}'`, { issues: [{ path: 'headers.x-shopify-topic', message: `one of ${SHOPIFY_TOPICS.join(', ')}` }] });
}

/**
 * A shop selling in several currencies keeps the order's prices and totals in its own currency
 * (`currency`) and charges the customer in theirs (`presentment_currency`): the order's transactions
 * and refunds come in the customer's. What the order came to in theirs (`total_price_set`'s
 * `presentment_money`) lets those be weighed in the order's currency (src/domain/orders/presentment.ts).
 * Nothing when the two are the same, or the order does not say.
 */
function presentmentOf(body: unknown): { presentment?: { currency: string; amount: number } } {
  const currency = optStr(body, 'presentment_currency');
  if (currency === undefined || currency === str(body, 'currency')) return {};
  const amount = optNum(body, 'total_price_set.presentment_money.amount');
  const told = optStr(body, 'total_price_set.presentment_money.currency_code');
  // A figure in another currency than the one named would convert at a wrong rate: better none.
  if (amount === undefined || (told !== undefined && told !== currency)) return {};
  return { presentment: { currency, amount } };
}

/**
 * What a captured order's update says was paid so far: the order's total less what is still owed
 * (`total_outstanding`). Refunds are bounded by it, so a `partially_paid` order must not report its
 * whole total. Without `total_outstanding` a partial payment's amount is unknown: no amount is sent
 * (the order keeps what it knew), never the total.
 */
function capturedSoFar(body: unknown): number | undefined {
  const total = optNum(body, 'total_price');
  if (total === undefined) return undefined;
  const outstanding = optNum(body, 'total_outstanding');
  if (outstanding === undefined) return str(body, 'financial_status') === 'partially_paid' ? undefined : total;
  return Math.round((total - Math.max(0, outstanding)) * 100) / 100;
}

/**
 * One payment transaction of an order (`order_transactions/create`): the body is the transaction.
 * Only a successful one moved money: a failed, pending or errored one says nothing new (the order's
 * own webhook tells a payment that failed as a whole). Its id names it for good, so a capture or sale
 * is a capture by id and a refund a channel refund by id, each counted once however often told; a void
 * voids the transaction it names (`parent_id`: a capture — or the authorization, whose void then
 * changes no figure, and whose hold comes with the order's `voided` status).
 */
function transactionEvents(webhookId: string, body: unknown, statusMap: Record<string, string>, now: number): CanonicalEvent[] {
  const externalOrderId = str(body, 'order_id');
  const kind = mapStatus(str(body, 'kind'), 'kind', SHOPIFY_TRANSACTION_KIND, statusMap);
  if (str(body, 'status') !== 'success' || !Object.hasOwn(TRANSACTION_EVENTS, kind)) return [];
  const id = str(body, 'id');
  const at = iso(field(body, 'processed_at') ?? field(body, 'created_at'), now);
  const type = TRANSACTION_EVENTS[kind]!;
  const event = (payload: Record<string, unknown>): CanonicalEvent[] => [{ sourceEventId: webhookId, type, occurredAt: at, payload: { externalOrderId, ...payload } }];
  if (kind === 'captured') {
    const currency = optStr(body, 'currency');
    return event({ amount: num(body, 'amount'), captureId: id, ...(currency ? { currency } : {}) });
  }
  if (kind === 'refunded') return event(refunded(body, '', id));
  if (kind === 'voided') {
    const parent = optStr(body, 'parent_id');
    return event(parent !== undefined ? { captureId: parent } : {});
  }
  const amount = optNum(body, 'amount');
  return event(amount !== undefined ? { amount } : {});
}

/**
 * A refund made in Shopify (`refunds/create`): one channel refund per successful refund transaction,
 * named by the transaction's id — the id `order_transactions/create` tells the same money by, so the
 * two topics count it once. A refund that moved no money (a restock only) says nothing new. One
 * webhook may carry several transactions: each is its own event, keyed by the webhook's id and its own.
 */
function refundEvents(webhookId: string, body: unknown, now: number): CanonicalEvent[] {
  const externalOrderId = str(body, 'order_id');
  const at = iso(field(body, 'processed_at') ?? field(body, 'created_at'), now);
  const reason = optStr(body, 'note');
  return optList(body, 'transactions').flatMap((_, i) => {
    const t = `transactions[${i}]`;
    if (optStr(body, `${t}.kind`) !== 'refund' || optStr(body, `${t}.status`) !== 'success') return [];
    const id = str(body, `${t}.id`);
    return [{ sourceEventId: `${webhookId}:${id}`, type: 'payment.refunded', occurredAt: at, payload: { externalOrderId, ...refunded(body, `${t}.`, id), ...(reason ? { reason } : {}) } }];
  });
}

/** A refund transaction's money, read at `prefix` (a transaction body, or one of a refund's). */
function refunded(body: unknown, prefix: string, refundId: string): Record<string, unknown> {
  const currency = optStr(body, `${prefix}currency`);
  return { amount: num(body, `${prefix}amount`), ...(currency ? { currency } : {}), refundId };
}
