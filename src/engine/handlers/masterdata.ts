import type { EventHandler } from '../dispatch/handler.js';
import type { SqlExecutor } from '../../store/port.js';
import { productUpserted, type Product } from '../../domain/masterdata/product.js';
import { locationUpserted, type Location } from '../../domain/masterdata/location.js';
import { sourceUpserted, type Source } from '../../domain/masterdata/source.js';
import { getLocation, getProduct, getSource, putLocation, putProduct, putSource } from '../../store/repos/masterdata.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/**
 * Master data is replaced whole by its upsert event; an unchanged resend writes nothing new (and
 * audits nothing), a change is audited with digests of before and after.
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
