import { DomainError } from '../../domain/errors.js';
import { field, iso, list, mapStatus, num, optStr, str, type CanonicalEvent } from './native.js';

/**
 * An Amazon-style marketplace notification (SP-API shaped: NotificationType, NotificationMetadata,
 * Payload). The marketplace collects payment itself: an order it releases to us (Unshipped) is paid.
 */
export const MARKETPLACE_ORDER_STATUS: Record<string, string> = {
  Pending: 'pending', Unshipped: 'captured', PartiallyShipped: 'ignore', Shipped: 'ignore', InvoiceUnconfirmed: 'ignore', Canceled: 'cancelled', Unfulfillable: 'ignore',
};
export const MARKETPLACE_FULFILMENT: Record<string, string> = { MFN: 'standard', Standard: 'standard', Expedited: 'express', SameDay: 'same_day', NextDay: 'express' };

export function mapMarketplace(body: unknown, statusMap: Record<string, string>, now: number): CanonicalEvent[] {
  const type = str(body, 'NotificationType');
  const id = str(body, 'NotificationMetadata.NotificationId');
  const at = iso(field(body, 'EventTime') ?? field(body, 'NotificationMetadata.PublishTime'), now);
  if (type === 'ORDER_CHANGE') {
    const n = 'Payload.OrderChangeNotification';
    const externalOrderId = str(body, `${n}.AmazonOrderId`);
    const status = mapStatus(str(body, `${n}.Summary.OrderStatus`), `${n}.Summary.OrderStatus`, MARKETPLACE_ORDER_STATUS, statusMap);
    if (status === 'ignore') return [];
    if (status === 'cancelled') return [{ sourceEventId: `${id}:cancel`, type: 'order.cancel_requested', occurredAt: at, payload: { externalOrderId, reason: 'cancelled on the marketplace' } }];
    const items = list(body, `${n}.Summary.OrderItems`);
    const lines = items.map((_, i) => ({
      lineId: str(body, `${n}.Summary.OrderItems[${i}].OrderItemId`),
      sku: str(body, `${n}.Summary.OrderItems[${i}].SellerSKU`),
      qty: num(body, `${n}.Summary.OrderItems[${i}].QuantityOrdered`),
      unitPrice: num(body, `${n}.Summary.OrderItems[${i}].ItemPrice.Amount`) / Math.max(1, num(body, `${n}.Summary.OrderItems[${i}].QuantityOrdered`)),
    }));
    const amount = lines.reduce((s, l) => s + l.unitPrice * l.qty, 0);
    const placed: CanonicalEvent = {
      sourceEventId: `${id}:placed`, type: 'order.placed', occurredAt: iso(field(body, `${n}.Summary.PurchaseDate`), now),
      payload: {
        externalOrderId,
        customer: { id: optStr(body, `${n}.Summary.BuyerInfo.BuyerEmail`) ?? `marketplace:${externalOrderId}` },
        lines,
        currency: str(body, `${n}.Summary.OrderItems[0].ItemPrice.CurrencyCode`),
        shipping: {
          method: mapStatus(optStr(body, `${n}.Summary.ShipmentServiceLevelCategory`) ?? 'Standard', `${n}.Summary.ShipmentServiceLevelCategory`, MARKETPLACE_FULFILMENT, statusMap),
          address: { country: str(body, `${n}.Summary.ShippingAddress.CountryCode`), ...(optStr(body, `${n}.Summary.ShippingAddress.PostalCode`) ? { postcode: optStr(body, `${n}.Summary.ShippingAddress.PostalCode`) } : {}) },
        },
        payment: { status, amount: Math.round(amount * 100) / 100, method: 'marketplace' },
      },
    };
    // A resend of the order under another status: the order handler keeps the first; the payment event moves it on.
    return status === 'captured' ? [placed, { sourceEventId: `${id}:payment`, type: 'payment.captured', occurredAt: at, payload: { externalOrderId } }] : [placed];
  }
  if (type === 'RETURN_CHANGE') {
    const n = 'Payload.ReturnNotification';
    const items = list(body, `${n}.Items`);
    const reason = optStr(body, `${n}.Items[0].CustomerComments`) ?? str(body, `${n}.Items[0].ReturnReason`);
    return [{
      sourceEventId: id, type: 'return.requested', occurredAt: at,
      payload: {
        externalReturnId: str(body, `${n}.ReturnId`), externalOrderId: str(body, `${n}.AmazonOrderId`),
        lines: items.map((_, i) => ({ lineId: str(body, `${n}.Items[${i}].OrderItemId`), qty: num(body, `${n}.Items[${i}].Quantity`) })),
        reason, ...(optStr(body, `${n}.Items[0].ReturnReason`) ? { reasonCode: optStr(body, `${n}.Items[0].ReturnReason`) } : {}),
      },
    }];
  }
  throw new DomainError('E_UNKNOWN_TYPE', `unsupported marketplace notification '${type}'`, { issues: [{ path: 'NotificationType', message: 'ORDER_CHANGE or RETURN_CHANGE' }] });
}
