import { field, iso, mapStatus, optStr, str, type CanonicalEvent } from './native.js';

/** A carrier's tracking status → our shipment event (and the exception reason when it is one). */
export const CARRIER_STATUS: Record<string, string> = {
  picked_up: 'in_transit', in_transit: 'in_transit', out_for_delivery: 'in_transit', delivered: 'delivered',
  delayed: 'exception:delay', lost: 'exception:lost', damaged: 'exception:damaged', address_issue: 'exception:address', returned_to_sender: 'exception:address',
};

export function mapCarrierTracking(body: unknown, statusMap: Record<string, string>, now: number): CanonicalEvent[] {
  const carrier = str(body, 'carrier');
  const trackingNumber = str(body, 'trackingNumber');
  const fulfilmentId = str(body, 'reference');
  const status = mapStatus(str(body, 'status'), 'status', CARRIER_STATUS, statusMap);
  const sourceEventId = optStr(body, 'eventId') ?? `${trackingNumber}:${str(body, 'status')}:${String(field(body, 'occurredAt') ?? '')}`;
  const at = iso(field(body, 'occurredAt'), now);
  if (status === 'delivered') return [{ sourceEventId, type: 'shipment.delivered', occurredAt: at, payload: { fulfilmentId } }];
  const base = { fulfilmentId, carrier, trackingNumber, at };
  if (status === 'in_transit') return [{ sourceEventId, type: 'shipment.in_transit', occurredAt: at, payload: { ...base, ...(optStr(body, 'location') ? { location: optStr(body, 'location') } : {}) } }];
  const reason = status.startsWith('exception:') ? status.slice('exception:'.length) : status;
  return [{ sourceEventId, type: 'shipment.exception', occurredAt: at, payload: { ...base, reason, ...(optStr(body, 'statusDetail') ? { detail: optStr(body, 'statusDetail') } : {}) } }];
}
