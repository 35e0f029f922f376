import type { EventHandler } from '../dispatch/handler.js';
import type { SqlExecutor } from '../../store/port.js';
import { productUpserted, type Product } from '../../domain/masterdata/product.js';
import { locationUpserted, type Location } from '../../domain/masterdata/location.js';
import { sourceUpserted, type Source } from '../../domain/masterdata/source.js';
import { getLocation, getProduct, getSource, putLocation, putProduct, putSource } from '../../store/repos/masterdata.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { DomainError } from '../../domain/errors.js';
import { masterDataRefusal } from '../../domain/masterdata/authority.js';
import type { StoredEvent } from '../../domain/events/envelope.js';

/**
 * Refuses an upsert from a sender who may not change this master data (the table and its reasons:
 * `MASTER_DATA_AUTHORITY`). Before anything is read or written, so a refused upsert changes nothing.
 * It ends as a dead letter with E_ROLE, as any event a handler cannot apply does (master data has no
 * refusal event): visible in the dead-letter list and the exception queue, and replayable once the
 * sender's kind is corrected.
 */
export async function refuseUnauthorised(tx: SqlExecutor, event: StoredEvent): Promise<void> {
  // A role is set only by omniops' own API and CLI (the person's); /v1/events leaves it empty.
  const sender = event.actorRole
    ? { role: event.actorRole }
    : { role: null, sourceKind: (await getSource(tx, event.source))?.kind ?? null };
  const refusal = masterDataRefusal(event.type, sender);
  if (refusal) throw new DomainError('E_ROLE', refusal, { detail: { source: event.source, actor: event.actor ?? null, role: event.actorRole ?? null } });
}

/**
 * Master data is replaced whole by its upsert event, from a sender who may change it; an unchanged
 * resend writes nothing new (and audits nothing), a change is audited with digests of before and after.
 */
function upsertHandler<T extends object>(spec: {
  type: string;
  kind: string;
  keyOf(record: T): string;
  get(db: SqlExecutor, key: string): Promise<T | undefined>;
  put(db: SqlExecutor, record: T, at: string, eventId: string): Promise<void>;
}): EventHandler {
  return {
    type: spec.type,
    name: `masterdata.${spec.kind}`,
    async handle({ tx, event, audit }) {
      await refuseUnauthorised(tx, event);
      const next = event.payload as unknown as T;
      const key = spec.keyOf(next);
      const before = await spec.get(tx, key);
      if (before && canonicalJson(before) === canonicalJson(next)) return;
      await spec.put(tx, next, event.receivedAt, event.id);
      audit({ action: `${spec.kind}.${before ? 'updated' : 'created'}`, subject: `${spec.kind}:${key}`, before, after: next });
    },
  };
}

export const productUpsertHandler = upsertHandler<Product>({ type: productUpserted.type, kind: 'product', keyOf: (p) => p.sku, get: getProduct, put: putProduct });
export const locationUpsertHandler = upsertHandler<Location>({ type: locationUpserted.type, kind: 'location', keyOf: (l) => l.id, get: getLocation, put: putLocation });
export const sourceUpsertHandler = upsertHandler<Source>({ type: sourceUpserted.type, kind: 'source', keyOf: (s) => s.id, get: getSource, put: (db, s, at) => putSource(db, s, at) });
