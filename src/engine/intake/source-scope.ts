import type { SqlExecutor } from '../../store/port.js';
import type { EventCatalog } from '../../domain/events/catalog.js';
import { DomainError } from '../../domain/errors.js';
import { allowedEventTypes, type Source } from '../../domain/masterdata/source.js';
import { poConfirmed } from '../../domain/procurement/events.js';
import { supplierClaimById } from '../../store/repos/returns.js';
import { purchaseOrderById } from '../../store/repos/replenishment.js';
import { newestPendingOf } from '../../store/repos/events.js';

/** What a source may send: null `allowed` is every inbound type (no `eventTypes`); null `supplierId` is no binding. */
export interface SourceScope {
  id: string;
  allowed: ReadonlySet<string> | null;
  supplierId: string | null;
}

/** Supplier events and where the supplier they concern is found. */
const SUPPLIER_BOUND = new Set(['supplier.claim_answered', 'po.confirmed', 'po.delayed', 'po.received', 'supplier.substitution_proposed']);

// One scope per source record: the record is the cached one (SourceSecrets), so this is built once
// per cache fill, and intake's check is a Set lookup.
const built = new WeakMap<Source, SourceScope>();

export function scopeOf(source: Source, catalog: EventCatalog): SourceScope {
  let s = built.get(source);
  if (!s) {
    s = { id: source.id, allowed: source.eventTypes ? allowedEventTypes(source.eventTypes, catalog) : null, supplierId: source.supplierId ?? null };
    built.set(source, s);
  }
  return s;
}

/**
 * Why this source may not send this event, or undefined when it may. The type check is a Set lookup
 * and reads nothing; only a source bound to a supplier sending a supplier event reads committed
 * state (the claim's or purchase order's supplier), so the order path costs no statement.
 */
export async function sourceRefusal(db: SqlExecutor, scope: SourceScope | undefined, type: string, payload: () => Record<string, unknown>): Promise<DomainError | undefined> {
  if (!scope) return undefined;
  if (scope.allowed && !scope.allowed.has(type)) return notAllowed(scope.id, type, `source '${scope.id}' may not send ${type}`);
  if (scope.supplierId === null || !SUPPLIER_BOUND.has(type)) return undefined;
  const why = await otherSupplier(db, scope.supplierId, type, payload());
  return why ? notAllowed(scope.id, type, `source '${scope.id}' answers for supplier ${scope.supplierId} only: ${why}`) : undefined;
}

function notAllowed(source: string, type: string, message: string): DomainError {
  return new DomainError('E_SOURCE_NOT_ALLOWED', message, { detail: { source, eventType: type } });
}

/** Why the event concerns another supplier than `supplierId` (or one omniops cannot tie to it), else undefined. */
async function otherSupplier(db: SqlExecutor, supplierId: string, type: string, p: Record<string, unknown>): Promise<string | undefined> {
  if (type === 'supplier.claim_answered') {
    // Claims are made by omniops and committed before the supplier hears of them: an unknown one is not its.
    const claim = await supplierClaimById(db, String(p.claimId));
    if (!claim) return `no supplier claim ${String(p.claimId)}`;
    return claim.supplierId === supplierId ? undefined : `claim ${claim.id} is with supplier ${claim.supplierId}`;
  }
  if (type === 'supplier.substitution_proposed') {
    return p.fromSupplierId === supplierId || p.toSupplierId === supplierId ? undefined : 'the proposal names neither it as the supplier replaced nor as the one proposed';
  }
  // po.confirmed / po.delayed / po.received
  if (type === 'po.confirmed' && p.supplierId !== supplierId) return `the confirmation names supplier ${String(p.supplierId)}`;
  const poId = String(p.poId);
  const po = await purchaseOrderById(db, poId);
  if (po) return po.supplierId === supplierId ? undefined : `purchase order ${poId} is with supplier ${po.supplierId}`;
  if (type === 'po.confirmed') return undefined; // a supplier's own confirmation creates the order (its supplierId checked above)
  // A delay or receipt before the order is committed: its confirmation may be waiting in the log.
  const waiting = await newestPendingOf(db, poConfirmed.subject({ poId } as Parameters<typeof poConfirmed.subject>[0], { source: '' }), poConfirmed.type);
  if (waiting && waiting.payload.poId === poId && waiting.payload.supplierId === supplierId) return undefined;
  return `no purchase order ${poId} is known yet`;
}
