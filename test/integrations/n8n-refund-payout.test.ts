import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/until.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { eventById } from '../../src/store/repos/events.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { LOCATION, PRODUCTS, fakeApprovals, scriptedAi } from '../returns/support.js';

/*
 * examples/n8n/refund-payout.json, run node by node against the real app over HTTP: a local server
 * plays n8n (it receives the `refund.requested` delivery and runs the example's nodes — its Code
 * nodes' own JavaScript, its filters' conditions, its HTTP Request nodes' URLs and bodies as written)
 * and Shopify (the Admin REST transactions and refunds endpoints, and the `refunds/create` webhook
 * that tells the refund back). docs/n8n.md "Paying a refund out through Shopify".
 */
const WORKFLOW_FILE = new URL('../../examples/n8n/refund-payout.json', import.meta.url);
const loadWorkflow = () => JSON.parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Workflow;
interface WfNode { name: string; type: string; typeVersion: number; parameters: any; credentials?: { httpHeaderAuth?: { id: string } } }
interface Workflow { name: string; nodes: WfNode[]; connections: Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }> }
interface Item { json: any; binary?: { data: { data: string } } }

const DELIVERY = { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 2000, maxAttempts: 30, backoffBaseMs: 5, backoffMaxMs: 30, breakerFailureThreshold: 50, breakerCooldownMs: 50 };
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
const SHOPIFY_TOKEN = 'shpat_test_refunds';
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
const nodeRequire = createRequire(import.meta.url);

/**
 * Just enough of n8n to run this export: nodes in connection order from the Webhook node; Code nodes
 * run their jsCode once for all items ($input, $env, $getWorkflowStaticData, $, require); Filter v2
 * keeps items whose string `equals` conditions all hold; HTTP Request nodes evaluate their `={{ }}`
 * expressions per item, send Header Auth from the credential the node names, and fail on a non-2xx
 * answer. Anything else in the export is an error, so a node this does not know cannot slip through.
 */
