import { describe, expect, it } from 'vitest';
import {
  fulfilmentEventPayloadSchema,
  orderEventDefinitions,
  orderEventPayloadSchemas,
  orderPlacedPayloadSchema,
  paymentEventPayloadSchema,
} from '../../../src/domain/orders/index.js';
import { placed } from './fixtures.js';

describe('order.placed payload', () => {
  it('accepts the canonical payload and strips unknown fields', () => {
    const parsed = orderPlacedPayloadSchema.parse({ ...placed({ promisedBy: '2025-03-12T18:00:00+01:00' }), channelExtra: 1 });
    expect(parsed.externalOrderId).toBe('WEB-1001');
    expect(parsed).not.toHaveProperty('channelExtra');
  });

  it('rejects fractional or zero quantities, unknown methods and payment statuses', () => {
    const bad = [
      placed({ lines: [{ lineId: 'l1', sku: 'S', qty: 1.5, unitPrice: 1 }] }),
      placed({ lines: [{ lineId: 'l1', sku: 'S', qty: 0, unitPrice: 1 }] }),
      placed({ lines: [] }),
      { ...placed(), shipping: { method: 'drone', address: { country: 'DE' } } },
      { ...placed(), payment: { status: 'paid', amount: 1 } },
      placed({ promisedBy: 'next tuesday' }),
    ];
    for (const payload of bad) expect(orderPlacedPayloadSchema.safeParse(payload).success).toBe(false);
  });

  it('requires the store for pickup orders and unique line ids', () => {
    const pickup = placed({ shipping: { method: 'pickup', address: { country: 'DE' } } });
    const r = orderPlacedPayloadSchema.safeParse(pickup);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['shipping', 'pickupLocationId']);
    const dup = placed({ lines: [{ lineId: 'x', sku: 'A', qty: 1, unitPrice: 1 }, { lineId: 'x', sku: 'B', qty: 1, unitPrice: 1 }] });
    expect(orderPlacedPayloadSchema.safeParse(dup).success).toBe(false);
  });
});

describe('other order-side payloads', () => {
  it('registers a schema for every inbound order event type', () => {
    expect(Object.keys(orderEventPayloadSchemas).sort()).toEqual([
      'fulfilment.accepted',
      'fulfilment.collected',
      'fulfilment.picked',
      'fulfilment.rejected',
      'fulfilment.shipped',
      'order.cancel_requested',
      'order.hold_requested',
      'order.placed',
      'order.release_requested',
      'payment.authorized',
      'payment.captured',
      'payment.failed',
      'payment.refunded',
      'payment.voided',
      'shipment.delivered',
    ]);
  });

  it('checks payment and fulfilment payloads', () => {
    expect(paymentEventPayloadSchema.safeParse({ externalOrderId: 'W1', amount: 10, reference: 'psp-1' }).success).toBe(true);
    expect(paymentEventPayloadSchema.safeParse({ amount: 10 }).success).toBe(false);
    expect(fulfilmentEventPayloadSchema.safeParse({ fulfilmentId: 'f1', carrier: 'dhl', trackingNumber: '123' }).success).toBe(true);
    expect(fulfilmentEventPayloadSchema.safeParse({ fulfilmentId: '' }).success).toBe(false);
  });
});

describe('catalog entries', () => {
  it('define every order-side event once, with its schema and subject', () => {
    expect(orderEventDefinitions.map((d) => d.type).sort()).toEqual(Object.keys(orderEventPayloadSchemas).sort());
    for (const def of orderEventDefinitions) expect(def.payload).toBe(orderEventPayloadSchemas[def.type as keyof typeof orderEventPayloadSchemas]);
    const placedDef = orderEventDefinitions.find((d) => d.type === 'order.placed')!;
    expect(placedDef.subject(placed() as never, { source: 'web' })).toBe('order:web:WEB-1001');
    const shipped = orderEventDefinitions.find((d) => d.type === 'fulfilment.shipped')!;
    expect(shipped.subject({ fulfilmentId: 'f-9' } as never, { source: 'store-1' })).toBe('fulfilment:f-9');
  });
});
