import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { insertOutboxRows } from '../../src/store/repos/outbox.js';
import { deliveryById } from '../../src/store/repos/deliveries.js';
import { verifySignature } from '../../src/domain/security/signature.js';
import { startReceiver } from './receiver.js';
import { until } from '../support/until.js';

const DC = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '23:59', utcOffsetMinutes: 0, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };
const DELIVERY = { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 400, maxAttempts: 50, backoffBaseMs: 5, backoffMaxMs: 40, breakerFailureThreshold: 3, breakerCooldownMs: 60 };

for (const factory of storeFactories()) {
  describe(`outbound delivery: ${factory.name}`, () => {
    let t: TestApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    afterEach(async () => {
      await t?.close();
      await receiver?.close();
      receiver = undefined;
    });

    async function outbox(rows: Array<{ id: string; subject: string; seq: number; destination?: string; kind?: string; expiresAt?: number }>) {
      await t.app.store.transaction(async (tx) => {
        for (const r of rows) {
          await insertOutboxRows(tx, [{
            id: r.id, seq: r.seq, eventId: `ev-${r.id}`, destination: r.destination ?? 'channel:web', kind: r.kind ?? 'availability.changed', subject: r.subject,
            payload: { n: r.seq }, createdAt: new Date().toISOString(), ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
          }]);
        }
      });
    }

    async function register(url: string, over: Record<string, unknown> = {}) {
      const r = await t.api('PUT', '/v1/destinations/hooks', t.adminKey, { url, kind: 'webhook', environment: 'test', routes: [{ destination: 'channel:*' }], concurrency: 4, ...over });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body;
    }

    const status = async (id: string) => (await deliveryById(t.app.store.read, id))?.status;

    it('a destination down for a while, then back: everything delivered once, in per-subject order, signed', async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      let down = true;
      receiver = await startReceiver(() => (down ? { status: 503 } : {}));
      const dest = await register(receiver.url);
      expect(dest.secret).toMatch(/^whsec_/);
      const rows: Array<{ id: string; subject: string; seq: number; kind: string }> = [];
      // A kind where every row counts (not a latest-wins figure like channel availability).
      for (let s = 0; s < 4; s++) for (let i = 0; i < 5; i++) rows.push({ id: `r-${s}-${i}`, subject: `order:web:${s}`, seq: 100 + i * 10 + s, kind: 'fulfilment.assigned' });
      await outbox(rows);
      await until('failures', async () => receiver!.requests >= 6);
      const breaker = await t.api('GET', '/v1/destinations/hooks', t.adminKey);
      expect(breaker.body.secret).not.toContain(dest.secret.slice(6, 20));
      down = false;
      await until('all delivered', async () => receiver!.effects.length === rows.length);
      await until('rows delivered', async () => (await Promise.all(rows.map((r) => status(r.id)))).every((s) => s === 'delivered'));
      // once each, and per subject in outbox order
      expect(new Set(receiver.effects.map((e) => e.key)).size).toBe(rows.length);
      for (let s = 0; s < 4; s++) expect(receiver.effects.filter((e) => e.subject === `order:web:${s}`).map((e) => e.key)).toEqual([0, 1, 2, 3, 4].map((i) => `r-${s}-${i}`));
      const e = receiver.effects[0]!;
      expect(verifySignature(String(e.headers['omniops-signature']), JSON.stringify(e.body), [dest.secret], Math.floor(Date.now() / 1000), 300).ok).toBe(true);
      const metrics = (await t.api('GET', '/metrics', null)).body as string;
      expect(metrics).toMatch(/omniops_deliveries_total\{destination="hooks",result="delivered"\} 20/);
      expect((await t.api('GET', '/v1/dashboard', t.adminKey)).body.deliveries.byDestination.hooks).toMatchObject({ delivered: 20 });
      expect(metrics).toMatch(/omniops_delivery_retries_total\{destination="hooks"\} [1-9]/);
    }, 60_000);

    it('429 with Retry-After waits at least that long; timeouts and connection resets are retried', async () => {
      let clockNow = Date.parse('2026-12-01T10:00:00Z');
      t = await startTestApp(factory, { clock: () => clockNow, config: { environment: 'test', delivery: { ...DELIVERY, breakerFailureThreshold: 100 } } });
      let seen2 = 0;
      let seen3 = 0;
      receiver = await startReceiver((n, _req, body) => {
        if (body.payload.n === 1 && n === 1) return { status: 429, headers: { 'retry-after': '120' } };
        if (body.payload.n === 2) return seen2++ === 0 ? { hang: true } : {};
        if (body.payload.n === 3) return seen3++ === 0 ? { reset: true } : {};
        return {};
      });
      await register(receiver.url);
      await outbox([{ id: 'paced', subject: 's1', seq: 1 }]);
      const paced = await until('429 recorded', async () => { const d = await deliveryById(t.app.store.read, 'paced'); return d && d.attempts === 1 ? d : undefined; });
      expect(paced.lastError).toContain('http:429');
      expect(paced.nextAttemptAt).toBe(clockNow + 120_000);
      expect(paced.status).toBe('pending');
      clockNow += 121_000;
      await until('paced delivered', async () => (await status('paced')) === 'delivered');
      await outbox([{ id: 'slow', subject: 's2', seq: 2 }, { id: 'reset', subject: 's3', seq: 3 }]);
      await until('both delivered in the end', async () => {
        clockNow += 100; // the frozen clock moves on so the retries come due
        return (await status('slow')) === 'delivered' && (await status('reset')) === 'delivered';
      });
      // Each failed once first (a hang past the timeout, a reset connection) and was retried.
      expect((await deliveryById(t.app.store.read, 'slow'))!.attempts).toBeGreaterThanOrEqual(2);
      expect((await deliveryById(t.app.store.read, 'reset'))!.attempts).toBeGreaterThanOrEqual(2);
      const retries = (await t.api('GET', '/metrics', null)).body as string;
      expect(retries).toMatch(/omniops_delivery_retries_total\{destination="hooks"\} [3-9]/);
      expect(receiver.effects.map((e) => e.key).sort()).toEqual(['paced', 'reset', 'slow']);
    }, 60_000);

    it('a 4xx is dead at once with an exception; a replay keeps the idempotency key and the receiver sees no second effect', async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      let answer = 400;
      receiver = await startReceiver(() => ({ status: answer }));
      await register(receiver.url);
      await outbox([{ id: 'bad', subject: 'x', seq: 1 }]);
      await until('dead', async () => (await status('bad')) === 'dead');
      const dead = await t.api('GET', '/v1/deliveries?status=dead', t.adminKey);
      expect(dead.body.items).toEqual([expect.objectContaining({ id: 'bad', status: 'dead', attempts: 1, lastStatus: 400 })]);
      const ex = await t.app.store.read.all<{ queue: string; subject: string }>(`SELECT queue, subject FROM exceptions WHERE queue = 'dead_letter_delivery'`);
      expect(ex).toEqual([{ queue: 'dead_letter_delivery', subject: 'delivery:bad' }]);
      expect((await t.api('POST', '/v1/deliveries/bad/replay', await t.keyFor('auditor'))).status).toBe(403);
      answer = 200;
      expect((await t.api('POST', '/v1/deliveries/bad/replay', t.adminKey)).status).toBe(202);
      await until('delivered after replay', async () => (await status('bad')) === 'delivered');
      // Replaying something that already arrived: the same key again, no second effect.
      await t.app.store.transaction((tx) => tx.run(`UPDATE outbox SET status = 'dead' WHERE id = 'bad'`));
      expect((await t.api('POST', '/v1/deliveries/bad/replay', t.adminKey)).status).toBe(202);
      await until('delivered again', async () => (await status('bad')) === 'delivered');
      expect(receiver.requests).toBe(3);
      expect(receiver.effects.map((e) => e.key)).toEqual(['bad']);
      expect((await t.api('POST', '/v1/deliveries/bad/replay', t.adminKey)).body.code).toBe('E_INVALID_STATE');
    }, 60_000);

    it('the SSRF guard refuses loopback, private, metadata, mapped and encoded addresses unless allow-listed', async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: { ...DELIVERY, allowList: [] } } });
      const cases = ['http://127.0.0.1:9/x', 'http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:127.0.0.1]:9/x', 'http://2130706433:9/x', 'http://192.168.1.10/x'];
      for (let i = 0; i < cases.length; i++) {
        const r = await t.api('PUT', `/v1/destinations/d${i}`, t.adminKey, { url: cases[i], kind: 'webhook', environment: 'test', routes: [{ destination: `channel:c${i}` }] });
        expect(r.status).toBe(201);
      }
      await outbox(cases.map((_, i) => ({ id: `ssrf-${i}`, subject: `s${i}`, seq: i + 1, destination: `channel:c${i}` })));
      for (let i = 0; i < cases.length; i++) {
        await until(`ssrf ${i} dead`, async () => (await status(`ssrf-${i}`)) === 'dead');
        const d = (await deliveryById(t.app.store.read, `ssrf-${i}`))!;
        expect(d.lastError, cases[i]).toMatch(/refused by the SSRF guard: (loopback|private|link_local)/);
        expect(d.lastStatus).toBeNull();
      }
    }, 60_000);

    it('a non-production instance refuses a production destination; unrouted rows wait for a destination', async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      receiver = await startReceiver();
      await outbox([{ id: 'early', subject: 'a', seq: 1, destination: 'notify:sms', kind: 'notification' }]);
      await until('parked', async () => (await status('early')) === 'unrouted');
      const prod = await t.api('PUT', '/v1/destinations/prod', t.adminKey, { url: receiver.url, kind: 'notification', environment: 'production', routes: [{ destination: 'notify:*' }], credentials: { token: 'sk_live_0123456789abcdef' } });
      expect(prod.body.credentials).toEqual({ token: '[redacted]…cdef' });
      await until('refused', async () => (await status('early')) === 'dead');
      expect((await deliveryById(t.app.store.read, 'early'))!.lastError).toContain('never delivers to the production destination');
      expect(receiver.requests).toBe(0);
    }, 60_000);

    it('a row past its send-by time is expired, never sent, and holds nothing back; a replay sends it after all', async () => {
      let clockNow = Date.parse('2026-12-01T10:00:00Z');
      t = await startTestApp(factory, { clock: () => clockNow, config: { environment: 'test', delivery: DELIVERY } });
      receiver = await startReceiver();
      await t.app.delivery.stop();
      await outbox([
        { id: 'late', subject: 'customer:c-1', seq: 1, expiresAt: clockNow - 1 }, // past it: expired
        { id: 'after-late', subject: 'customer:c-1', seq: 2 }, // no send-by time, behind the expired one
        { id: 'in-time', subject: 'customer:c-2', seq: 3, expiresAt: clockNow + 60_000 },
        { id: 'waiting', subject: 'customer:c-3', seq: 4, expiresAt: clockNow - 1 }, // past it, but not due: waits for its next attempt
      ]);
      await t.app.store.transaction((tx) => tx.run(`UPDATE outbox SET next_attempt_at = ? WHERE id = 'waiting'`, [clockNow + 600_000]));
      await register(receiver.url);
      await t.app.delivery.start();
      await until('sent', async () => (await status('after-late')) === 'delivered' && (await status('in-time')) === 'delivered');
      expect(await status('late')).toBe('expired');
      const late = (await t.api('GET', '/v1/deliveries?status=expired', t.adminKey)).body.items;
      expect(late).toEqual(['late', 'waiting'].map((id) => expect.objectContaining({ id, status: 'expired', sendBy: new Date(clockNow - 1).toISOString(), lastError: 'not sent: its send-by time passed first' })));
      expect(await status('waiting')).toBe('expired'); // with the due one that was found past its time
      expect(receiver.effects.map((e) => e.key).sort()).toEqual(['after-late', 'in-time']);
      const metrics = (await t.api('GET', '/metrics', null)).body as string;
      expect(metrics).toMatch(/omniops_deliveries_expired_total\{destination="channel:web"\} 2/);
      const audit = await t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'deliveries.expired' ORDER BY seq`);
      expect(audit.map((a) => JSON.parse(a.detail) as { rows: number; byDestination: Record<string, number> })).toEqual([
        expect.objectContaining({ rows: 2, byDestination: { 'channel:web': 2 } }),
      ]);

      const replay = await t.api('POST', '/v1/deliveries/late/replay', t.adminKey, {});
      expect(replay.status, JSON.stringify(replay.body)).toBe(202);
      await until('replayed', async () => (await status('late')) === 'delivered');
      expect((await deliveryById(t.app.store.read, 'late'))!.expiresAt).toBe(0);
      expect(receiver.effects.filter((e) => e.key === 'late')).toHaveLength(1);
      const again = await t.api('POST', '/v1/deliveries/late/replay', t.adminKey, {});
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('E_INVALID_STATE');
    }, 60_000);

    it("a channel that was away gets each sku's newest figure at once: the waiting figures in between are superseded, not sent; other kinds all go", async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      receiver = await startReceiver();
      await outbox([
        { id: 'a-1', subject: 'availability:web:A', seq: 1 },
        { id: 'a-2', subject: 'availability:web:A', seq: 2 },
        { id: 'b-1', subject: 'availability:web:B', seq: 3 },
        { id: 'a-3', subject: 'availability:web:A', seq: 4 },
        { id: 'f-1', subject: 'order:web:1', seq: 5, kind: 'fulfilment.assigned' },
        { id: 'f-2', subject: 'order:web:1', seq: 6, kind: 'fulfilment.assigned' },
      ]);
      await until('parked', async () => (await status('a-1')) === 'unrouted');
      await register(receiver.url);
      const ids = ['a-1', 'a-2', 'b-1', 'a-3', 'f-1', 'f-2'];
      await until('settled', async () => (await Promise.all(ids.map(status))).every((s) => s === 'delivered' || s === 'superseded'));
      expect(Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await status(id)])))).toEqual({
        'a-1': 'superseded', 'a-2': 'superseded', 'b-1': 'delivered', 'a-3': 'delivered', 'f-1': 'delivered', 'f-2': 'delivered',
      });
      expect(receiver.effects.map((e) => e.key).sort()).toEqual(['a-3', 'b-1', 'f-1', 'f-2']);
      const superseded = (await t.api('GET', '/v1/deliveries?status=superseded', t.adminKey)).body.items;
      expect(superseded.map((d: { id: string; lastError: string }) => [d.id, d.lastError])).toEqual([
        ['a-1', 'not sent: a newer figure for the same subject went instead'], ['a-2', 'not sent: a newer figure for the same subject went instead'],
      ]);
      const metrics = (await t.api('GET', '/metrics', null)).body as string;
      expect(metrics).toMatch(/omniops_deliveries_superseded_total\{destination="channel:web"\} 2/);
    }, 60_000);

    it("an order's customer message waits for a mail destination only as long as the orders policy says; the store's worklist row has no limit", async () => {
      let clockNow = Date.parse('2026-12-01T10:00:00Z');
      t = await startTestApp(factory, { clock: () => clockNow, config: { environment: 'test', delivery: DELIVERY } });
      // The clock jumps a day: the SLA watch would expire the fulfilments (and write more rows) meanwhile.
      // The tick the start began may still be offering its slots: waited for, or its last ones (the
      // SLA watch among them) are offered at the jumped time.
      t.app.scheduler.stop();
      await t.app.scheduler.idle();
      receiver = await startReceiver();
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      for (const id of ['W-1', 'W-2']) {
        await t.send(envelope({
          type: 'order.placed',
          payload: {
            externalOrderId: id, customer: { id: `c-${id}` }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR',
            shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 },
          },
        }));
        await t.drained();
        clockNow += 1439 * 60_000; // W-1's message is a day old when the destination arrives; W-2's a minute short of it
      }
      const rows = await t.app.store.read.all<{ destination: string; subject: string; status: string; expires_at: number | string }>(
        `SELECT destination, subject, status, expires_at FROM outbox WHERE destination IN ('location:dc', 'notify:email') ORDER BY seq`);
      const placedAt = Date.parse('2026-12-01T10:00:00Z');
      expect(rows.map((r) => ({ ...r, expires_at: Number(r.expires_at) }))).toEqual([
        { destination: 'notify:email', subject: 'customer:c-W-1', status: 'unrouted', expires_at: placedAt + 1440 * 60_000 },
        { destination: 'location:dc', subject: 'order:web:W-1', status: 'unrouted', expires_at: 0 },
        { destination: 'notify:email', subject: 'customer:c-W-2', status: 'unrouted', expires_at: placedAt + 1439 * 60_000 + 1440 * 60_000 },
        { destination: 'location:dc', subject: 'order:web:W-2', status: 'unrouted', expires_at: 0 },
      ]);
      const put = await t.api('PUT', '/v1/destinations/all', t.adminKey, { url: receiver.url, kind: 'webhook', environment: 'test', routes: [{ destination: 'notify:*' }, { destination: 'location:*' }] });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      await until('settled', async () => (await t.app.store.read.all<{ status: string }>(`SELECT status FROM outbox WHERE destination IN ('location:dc', 'notify:email')`)).every((r) => r.status !== 'pending' && r.status !== 'unrouted'));
      expect(receiver.effects.map((e) => e.subject).sort()).toEqual(['customer:c-W-2', 'order:web:W-1', 'order:web:W-2']);
      expect((await t.api('GET', '/v1/deliveries?status=expired', t.adminKey)).body.items.map((d: { subject: string }) => d.subject)).toEqual(['customer:c-W-1']);
      // The dashboard (the console's destination list) counts them under the registered destination: of
      // the last 24 hours' rows, so W-2's two (W-1's were written 48 hours ago by this clock).
      const dash = await t.api('GET', '/v1/dashboard', t.adminKey);
      expect(dash.body.deliveries.byDestination.all).toEqual({ delivered: 2, lastDeliveredAt: expect.any(String) });
    }, 60_000);

    it('a decided row without a destination is unrouted from its first commit; one with a destination is pending; registering one delivers the parked rows', async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      receiver = await startReceiver();
      // The delivery worker is stopped: whatever is parked was parked by the deciding transaction.
      await t.app.delivery.stop();
      const stores = await t.api('PUT', '/v1/destinations/stores', t.adminKey, { url: receiver.url, kind: 'webhook', environment: 'test', routes: [{ destination: 'location:*' }] });
      expect(stores.status, JSON.stringify(stores.body)).toBe(201);
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      await t.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'W-1', customer: { id: 'c-1', email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR',
          shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 },
        },
      }));
      await t.drained();
      const rows = async () => t.app.store.read.all<{ id: string; destination: string; kind: string; status: string; last_error: string | null }>(
        `SELECT id, destination, kind, status, last_error FROM outbox WHERE destination IN ('location:dc', 'notify:email') ORDER BY destination`,
      );
      expect(await rows()).toEqual([
        { id: expect.any(String), destination: 'location:dc', kind: 'fulfilment.assigned', status: 'pending', last_error: null },
        { id: expect.any(String), destination: 'notify:email', kind: 'notification', status: 'unrouted', last_error: 'no registered destination takes this row' },
      ]);

      await t.app.delivery.start();
      const mail = await t.api('PUT', '/v1/destinations/mail', t.adminKey, { url: receiver.url, kind: 'notification', environment: 'test', routes: [{ destination: 'notify:*' }] });
      expect(mail.status, JSON.stringify(mail.body)).toBe(201);
      await until('both delivered', async () => (await rows()).every((r) => r.status === 'delivered'));
      expect(receiver.effects.map((e) => e.subject).sort()).toEqual(['customer:c-1', 'order:web:W-1']);
    }, 60_000);
  });
}
