import type { CustomerHistory, OrderPlacedPayload, OrdersPolicy } from '../../../src/domain/orders/index.js';
import { defaultOrdersPolicy } from '../../../src/policy/kinds/orders.js';

export const NOW = Date.parse('2025-03-10T10:00:00Z');

export function placed(over: Partial<OrderPlacedPayload> = {}): OrderPlacedPayload {
  return {
    externalOrderId: 'WEB-1001',
    customer: { id: 'c-1', email: 'ann@example.com' },
    lines: [{ lineId: 'l1', sku: 'SKU1', qty: 2, unitPrice: 50 }],
    currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'DE', postcode: '10115', lat: 52.53, lon: 13.38 } },
    payment: { status: 'authorized', method: 'card', amount: 100 },
    billing: { country: 'DE' },
    ...over,
  };
}

/** A regular customer: ten orders averaging 100, nothing recent. */
export function regular(over: Partial<CustomerHistory> = {}): CustomerHistory {
  return { priorOrderCount: 10, averageOrderValue: 100, recentOrdersByCustomer: 0, recentOrdersToAddress: 0, ...over };
}

export const NEW_CUSTOMER: CustomerHistory = { priorOrderCount: 0, averageOrderValue: 0, recentOrdersByCustomer: 0, recentOrdersToAddress: 0 };

export function ordersPolicy(): OrdersPolicy {
  return { ...defaultOrdersPolicy, version: 'orders-v3' };
}
