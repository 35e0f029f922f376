import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import type { StoreFactory } from '../support/stores.js';
import { eventById, appendEvent } from '../../src/store/repos/events.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { createBuiltinAiProvider } from '../../src/connectors/ai/builtin/provider.js';
import type { AiPort, AiResult } from '../../src/domain/ai/port.js';
import type { ConfiguredAi } from '../../src/engine/ai/provider.js';
import { useApprovalEngine, type ApprovalAnswer } from '../../src/engine/returns/approval.js';

// 2026-11-02 09:00 UTC, a Monday, before every cut-off.
export const T0 = Date.parse('2026-11-02T09:00:00Z');
export const DAY = 86_400_000;

export const builtin = createBuiltinAiProvider();

/** An AI that answers what the test says (label + confidence per task), built-in for anything not set. */
export function scriptedAi(answers: { reason?: [string, number]; disposition?: [string, number]; ticket?: [string, number] }): ConfiguredAi {
  const answer = <L extends string>(a: [string, number] | undefined, fallback: () => Promise<AiResult<L>>): Promise<AiResult<L>> =>
    a ? Promise.resolve({ status: 'answered', label: a[0] as L, confidence: a[1], rationale: `scripted ${a[0]}`, model: { id: 'scripted', version: 't1' }, inputDigest: 'd' }) : fallback();
  const port: AiPort = {
    classifyReturnReason: (text, ctx) => answer(answers.reason, () => builtin.classifyReturnReason(text, ctx)),
    recommendDisposition: (facts) => answer(answers.disposition, () => builtin.recommendDisposition(facts)),
    triageTicket: (text, ctx) => answer(answers.ticket, () => builtin.triageTicket(text, ctx)),
  };
  return { port, builtin, remote: false };
}

/** Stands in for the approval engine with the SPEC defaults: refunds above 200, AI below 0.7 or above 200. */
export function fakeApprovals() {
  const asked: Array<{ subject: string; subjectRef: string; facts: Record<string, unknown>; requestedBy: string }> = [];
  useApprovalEngine(async (_h, _p, ask) => {
    asked.push(ask as never);
    const f = ask.facts as Record<string, number | null>;
    const required = ask.subject === 'refund' ? Number(f.amount) > 200 : ask.subject === 'ai_recommendation' ? Number(f.confidence) < 0.7 || Number(f.amount ?? 0) > 200 : ask.subject === 'return_risk';
    return (required ? { required: true, approvalId: `appr-${ask.subject}-${ask.subjectRef}` } : { required: false }) as ApprovalAnswer;
  });
  return asked;
}

export const LOCATION = { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 2880 };
export const PRODUCTS = [
  { sku: 'TENT', name: 'Tent', category: 'outdoor', price: 120, cost: 60, returnable: true, supplierIds: ['sup-tents'] },
  { sku: 'MUG', name: 'Mug', category: 'kitchen', price: 10, cost: 3, returnable: true, supplierIds: [] },
  { sku: 'GIFT', name: 'Gift card', category: 'gifts', price: 30, cost: 30, returnable: false, supplierIds: [] },
  { sku: 'SHOE', name: 'Shoe', category: 'fashion', price: 80, cost: 30, returnable: true, supplierIds: [] },
];

/** What the customer pays for order lines, in cents then back to the major unit. */
export function linesTotal(lines: ReadonlyArray<{ qty: number; unitPrice: number; discount?: number }>): number {
  return lines.reduce((cents, l) => cents + Math.round(l.qty * l.unitPrice * 100) - Math.round((l.discount ?? 0) * 100), 0) / 100;
}

export class ReturnsWorld {
  t!: TestApp;
  now = T0;
  /** When the customer of the next delivered order opened their account (a new account is a returns rule). */
  customerCreatedAt = '2020-01-01T00:00:00Z';

