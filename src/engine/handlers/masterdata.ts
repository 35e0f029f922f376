import type { EventHandler } from '../dispatch/handler.js';
import type { z } from 'zod';
import { productUpserted, type Product } from '../../domain/masterdata/product.js';
import { locationUpserted, type Location } from '../../domain/masterdata/location.js';
import { sourceUpserted, type Source } from '../../domain/masterdata/source.js';
import { getLocation, getProduct, getSource, putLocation, putProduct, putSource } from '../../store/repos/masterdata.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/** Master data is replaced whole by its upsert event; an unchanged resend writes nothing new. */
export const productUpsertHandler: EventHandler = {
  type: productUpserted.type,
  name: 'masterdata.product',
  async handle({ tx, event, audit }) {
    const next = event.payload as z.infer<typeof productUpserted.payload> as Product;
    const before = await getProduct(tx, next.sku);
    if (before && canonicalJson(before) === canonicalJson(next)) return;
    await putProduct(tx, next, event.receivedAt, event.id);
    audit({ action: before ? 'product.updated' : 'product.created', subject: `product:${next.sku}`, before, after: next });
  },
};

export const locationUpsertHandler: EventHandler = {
  type: locationUpserted.type,
  name: 'masterdata.location',
  async handle({ tx, event, audit }) {
    const next = event.payload as z.infer<typeof locationUpserted.payload> as Location;
    const before = await getLocation(tx, next.id);
    if (before && canonicalJson(before) === canonicalJson(next)) return;
    await putLocation(tx, next, event.receivedAt, event.id);
    audit({ action: before ? 'location.updated' : 'location.created', subject: `location:${next.id}`, before, after: next });
  },
};

export const sourceUpsertHandler: EventHandler = {
  type: sourceUpserted.type,
  name: 'masterdata.source',
  async handle({ tx, event, audit }) {
    const next = event.payload as z.infer<typeof sourceUpserted.payload> as Source;
    const before = await getSource(tx, next.id);
    if (before && canonicalJson(before) === canonicalJson(next)) return;
    await putSource(tx, next, event.receivedAt);
    audit({ action: before ? 'source.updated' : 'source.created', subject: `source:${next.id}`, before, after: next });
  },
};