function n8n(wf: Workflow, env: Record<string, string>, credentials: Record<string, { name: string; value: string }>) {
  const staticData: Record<string, any> = { global: {} };
  const byName = new Map(wf.nodes.map((n) => [n.name, n]));
  const expr = (source: string, ctx: Record<string, unknown>): unknown => {
    const f = new Function(...Object.keys(ctx), `return (${source});`);
    return f(...Object.values(ctx));
  };
  const evaluate = (value: unknown, ctx: Record<string, unknown>): unknown => {
    if (typeof value !== 'string' || !value.startsWith('=')) return value;
    const text = value.slice(1);
    const whole = /^\{\{([\s\S]*)\}\}$/.exec(text.trim());
    if (whole && !whole[1]!.includes('}}')) return expr(whole[1]!, ctx);
    return text.replace(/\{\{([\s\S]+?)\}\}/g, (_, e: string) => String(expr(e, ctx)));
  };
  return async function run(webhookItem: Item): Promise<Record<string, Item[]>> {
    const outputs: Record<string, Item[]> = {};
    const $ = (name: string) => {
      const out = outputs[name];
      if (!out) throw new Error(`node '${name}' has not run`);
      return { first: () => out[0]!, all: () => out };
    };
    const base = { $env: env, $, $now: { toISO: () => new Date().toISOString() }, $execution: { id: 'test' } };
    let node = wf.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')!;
    let items: Item[] = [webhookItem];
    for (;;) {
      if (node.type === 'n8n-nodes-base.webhook') {
        // what the Webhook node hands on: as received (the app's header auth is checked by the server below)
      } else if (node.type === 'n8n-nodes-base.code') {
        const input = { first: () => items[0]!, all: () => items };
        const code = new AsyncFunction('$input', '$env', '$getWorkflowStaticData', '$', 'require', node.parameters.jsCode);
        items = (await code(input, env, (k: string) => (staticData[k] ??= {}), $, nodeRequire)) as Item[];
      } else if (node.type === 'n8n-nodes-base.filter' && node.typeVersion === 2) {
        const c = node.parameters.conditions;
        expect(c.combinator).toBe('and');
        items = items.filter((item) => c.conditions.every((k: any) => {
          expect(k.operator).toEqual({ type: 'string', operation: 'equals' });
          return evaluate(k.leftValue, { ...base, $json: item.json }) === k.rightValue;
        }));
      } else if (node.type === 'n8n-nodes-base.httpRequest') {
        const p = node.parameters;
        expect([p.authentication, p.genericAuthType]).toEqual(['genericCredentialType', 'httpHeaderAuth']);
        const cred = credentials[node.credentials!.httpHeaderAuth!.id];
        if (!cred) throw new Error(`no credential ${node.credentials?.httpHeaderAuth?.id} for '${node.name}'`);
        const next: Item[] = [];
        for (const item of items) {
          const ctx = { ...base, $json: item.json };
          const body = p.sendBody ? evaluate(p.jsonBody, ctx) : undefined;
          const res = await fetch(String(evaluate(p.url, ctx)), {
            method: p.method,
            headers: { [cred.name]: cred.value, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
            body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
          });
          const text = await res.text();
          if (!res.ok) throw new Error(`'${node.name}': ${res.status} ${text}`);
          next.push({ json: JSON.parse(text) });
        }
        items = next;
      } else {
        throw new Error(`the test's n8n does not know ${node.type} v${node.typeVersion} ('${node.name}')`);
      }
      outputs[node.name] = items;
      const to = wf.connections[node.name]?.main[0]?.[0];
      if (!to || items.length === 0) return outputs;
      node = byName.get(to.node)!;
    }
  };
}

/** Shopify's side: an order's transactions (the capture a refund names as its parent) and the refunds made through the API. */
class FakeShopify {
  transactions = new Map<string, any[]>();
  refunds: Array<{ orderId: string; request: any; refund: any }> = [];
  private nextId = 7_770_000;

  handle(req: IncomingMessage, body: string, res: ServerResponse): boolean {
    const m = /^\/admin\/api\/2025-01\/orders\/(\d+)\/(transactions|refunds)\.json$/.exec(req.url ?? '');
    if (!m) return false;
    const answer = (status: number, b: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(b)); };
    if (req.headers['x-shopify-access-token'] !== SHOPIFY_TOKEN) { answer(401, { errors: '[API] Invalid API key or access token' }); return true; }
    const [, orderId, what] = m as unknown as [string, string, string];
    const txs = this.transactions.get(orderId);
    if (!txs) { answer(404, { errors: 'Not Found' }); return true; }
    if (what === 'transactions' && req.method === 'GET') { answer(200, { transactions: txs }); return true; }
    if (what === 'refunds' && req.method === 'POST') {
      const request = JSON.parse(body);
      const t = request.refund.transactions[0];
      const parent = txs.find((x) => x.id === t.parent_id);
      if (!parent) { answer(422, { errors: { transactions: ['parent_id is invalid'] } }); return true; }
      const refundId = ++this.nextId;
      const tx = { id: ++this.nextId, order_id: Number(orderId), kind: 'refund', gateway: parent.gateway, status: 'success', message: null, created_at: new Date().toISOString(), processed_at: new Date().toISOString(), parent_id: parent.id, amount: t.amount, currency: request.refund.currency };
      const refund = { id: refundId, order_id: Number(orderId), created_at: tx.created_at, processed_at: tx.processed_at, note: request.refund.note, restock: false, refund_line_items: [], order_adjustments: [], transactions: [tx] };
      txs.push(tx);
      this.refunds.push({ orderId, request, refund });
      answer(201, { refund });
      return true;
    }
    answer(405, { errors: 'method not allowed' });
    return true;
  }
}