  async start(factory: StoreFactory, opts: { ai?: ConfiguredAi; config?: Record<string, unknown> } = {}): Promise<this> {
    this.now = T0;
    this.t = await startTestApp(factory, {
      clock: () => this.now,
      ...(opts.ai ? { ai: opts.ai } : {}),
      config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 5000, ai: { provider: 'builtin', pollMs: 20, timeoutMs: 5000 }, ...opts.config },
    });
    await this.send(envelope({ type: 'location.upserted', payload: LOCATION }));
    for (const p of PRODUCTS) await this.send(envelope({ type: 'product.upserted', payload: p }));
    await this.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: PRODUCTS.map((p) => ({ sku: p.sku, onHand: 50 })) } }));
    return this;
  }

  async send(e: Record<string, unknown>): Promise<string> {
    const r = await this.t.postEvents(e);
    expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
    await this.settled(r.body.eventId);
    return r.body.eventId;
  }

  async settled(id: string) {
    for (let i = 0; i < 1500; i++) {
      const e = await eventById(this.t.app.store.read, id);
      if (e && e.status !== 'pending') {
        expect(e.status, e.lastError ?? '').toBe('processed');
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`event ${id} still pending`);
  }

  /** Everything in the log processed and no AI work waiting. */
  async drained() {
    for (let i = 0; i < 3000; i++) {
      // One statement, so one snapshot: two separate counts let the AI worker append its answer
      // after the first and finish its work item before the second, and this called the backlog
      // drained with the answer still unhandled (seen on PostgreSQL in CI).
      const n = await this.t.app.store.read.get<{ e: number; w: number }>(
        `SELECT (SELECT COUNT(*) FROM events WHERE status = 'pending') AS e, (SELECT COUNT(*) FROM ai_work WHERE state = 'pending') AS w`,
      );
      if (Number(n?.e) === 0 && Number(n?.w) === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('backlog did not drain');
  }

  /** A delivered order: placed, routed, accepted, picked, shipped and delivered at `deliveredAt`. */
  /** `paid` defaults to the lines' total (price × quantity − discount): the customer paid for what was ordered. */
  /** `presentment`: what the customer was charged in their own currency (a shop selling in several). */
  async deliveredOrder(ext: string, lines: Array<{ lineId: string; sku: string; qty: number; unitPrice: number; discount?: number }>, deliveredAt = T0 + 3_600_000, customerId = `c-${ext}`, paid = linesTotal(lines), presentment?: { currency: string; amount: number }) {
    this.now = T0;
    await this.send(envelope({
      type: 'order.placed',
      payload: {
        externalOrderId: ext, customer: { id: customerId, email: 'kim@example.com', createdAt: this.customerCreatedAt }, lines, currency: 'EUR',
        shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'captured', amount: paid, ...(presentment ? { presentment } : {}) },
      },
    }));
    await this.drained();
    const order = await this.order(ext);
    expect(order.state, JSON.stringify(order.history)).toBe('allocated');
    for (const f of order.fulfilments) {
      for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) await this.send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-${ext}` } : {}) } }));
      this.now = deliveredAt;
      await this.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: f.id } }));
    }
    await this.drained();
    expect((await this.order(ext)).state).toBe('delivered');
    return orderIdFor('web', ext);
  }

  async order(ext: string, source = 'web') {
    return (await this.t.api('GET', `/v1/orders/${orderIdFor(source, ext)}`, this.t.adminKey)).body;
  }

  async requestReturn(payload: Record<string, unknown>): Promise<any> {
    const eventId = await this.send(envelope({ type: 'return.requested', payload }));
    await this.drained();
    const list = await this.t.api('GET', `/v1/returns?limit=500`, this.t.adminKey);
    // The case this request opened (or, for a resend, the one it found).
    return list.body.items.find((c: { history: Array<{ eventId: string }> }) => c.history[0]!.eventId === eventId) ?? list.body.items[0];
  }

  async caseOf(id: string): Promise<any> {
    const r = await this.t.api('GET', `/v1/returns/${id}`, this.t.adminKey);
    expect(r.status).toBe(200);
    return r.body;
  }

  /** A scheduled job's tick, as the scheduler submits it, at the world's time; waits until it and what it said are processed. */
  async tick(job: string, tag: string): Promise<void> {
    const r = await this.t.app.intake.submit(
      { source: 'scheduler', sourceEventId: `${job}@${tag}`, type: 'schedule.tick', occurredAt: new Date(this.now).toISOString(), payload: { job, slotMs: this.now } },
      { internal: true },
    );
    expect(r.ok, JSON.stringify(r)).toBe(true);
    this.t.app.dispatcher.wake();
    await this.drained();
  }

  /** A decision of the approval engine, appended as it would append it (the catalog entry is the engine's). */
  async decide(approvalId: string, subject: string, subjectRef: string, outcome: 'approved' | 'rejected' | 'expired', decidedBy = 'fin-1'): Promise<string> {
    const id = `appr-evt-${randomBytes(6).toString('hex')}`;
    const payload = { approvalId, subject, subjectRef, outcome, expiryOutcome: null, decidedBy: [decidedBy] };
    await this.t.app.store.transaction((tx) =>
      appendEvent(tx, {
        id, source: 'omniops', sourceEventId: id, type: 'approval.decided', schemaVersion: 1, occurredAt: new Date(this.now).toISOString(), receivedAt: new Date(this.now).toISOString(),
        receivedMs: this.now, subject: `approval:${approvalId}`, payloadJson: JSON.stringify(payload), payloadHash: id, causationId: null, correlationId: id, actor: decidedBy, actorRole: 'finance', status: 'pending',
      }),
    );
    this.t.app.dispatcher.wake();
    return id;
  }
}
