import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import { SIGNATURE_HEADER, verifySignature } from '../../domain/security/signature.js';
import { getSource } from '../../store/repos/masterdata.js';
import { mapShopify, verifyShopifyHmac } from '../../connectors/channels/shopify.js';
import { mapMarketplace } from '../../connectors/channels/marketplace.js';
import { mapPosBatch } from '../../connectors/channels/pos.js';
import { tillStoreRefusalAhead } from '../../engine/intake/till-store.js';
import { mapCarrierTracking } from '../../connectors/channels/carrier.js';
import type { CanonicalEvent } from '../../connectors/channels/native.js';
import { sourceTokens } from '../source-token-auth.js';
import { scopeOf, sourceRefusal } from '../../engine/intake/source-scope.js';

export const ADAPTER_KINDS = ['shopify', 'marketplace', 'pos', 'carrier'] as const;

const unauthorized = (reason: string, msg: string) => new DomainError('E_SIGNATURE', msg, { detail: { reason } });

/** Shopify signs its own way; everyone else signs like any omniops sender, or uses the source's bearer token. */
async function authenticate(app: App, kind: string, sourceId: string, req: FastifyRequest, raw: Buffer): Promise<void> {
  const secrets = await app.sourceSecrets.secretsFor(sourceId);
  if (kind === 'shopify') {
    const h = req.headers['x-shopify-hmac-sha256'];
    if (typeof h !== 'string' || !h) throw unauthorized('missing', 'missing X-Shopify-Hmac-Sha256 header');
    if (!verifyShopifyHmac(raw, h, secrets)) throw unauthorized('mismatch', 'X-Shopify-Hmac-Sha256 does not match the body');
    return;
  }
  const sig = req.headers[SIGNATURE_HEADER];
  if (typeof sig === 'string' && sig) {
    const check = verifySignature(sig, raw, secrets, Math.floor(app.clock() / 1000), app.config.intake.signatureToleranceSeconds);
    if (!check.ok) throw unauthorized(check.reason, `signature ${check.reason}`);
    return;
  }
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (m && (await sourceTokens(app).sourceOf(m[1]!, 'bearer')) === sourceId) return;
  throw unauthorized(m ? 'bad_token' : 'missing', m ? 'unknown source token' : `send ${SIGNATURE_HEADER} or Authorization: Bearer <source token>`);
}

/**
 * A till batch's sales are booked at its store (`pickupLocationId`, the batch's `storeId`): one that
 * omniops does not know, or that has no till (a DC), is refused whole here, with nothing taken in.
 * Taken in, each sale was retried and then dead-lettered. One read per batch (a batch has one store);
 * only when master data refuses is the log read too: a store whose `location.upserted` is accepted but
 * not yet processed is processed before the batch's sales (log order), so it counts
 * (`tillStoreRefusalAhead`). A store registered just after these reads is seen by the till's resend; a
 * till sale that reaches the log another way (`POST /v1/events`) meets the handler: retried at an
 * unknown location (its master data may be on its way), dead at once (`E_CONFLICT`) at a location
 * without a till.
 * A batch of returns only is not checked: a return books nothing at the store by itself.
 */
async function refuseUnknownTillStore(app: App, sourceId: string, events: readonly CanonicalEvent[]): Promise<void> {
  const index = events.findIndex((e) => e.type === 'order.placed');
  if (index < 0) return;
  const sale = events[index]!;
  const storeId = (sale.payload as { shipping: { pickupLocationId: string } }).shipping.pickupLocationId;
  const refusal = await tillStoreRefusalAhead(app.store.read, storeId);
  if (!refusal) return;
  for (const e of events) app.metrics.received.inc({ source: sourceId, type: e.type, result: 'rejected' });
  const why = refusal.reason === 'unknown_location' ? `no location ${storeId}` : `${storeId} is a ${refusal.kind}, not a store with a till`;
  const hint = refusal.reason === 'unknown_location' ? ' (register the store first)' : '';
  throw new DomainError('E_SCHEMA', `${sale.sourceEventId}: ${why}${hint}; nothing of this message was taken in`, {
    issues: [{ path: 'storeId', message: why }],
    detail: { reason: refusal.reason, storeId, ...(refusal.reason === 'not_a_store' ? { locationKind: refusal.kind } : {}), index, sourceEventId: sale.sourceEventId },
  });
}