for (const factory of storeFactories()) {
  describe(`n8n pays our refund out through Shopify (examples/n8n/refund-payout.json): ${factory.name}`, () => {
    let t: TestApp | undefined;
    let server: ReturnType<typeof createServer> | undefined;
    afterEach(async () => {
      useApprovalEngine(null);
      await t?.close();
      t = undefined;
      if (server) await new Promise<void>((r) => { server!.closeAllConnections(); server!.close(() => r()); });
      server = undefined;
    });

    it('the example settles with the refund transaction id as channelRefundId: the echo counts once; the same flow settling with it in reference only counts it twice', async () => {
      const wf = loadWorkflow();
      fakeApprovals();
      t = await startTestApp(factory, {
        ai: REFUND_NOW,
        config: { environment: 'test', delivery: DELIVERY, dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, ai: { provider: 'builtin', pollMs: 20, timeoutMs: 5000 } },
      });
      const app = t;
      for (const e of [
        envelope({ type: 'location.upserted', payload: LOCATION }),
        ...PRODUCTS.map((p) => envelope({ type: 'product.upserted', payload: p })),
        envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: PRODUCTS.map((p) => ({ sku: p.sku, onHand: 50 })) } }),
      ]) await app.send(e);

      // The n8n source and its bearer token (what the settle node authenticates with); a finance key for the order lookup.
      const source = await app.api('PUT', '/v1/sources/n8n', app.adminKey, { name: 'n8n', kind: 'erp' });
      expect([200, 202], JSON.stringify(source.body)).toContain(source.status);
      await until('n8n source', async () => (await app.api('GET', '/v1/sources/n8n', app.adminKey)).status === 200);
      const token = (await app.api('POST', '/v1/sources/n8n/tokens', app.adminKey, { purpose: 'bearer' })).body.token as string;
      expect(token).toMatch(/^oot_/);
      const financeKey = await app.keyFor('finance');

      // The local server: n8n's webhook (header auth as the Webhook node checks it) and Shopify's Admin API.
      const shopify = new FakeShopify();
      const runs: Array<Promise<Record<string, Item[]>>> = [];
      const received: Array<{ headers: IncomingMessage['headers']; raw: string }> = [];
      let flow: ((item: Item) => Promise<Record<string, Item[]>>) | undefined;
      const AUTH = { name: 'x-omniops-auth', value: 'n8n-webhook-header-value-0123456789' };
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if (shopify.handle(req, raw, res)) return;
          if (req.method !== 'POST' || req.url !== `/webhook/${wf.nodes[0]!.parameters.path}`) { res.writeHead(404).end(); return; }
          if (req.headers[AUTH.name] !== AUTH.value) { res.writeHead(403).end(); return; }
          received.push({ headers: req.headers, raw });
          // responseMode onReceived: answered at once, the workflow runs after.
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Workflow was started"}');
          runs.push(flow!({ json: { headers: req.headers, params: {}, query: {}, body: JSON.parse(raw) }, binary: { data: { data: Buffer.from(raw).toString('base64') } } }));
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      // refund.requested goes to erp:refunds (src/engine/returns/refunds.ts): that route, to n8n.
      const dest = await app.api('PUT', '/v1/destinations/n8n', app.adminKey, {
        url: `${local}/webhook/${wf.nodes[0]!.parameters.path}`, kind: 'webhook', environment: 'test',
        routes: [{ destination: 'erp:refunds', kinds: ['refund.requested'] }], credentials: { headerName: AUTH.name, headerValue: AUTH.value },
      });
      expect(dest.status, JSON.stringify(dest.body)).toBe(201);
      const env = { OMNIOPS_URL: app.url, OMNIOPS_SOURCE: 'n8n', OMNIOPS_SHOPIFY_SOURCE: 'web', OMNIOPS_DESTINATION_SECRET: dest.body.secret as string, SHOPIFY_ADMIN_URL: local };
      const credentials = {
        'omniops-api-key': { name: 'authorization', value: `Bearer ${financeKey}` },
        'omniops-source-token': { name: 'authorization', value: `Bearer ${token}` },
        'shopify-admin-token': { name: 'x-shopify-access-token', value: SHOPIFY_TOKEN },
      };
      flow = n8n(wf, env, credentials);

      /** A Shopify webhook to the adapter of source `web`, signed as the shop signs it; waits until its events are processed. */
      async function shopifyWebhook(topic: string, body: unknown, webhookId: string) {
        const raw = JSON.stringify(body);
        const res = await fetch(`${app.url}/v1/adapters/shopify/web`, {
          method: 'POST', body: raw,
          headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-webhook-id': webhookId, 'x-shopify-hmac-sha256': createHmac('sha256', app.secret).update(raw).digest('base64') },
        });
        const b = (await res.json()) as { results: Array<{ eventId: string }> };
        expect(res.status, JSON.stringify(b)).toBe(202);
        for (const r of b.results) await app.settled(r.eventId);
        await app.drained();
      }

      /** A paid Shopify order (a tent and a mug, 130 EUR, captured by transaction `captureId`) delivered to the customer. */
      async function deliveredShopifyOrder(shopifyOrderId: number, captureId: number) {
        const lineIds = [shopifyOrderId * 10 + 1, shopifyOrderId * 10 + 2];
        await shopifyWebhook('orders/create', {
          id: shopifyOrderId, email: 'kim@example.com', created_at: new Date().toISOString(), currency: 'EUR', financial_status: 'paid', total_price: '130.00', gateway: 'shopify_payments',
          customer: { id: 207119551, email: 'kim@example.com', created_at: '2020-01-01T00:00:00Z' },
          line_items: [{ id: lineIds[0], sku: 'TENT', quantity: 1, price: '120.00' }, { id: lineIds[1], sku: 'MUG', quantity: 1, price: '10.00' }],
          shipping_address: { country_code: 'NL', zip: '1011AB', latitude: 52.37, longitude: 4.9 }, shipping_lines: [{ code: 'standard', price: '0.00' }],
        }, `wh-order-${shopifyOrderId}`);
        const capture = { id: captureId, order_id: shopifyOrderId, kind: 'capture', gateway: 'shopify_payments', status: 'success', amount: '130.00', currency: 'EUR', parent_id: captureId - 1 };
        shopify.transactions.set(String(shopifyOrderId), [
          { id: captureId - 1, order_id: shopifyOrderId, kind: 'authorization', gateway: 'shopify_payments', status: 'success', amount: '130.00', currency: 'EUR', parent_id: null },
          capture,
        ]);
        await shopifyWebhook('order_transactions/create', capture, `wh-capture-${captureId}`);
        const orderId = orderIdFor('web', String(shopifyOrderId));
        const order = (await app.api('GET', `/v1/orders/${orderId}`, app.adminKey)).body;
        expect(order.state, JSON.stringify(order.history)).toBe('allocated');
        for (const f of order.fulfilments) {
          for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) await app.send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-${shopifyOrderId}` } : {}) } }));
          await app.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: f.id } }));
        }
        await app.drained();
        expect((await app.api('GET', `/v1/orders/${orderId}`, app.adminKey)).body.state).toBe('delivered');
        return { orderId, mugLine: String(lineIds[1]) };
      }

      /** The mug returned: the refund (10) goes out to erp:refunds, n8n runs the example, Shopify tells its refund back. */
      async function mugReturnPaidOutThroughShopify(shopifyOrderId: number, captureId: number) {
        const { orderId, mugLine } = await deliveredShopifyOrder(shopifyOrderId, captureId);
        const before = runs.length;
        await app.send(envelope({ type: 'return.requested', payload: { externalOrderId: String(shopifyOrderId), lines: [{ lineId: mugLine, qty: 1 }], reason: 'arrived broken' } }));
        await app.drained();
        await until('the refund.requested delivery reached n8n', async () => runs.length > before);
        const outputs = await runs[before]!;
        const delivery = received[before]!;
        const requested = outputs['Only refund.requested']![0]!.json;
        expect(requested).toMatchObject({ kind: 'refund.requested', destination: 'erp:refunds', payload: { orderId, channel: 'web', externalOrderId: String(shopifyOrderId), amount: 10, currency: 'EUR' } });
        const refundId = requested.payload.refundId as string;
        // The flow paid it out in Shopify once: the requested amount against the order's capture, our refund named in the note.
        const made = shopify.refunds.filter((r) => r.orderId === String(shopifyOrderId));
        expect(made).toHaveLength(1);
        expect(made[0]!.request).toEqual({ refund: { currency: 'EUR', notify: false, note: `omniops refund ${refundId}`, transactions: [{ parent_id: captureId, amount: '10.00', kind: 'refund', gateway: 'shopify_payments' }] } });
        const shopifyRefund = made[0]!.refund;
        const transactionId = String(shopifyRefund.transactions[0].id);
        expect(transactionId).not.toBe(String(shopifyRefund.id));
        // What it posted to omniops: refund.settled from the token's source, accepted.
        const settled = outputs['omniops: POST refund.settled']![0]!.json;
        expect(settled).toMatchObject({ status: 'accepted' });
        await app.settled(settled.eventId);
        await app.drained();
        // Then Shopify tells the same money back as its own refund (refunds/create for that transaction).
        await shopifyWebhook('refunds/create', shopifyRefund, `wh-refund-${shopifyRefund.id}`);
        return { orderId, refundId, shopifyRefund, transactionId, delivery, settledEventId: settled.eventId as string };
      }

      // 1. The example as shipped: channelRefundId = the refund transaction's id.
      const a = await mugReturnPaidOutThroughShopify(450789469, 389404469);
      // The delivery the example's Code node accepted was signed with the destination's secret (as the docs say to check it).
      const sig = String(a.delivery.headers['omniops-signature']);
      const ts = /t=(\d+)/.exec(sig)![1]!;
      expect(sig).toContain(`v1=${createHmac('sha256', env.OMNIOPS_DESTINATION_SECRET).update(`${ts}.${a.delivery.raw}`).digest('hex')}`);
      const event = await eventById(app.app.store.read, a.settledEventId);
      expect(event).toMatchObject({ source: 'n8n', sourceEventId: `n8n-refund-${a.refundId}`, type: 'refund.settled', payload: { refundId: a.refundId, reference: `shopify refund ${a.shopifyRefund.id}`, channelRefundId: a.transactionId } });
      const orderA = (await app.api('GET', `/v1/orders/${a.orderId}`, app.adminKey)).body;
      // Once: 130 paid, 10 out (ours, paid out as Shopify's transaction), 120 left; the echo counts nothing beside it.
      expect(orderA.leftToRefund).toMatchObject({
        amount: 120, refunded: 10, boundedBy: { amount: 130, by: 'captured' },
        ours: [{ refundId: a.refundId, state: 'settled', amount: 10, counts: true, paidOutAtChannel: a.transactionId }], atChannel: [],
      });
      expect(orderA.refundedAtChannel).toMatchObject({ amount: 10, refunds: [{ refundId: a.transactionId, amount: 10, echoOf: [a.refundId] }] });

      // The same delivery again (a replay carries the same idempotency key): the example's dedup drops it, nothing paid twice.
      const again = await flow({ json: { headers: a.delivery.headers, params: {}, query: {}, body: JSON.parse(a.delivery.raw) }, binary: { data: { data: Buffer.from(a.delivery.raw).toString('base64') } } });
      expect(again['Verify signature and dedup']).toEqual([]);
      expect(again['Shopify: POST refund']).toBeUndefined();
      // A body changed on the way fails the signature check.
      const forged = a.delivery.raw.replace('"amount":10', '"amount":100');
      expect(forged).not.toBe(a.delivery.raw);
      await expect(flow({ json: { headers: { ...a.delivery.headers, 'idempotency-key': 'other' }, params: {}, query: {}, body: JSON.parse(forged) }, binary: { data: { data: Buffer.from(forged).toString('base64') } } })).rejects.toThrow('bad omniops signature');
      expect(shopify.refunds).toHaveLength(1);

      // 2. A second order, the same flow but for an integrator who put Shopify's transaction id in `reference` instead.
      const settle = wf.nodes.find((n) => n.name === 'omniops: POST refund.settled')!;
      const misplaced = settle.parameters.jsonBody.replace('channelRefundId: String(', 'reference: String(');
      expect(misplaced).not.toBe(settle.parameters.jsonBody);
      flow = n8n({ ...wf, nodes: wf.nodes.map((n) => (n === settle ? { ...n, parameters: { ...n.parameters, jsonBody: misplaced } } : n)) }, env, credentials);
      const b = await mugReturnPaidOutThroughShopify(450789470, 389404479);
      const eventB = await eventById(app.app.store.read, b.settledEventId);
      expect(eventB!.payload).toEqual({ refundId: b.refundId, reference: b.transactionId });
      const orderB = (await app.api('GET', `/v1/orders/${b.orderId}`, app.adminKey)).body;
      // Twice: ours 10 and Shopify's 10 both count, 110 left — a later tent return would be cut to 110.
      expect(orderB.leftToRefund).toMatchObject({
        amount: 110, refunded: 20,
        ours: [{ refundId: b.refundId, state: 'settled', amount: 10, counts: true }], atChannel: [{ refundId: b.transactionId, amount: 10, counts: 10 }],
      });
      expect(orderB.leftToRefund.ours[0].paidOutAtChannel).toBeUndefined();
      expect(orderB.leftToRefund.atChannel[0].echoOf).toBeUndefined();
    }, 120_000);

    it('the export names what the protocol relies on: the route, the filter, the Shopify call and the settlement with the transaction id', () => {
      const wf = loadWorkflow();
      const names = wf.nodes.map((n) => n.name);
      expect(new Set(names).size).toBe(names.length);
      // One chain from the Webhook node, every node connected once, in this order.
      const order: string[] = [wf.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')!.name];
      for (let to = wf.connections[order[0]!]; to; to = wf.connections[order.at(-1)!]) order.push(to.main[0]![0]!.node);
      expect(order).toEqual(['omniops delivery', 'Verify signature and dedup', 'Only refund.requested', 'omniops: GET order', 'Shopify: GET transactions', 'Build Shopify refund', 'Shopify: POST refund', 'Refund transaction succeeded', 'omniops: POST refund.settled']);
      expect(order.slice().sort()).toEqual(names.slice().sort());
      const node = (name: string) => wf.nodes.find((n) => n.name === name)!;
      // Only node types n8n has, at versions it exports.
      expect(wf.nodes.map((n) => `${n.type}@${n.typeVersion}`)).toEqual([
        'n8n-nodes-base.webhook@2', 'n8n-nodes-base.code@2', 'n8n-nodes-base.filter@2', 'n8n-nodes-base.httpRequest@4.2', 'n8n-nodes-base.httpRequest@4.2',
        'n8n-nodes-base.code@2', 'n8n-nodes-base.httpRequest@4.2', 'n8n-nodes-base.filter@2', 'n8n-nodes-base.httpRequest@4.2',
      ]);
      // The raw body is kept (the signature is over it) and the check is the one of the receiving example.
      expect(node('omniops delivery').parameters.options).toEqual({ rawBody: true });
      const receiving = JSON.parse(readFileSync(new URL('../../examples/n8n/omniops-to-n8n.json', import.meta.url), 'utf8')) as Workflow;
      expect(node('Verify signature and dedup').parameters.jsCode).toBe(receiving.nodes.find((n) => n.type === 'n8n-nodes-base.code')!.parameters.jsCode);
      expect(node('Only refund.requested').parameters.conditions.conditions).toMatchObject([{ leftValue: '={{ $json.kind }}', rightValue: 'refund.requested' }]);
      expect(node('Shopify: POST refund').parameters).toMatchObject({ method: 'POST', url: '={{ $env.SHOPIFY_ADMIN_URL }}/admin/api/2025-01/orders/{{ $json.shopifyOrderId }}/refunds.json' });
      const settle = node('omniops: POST refund.settled');
      expect(settle.parameters).toMatchObject({ method: 'POST', url: '={{ $env.OMNIOPS_URL }}/v1/events' });
      expect(settle.credentials).toEqual({ httpHeaderAuth: { id: 'omniops-source-token', name: expect.stringContaining('Bearer oot_') } });
      const body = settle.parameters.jsonBody as string;
      expect(body).toContain("type: 'refund.settled'");
      expect(body).toContain('source: $env.OMNIOPS_SOURCE');
      expect(body).toContain("sourceEventId: 'n8n-refund-' + $('Build Shopify refund').first().json.refundId");
      // The tie: the created refund's transaction id (not the refund's id, which goes to reference).
      expect(body).toContain('channelRefundId: String($json.refund.transactions[0].id)');
      expect(body).toContain("reference: 'shopify refund ' + $json.refund.id");
    });

    it('a refund of an order the customer paid in another currency is asked of Shopify in theirs (presentment), against a capture in it', async () => {
      const wf = loadWorkflow();
      const build = wf.nodes.find((n) => n.name === 'Build Shopify refund')!;
      const code = new AsyncFunction('$input', '$env', '$getWorkflowStaticData', '$', 'require', build.parameters.jsCode);
      const outputs: Record<string, Item[]> = {
        'Only refund.requested': [{ json: { payload: { refundId: 'rfd_1', orderId: 'ord_1', amount: 9.99, currency: 'EUR', presentment: { currency: 'USD', amount: 10.79 } } } }],
        'omniops: GET order': [{ json: { source: 'web', externalOrderId: '9001', currency: 'EUR' } }],
      };
      const $ = (name: string) => ({ first: () => outputs[name]![0]!, all: () => outputs[name]! });
      const transactions = [
        { id: 11, kind: 'capture', status: 'success', currency: 'USD', amount: '32.37', gateway: 'shopify_payments' },
        { id: 12, kind: 'capture', status: 'success', currency: 'EUR', amount: '29.95', gateway: 'manual' },
      ];
      const out = (await code({ first: () => ({ json: { transactions } }), all: () => [{ json: { transactions } }] }, { OMNIOPS_SHOPIFY_SOURCE: 'web' }, () => ({}), $, nodeRequire)) as Item[];
      expect(out[0]!.json.body).toEqual({ refund: { currency: 'USD', notify: false, note: 'omniops refund rfd_1', transactions: [{ parent_id: 11, amount: '10.79', kind: 'refund', gateway: 'shopify_payments' }] } });
      // Without presentment (one currency), the refund's own currency and amount, as before.
      outputs['Only refund.requested'] = [{ json: { payload: { refundId: 'rfd_2', orderId: 'ord_1', amount: 9.99, currency: 'EUR' } } }];
      const plain = (await code({ first: () => ({ json: { transactions } }), all: () => [{ json: { transactions } }] }, { OMNIOPS_SHOPIFY_SOURCE: 'web' }, () => ({}), $, nodeRequire)) as Item[];
      expect(plain[0]!.json.body.refund).toMatchObject({ currency: 'EUR', transactions: [{ parent_id: 12, amount: '9.99' }] });
    });
  });
}
