import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import { productSchema, skuSchema } from '../../domain/masterdata/product.js';
import { locationIdSchema, locationSchema } from '../../domain/masterdata/location.js';
import { patchedSource, sourceIdSchema, sourcePatchSchema, sourceSchema, sourceScopeIssues } from '../../domain/masterdata/source.js';
import { getLocation, getProduct, getSource, listLocations, listProducts, listSources } from '../../store/repos/masterdata.js';
import { repeatedCommand, runCommand } from '../command.js';
import type { Role } from '../../domain/roles.js';
import { MASTER_DATA_AUTHORITY } from '../../domain/masterdata/authority.js';

// Who may change master data is one table, shared with the upsert handlers (the event path).
const EDITORS: Role[] = [...MASTER_DATA_AUTHORITY['product.upserted']!.roles];
const LOCATION_EDITORS: Role[] = [...MASTER_DATA_AUTHORITY['location.upserted']!.roles];
const SOURCE_EDITORS: Role[] = [...MASTER_DATA_AUTHORITY['source.upserted']!.roles];

function notFound(what: string, id: string): never {
  throw new DomainError('E_NOT_FOUND', `no ${what} ${id}`);
}

export function masterdataRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'PUT', url: '/v1/products/{sku}', tag: 'master data', summary: 'Create or replace a product.',
      access: EDITORS, params: z.object({ sku: skuSchema }), body: productSchema,
      responses: { 200: 'the product as stored', 202: 'accepted, still processing', 422: 'E_SCHEMA' },
      async handler({ params, body, principal, req, reply }) {
        const r = await runCommand(app, req, principal!, 'product.upserted', { ...body, sku: params.sku });
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        return { ...(await getProduct(app.store.read, params.sku)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/products/{sku}', tag: 'master data', summary: 'One product.', access: 'authenticated',
      params: z.object({ sku: skuSchema }), responses: { 200: 'product', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        return (await getProduct(app.store.read, params.sku)) ?? notFound('product', params.sku);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/products', tag: 'master data', summary: 'Products, ordered by sku, paged by ?after=<sku>.', access: 'authenticated',
      query: z.object({ after: z.string().max(64).default(''), limit: z.coerce.number().int().min(1).max(1000).default(100), category: z.string().max(100).optional() }),
      async handler({ query }) {
        const items = await listProducts(app.store.read, query.after, query.limit, query.category);
        return { items, next: items.length === query.limit ? items[items.length - 1]!.sku : null };
      },
    }),
    defineRoute({
      method: 'PUT', url: '/v1/locations/{id}', tag: 'master data', summary: 'Create or replace a location.',
      access: LOCATION_EDITORS, params: z.object({ id: locationIdSchema }), body: locationSchema,
      responses: { 200: 'the location as stored', 202: 'accepted, still processing', 422: 'E_SCHEMA' },
      async handler({ params, body, principal, req, reply }) {
        const r = await runCommand(app, req, principal!, 'location.upserted', { ...body, id: params.id });
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        return { ...(await getLocation(app.store.read, params.id)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/locations/{id}', tag: 'master data', summary: 'One location.', access: 'authenticated',
      params: z.object({ id: locationIdSchema }), responses: { 200: 'location', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        return (await getLocation(app.store.read, params.id)) ?? notFound('location', params.id);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/locations', tag: 'master data', summary: 'All locations.', access: 'authenticated',
      async handler() {
        return { items: await listLocations(app.store.read) };
      },
    }),
    defineRoute({
      method: 'PUT', url: '/v1/sources/{id}', tag: 'master data', summary: 'Create or replace a source (channel or system); its secret is issued with `omniops sources add`. `eventTypes` (names or `prefix.*` families) limits what it may send; `supplierId` binds a supplier source to its supplier. Replaces the whole record: a member left out is removed (an `eventTypes` left out lets the source send every inbound type, a `supplierId` left out unbinds it). To change some members only, use PATCH.',
      access: SOURCE_EDITORS, params: z.object({ id: sourceIdSchema }), body: sourceSchema,
      responses: { 200: 'the source as stored', 202: 'accepted, still processing', 422: 'E_SCHEMA (also: an `eventTypes` entry that is not an inbound type or family, `supplierId` on a source that is not a supplier)' },
      async handler({ params, body, principal, req, reply }) {
        const issues = sourceScopeIssues(body, app.catalog);
        if (issues.length > 0) throw new DomainError('E_SCHEMA', `invalid: ${issues.map((i) => `${i.path} (${i.message})`).join(', ')}`, { issues });
        const r = await runCommand(app, req, principal!, 'source.upserted', { ...body, id: params.id });
        // This process's intake sees the new scope at once; other processes within the cache's TTL.
        app.sourceSecrets.invalidate(params.id);
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        return { ...(await getSource(app.store.read, params.id)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'PATCH', url: '/v1/sources/{id}', tag: 'master data', summary: 'Change some members of a source; the rest stays. A JSON merge patch (RFC 7396; `application/merge-patch+json` or `application/json`): a member given replaces it, `null` removes it (`{"eventTypes": null}`: every inbound type again; `{"supplierId": null}`: unbound), `statusMap` is merged label by label. The merged record is checked as a PUT body is. Does not create a source.',
      access: SOURCE_EDITORS, params: z.object({ id: sourceIdSchema }), body: sourcePatchSchema,
      responses: { 200: 'the source as stored', 202: 'accepted, still processing', 404: 'E_NOT_FOUND (no such source)', 415: 'E_UNSUPPORTED_MEDIA_TYPE', 422: 'E_SCHEMA (the patch, or the record once merged: paths name its members)' },
      async handler({ params, body, principal, req, reply }) {
        // A retry under a key already taken is answered by the intake as the first was, not judged
        // again on the record the first one changed.
        if (!(await repeatedCommand(app, req, principal!))) {
          const current = (await getSource(app.store.read, params.id)) ?? notFound('source', params.id);
          const merged = patchedSource(current, body, app.catalog);
          if (!merged.ok) throw new DomainError('E_SCHEMA', `invalid: ${merged.issues.map((i) => `${i.path} (${i.message})`).join(', ')}`, { issues: merged.issues });
        }
        // The handler merges again against the record as it is then: a concurrent patch of another member stays.
        const r = await runCommand(app, req, principal!, 'source.patched', { id: params.id, patch: body });
        app.sourceSecrets.invalidate(params.id);
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        return { ...(await getSource(app.store.read, params.id)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/sources/{id}', tag: 'master data', summary: 'One source (never its secrets).', access: 'authenticated',
      params: z.object({ id: sourceIdSchema }), responses: { 200: 'source', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        return (await getSource(app.store.read, params.id)) ?? notFound('source', params.id);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/sources', tag: 'master data', summary: 'All sources.', access: 'authenticated',
      async handler() {
        return { items: await listSources(app.store.read) };
      },
    }),
  ];
}