function headerText(req: FastifyRequest, name: string): string {
  const v = req.headers[name];
  if (typeof v !== 'string' || !v) throw new DomainError('E_SCHEMA', `required header ${name} is missing`, { issues: [{ path: `headers.${name}`, message: 'required' }] });
  return v;
}

export function adapterRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST', url: '/v1/adapters/{kind}/{sourceId}', tag: 'integrations',
      summary: 'Native channel / carrier payloads mapped to canonical events: shopify (X-Shopify-Topic: orders/create, orders/updated, orders/cancelled, order_transactions/create, refunds/create; X-Shopify-Hmac-Sha256, X-Shopify-Webhook-Id), marketplace (Amazon-style notifications), pos (a batch of sales and returns), carrier (tracking webhook).',
      access: 'public',
      params: z.object({ kind: z.enum(ADAPTER_KINDS), sourceId: z.string().min(1).max(64) }),
      responses: { 202: '{results:[{type, eventId, status}]}', 200: 'nothing new (duplicates, or a status that changes nothing)', 401: 'E_SIGNATURE', 403: 'E_SOURCE_NOT_ALLOWED (the source may not send an event the message maps to; nothing of the message is taken in)', 409: 'E_IDEMPOTENCY_MISMATCH (an event resent with other content; nothing of the message is taken in)', 422: 'E_SCHEMA naming the missing field (pos: `storeId` when a batch with sales names a location that is not known (processed, or registered and waiting in the log), reason unknown_location, or has no till, reason not_a_store; nothing of the batch is taken in) / E_UNKNOWN_STATUS' },
      async handler({ params, body, req, reply }) {
        const source = await getSource(app.store.read, params.sourceId);
        if (!source) throw new DomainError('E_UNKNOWN_SOURCE', `no source ${params.sourceId}`);
        const raw = (req as FastifyRequest & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
        await authenticate(app, params.kind, source.id, req, raw);
        const now = app.clock();
        let events: CanonicalEvent[];
        if (params.kind === 'shopify') events = mapShopify(headerText(req, 'x-shopify-topic'), headerText(req, 'x-shopify-webhook-id'), body, source.statusMap, now);
        else if (params.kind === 'marketplace') events = mapMarketplace(body, source.statusMap, now);
        else if (params.kind === 'pos') events = mapPosBatch(body, now);
        else events = mapCarrierTracking(body, source.statusMap, now);
        // The source's scope, judged on the record read above and before anything else is read: a
        // message with one event the source may not send is refused whole, as any refusal here is.
        const scope = scopeOf(source, app.catalog);
        for (const [index, e] of events.entries()) {
          const refused = await sourceRefusal(app.store.read, scope, e.type, () => e.payload as Record<string, unknown>);
          if (!refused) continue;
          for (const x of events) app.metrics.received.inc({ source: source.id, type: x.type, result: 'rejected' });
          throw new DomainError(refused.code, `${e.sourceEventId}: ${refused.message}; nothing of this message was taken in`, { detail: { ...refused.detail, index, sourceEventId: e.sourceEventId } });
        }
        if (params.kind === 'pos') await refuseUnknownTillStore(app, source.id, events);
        // A batch is all or nothing: every event is validated before any is taken in, and taken in
        // one transaction that a resend with changed content (409) rolls back whole.
        const rows = events.map((e) => app.intake.prepare({ source: source.id, sourceEventId: e.sourceEventId, type: e.type, occurredAt: e.occurredAt, payload: e.payload }));
        const taken = await app.intake.submitAllOrNothing(rows);
        if (!taken.ok) {
          for (const row of rows) app.metrics.received.inc({ source: source.id, type: row.type, result: 'rejected' });
          const refused = rows[taken.index]!;
          throw new DomainError(taken.error.code, `${refused.sourceEventId}: ${taken.error.message}; nothing of this message was taken in`, {
            detail: { ...taken.error.detail, sourceEventId: refused.sourceEventId },
          });
        }
        const results = taken.results.map((r, i) => {
          app.metrics.received.inc({ source: source.id, type: rows[i]!.type, result: r.status });
          return { type: rows[i]!.type, sourceEventId: rows[i]!.sourceEventId, eventId: r.eventId, status: r.status };
        });
        return reply.code(results.some((r) => r.status === 'accepted') ? 202 : 200).send({ results });
      },
    }),
  ];
}
