import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { signBody, signatureHeader } from '../../src/domain/security/signature.js';
import { rotateSourceSecret } from '../../src/engine/identity/sources.js';

async function eventCount(t: TestApp): Promise<number> {
  // Only what the sender posted: the dispatcher and the scheduler append events of their own.
  return Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE source = 'web'`))?.n);
}

for (const factory of storeFactories()) {
  describe(`HTTP intake: ${factory.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(factory);
    });
    afterAll(async () => t.close());

    it('accepts a signed event (202) once durable, and answers duplicate (200) with the original id', async () => {
      const e = envelope();
      const first = await t.postEvents(e);
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ eventId: expect.any(String), status: 'accepted' });
      const again = await t.postEvents(e);
      expect(again).toEqual({ status: 200, body: { eventId: first.body.eventId, status: 'duplicate' } });
      // Keys in another order are the same payload: still a duplicate.
      const reordered = JSON.parse(JSON.stringify({ payload: e.payload, type: e.type, occurredAt: e.occurredAt, sourceEventId: e.sourceEventId, source: e.source }));
      expect((await t.postEvents(reordered)).status).toBe(200);
    });

    it('the same source event id with another payload: 409 E_IDEMPOTENCY_MISMATCH, nothing changes', async () => {
      const e = envelope();
      await t.postEvents(e);
      const before = await eventCount(t);
      const r = await t.postEvents({ ...e, payload: { ...(e.payload as object), name: 'Another name' } });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ code: 'E_IDEMPOTENCY_MISMATCH', status: 409 });
      expect(await eventCount(t)).toBe(before);
    });

    it('10,000 deliveries of one event → one log row', async () => {
      const e = envelope();
      const raw = JSON.stringify(e);
      const before = await eventCount(t);
      const statuses = new Map<number, number>();
      for (let i = 0; i < 10_000; i += 100) {
        const batch = await Promise.all(Array.from({ length: 100 }, () => t.postEvents(undefined, { raw })));
        for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
      expect(statuses.get(202)).toBe(1);
      expect(statuses.get(200)).toBe(9_999);
      expect(await eventCount(t)).toBe(before + 1);
    });

    it('50 concurrent deliveries of one new event → exactly one accepted, the rest duplicates', async () => {
      const raw = JSON.stringify(envelope());
      const results = await Promise.all(Array.from({ length: 50 }, () => t.postEvents(undefined, { raw })));
      expect(results.filter((r) => r.status === 202)).toHaveLength(1);
      expect(results.filter((r) => r.status === 200 && r.body.status === 'duplicate')).toHaveLength(49);
      expect(new Set(results.map((r) => r.body.eventId)).size).toBe(1);
    });

    describe('signature negatives → 401 E_SIGNATURE and no state change', () => {
      const cases: Array<[string, (raw: string) => Promise<{ status: number; body: any }>]> = [
        ['a flipped body byte', (raw) => postRaw(raw.replace('Store One', 'Store Onf'), signBody(t.secret, raw, now()))],
        ['the wrong secret', (raw) => postRaw(raw, signBody('whsec_wrong', raw, now()))],
        ['a missing header', (raw) => postRaw(raw, undefined)],
        ['a timestamp 301 s old', (raw) => postRaw(raw, signBody(t.secret, raw, now() - 301))],
        ['a timestamp 301 s ahead', (raw) => postRaw(raw, signBody(t.secret, raw, now() + 301))],
        ['the body re-serialised after signing', (raw) => postRaw(JSON.stringify(JSON.parse(raw), null, 2), signBody(t.secret, raw, now()))],
        ['a malformed header', (raw) => postRaw(raw, 'v1=abc')],
        ['an unknown source', (raw) => postRaw(raw.replace('"source":"web"', '"source":"nobody"'), signBody(t.secret, raw.replace('"source":"web"', '"source":"nobody"'), now()))],
      ];
      const now = () => Math.floor(Date.now() / 1000);
      async function postRaw(raw: string, sig: string | undefined) {
        const res = await fetch(`${t.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...(sig ? { 'omniops-signature': sig } : {}) }, body: raw });
        return { status: res.status, body: await res.json() };
      }
      for (const [name, send] of cases) {
        it(name, async () => {
          const before = await eventCount(t);
          const r = await send(JSON.stringify(envelope()));
          expect(r.status).toBe(401);
          expect(r.body).toMatchObject({ code: 'E_SIGNATURE', type: 'urn:omniops:error:E_SIGNATURE' });
          expect(r.body).not.toHaveProperty('stack');
          expect(await eventCount(t)).toBe(before);
        });
      }
    });

    it('rotation: both secrets work during the grace period; after it the old one is refused', async () => {
      const old = t.secret;
      const { secret: fresh } = await rotateSourceSecret(t.app.store, t.app.box, { id: 'test', role: 'admin' }, 'web', 3600);
      t.app.sourceSecrets.invalidate('web');
      expect((await t.postEvents(envelope(), { secret: old })).status).toBe(202);
      expect((await t.postEvents(envelope(), { secret: fresh })).status).toBe(202);
      // Several v1= entries (signed with both) are accepted too.
      const raw = JSON.stringify(envelope());
      const both = await fetch(`${t.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'omniops-signature': signatureHeader(['whsec_x', fresh], raw, Math.floor(Date.now() / 1000)) }, body: raw });
      expect(both.status).toBe(202);
      await rotateSourceSecret(t.app.store, t.app.box, { id: 'test', role: 'admin' }, 'web', 0);
      t.app.sourceSecrets.invalidate('web');
      const refused = await t.postEvents(envelope(), { secret: old });
      expect(refused.status).toBe(401);
      t.secret = (await t.app.sourceSecrets.secretsFor('web'))[0]!;
    });

    it('schema errors name every bad field path (422 E_SCHEMA)', async () => {
      const r = await t.postEvents(envelope({ occurredAt: 'yesterday', payload: { id: 'x', name: '', kind: 'castle', lat: 123, lon: 5 } }));
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('E_SCHEMA');
      const paths = r.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toContain('occurredAt');
      const payloadErr = await t.postEvents(envelope({ payload: { id: 'x', name: '', kind: 'castle', lat: 123, lon: 5 } }));
      expect(payloadErr.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['payload.kind', 'payload.lat', 'payload.name']);
    });

    it('an unknown event type is 422 E_UNKNOWN_TYPE; a type omniops decides cannot be posted', async () => {
      expect((await t.postEvents(envelope({ type: 'order.teleported' }))).body.code).toBe('E_UNKNOWN_TYPE');
    });

    it('a batch gets one result per event; events naming another source are refused', async () => {
      const good = envelope();
      const r = await t.postEvents({ events: [good, good, envelope({ type: 'nope.nope' }), envelope({ source: 'other' })] });
      expect(r.status).toBe(202);
      expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['accepted', 'duplicate', 'rejected', 'rejected']);
      expect(r.body.results[0].eventId).toBe(r.body.results[1].eventId);
      expect(r.body.results[2].error.code).toBe('E_UNKNOWN_TYPE');
      expect(r.body.results[3].error.code).toBe('E_SOURCE_MISMATCH');
    });

    it('malformed items of a batch, or a malformed single body, are 422 E_SCHEMA, not a source mismatch', async () => {
      const before = await eventCount(t);
      const r = await t.postEvents({ events: [envelope(), 'junk', null, 5, []] }, { headers: { 'omniops-source': 'web' } });
      expect(r.status).toBe(202);
      expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['accepted', 'rejected', 'rejected', 'rejected', 'rejected']);
      for (const x of r.body.results.slice(1)) expect(x.error).toMatchObject({ code: 'E_SCHEMA', status: 422 });
      const single = await t.postEvents('junk', { headers: { 'omniops-source': 'web' } });
      expect(single.status).toBe(422);
      expect(single.body.code).toBe('E_SCHEMA');
      expect(await eventCount(t)).toBe(before + 1);
    });

    it('more than 500 events in a batch is refused whole', async () => {
      const before = await eventCount(t);
      const r = await t.postEvents({ events: Array.from({ length: 501 }, () => envelope()) });
      expect(r.status).toBe(413);
      expect(await eventCount(t)).toBe(before);
    });

    it('GET /v1/events/{id}?wait= long-polls until processed and lists what it caused', async () => {
      const r = await t.postEvents(envelope());
      const s = await t.api('GET', `/v1/events/${r.body.eventId}?wait=5000`, t.adminKey);
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ eventId: r.body.eventId, status: 'processed', attempts: 1, caused: [] });
      expect((await t.api('GET', '/v1/events/nope', t.adminKey)).status).toBe(404);
    });
  });
}
