import { randomUUID } from 'node:crypto';
import type { App } from '../app.js';
import { signBody, SIGNATURE_HEADER } from '../domain/security/signature.js';
import { orderById, queryFulfilments } from '../store/repos/orders.js';
import { isCollection, type OrderPlacedPayload } from '../domain/orders/index.js';
import { seededRandom } from './random.js';
import { PeriodicDesk } from './desk.js';

/**
 * The shop floor: stores and the DC work their fulfilment lists — most accept, pick and ship (or,
 * click and collect, hand over at the desk); a few reject; a few let the accept deadline pass (the
 * SLA watch then reroutes). Reports arrive as signed
 * events from the warehouse system and the carrier, like real ones would.
 */
/** Fulfilments each location list works per round (every 2 s by default). */
const PER_ROUND = 40;

export class FloorSimulator {
  private readonly rounds = new PeriodicDesk(() => this.work(), () => undefined);
  private readonly rand = seededRandom(99);
  private readonly ignored = new Set<string>();

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
  ) {}

  start(everyMs = 2000): void {
    this.rounds.start(everyMs);
  }

  stop(): void {
    this.rounds.stop();
  }

  private async work(): Promise<void> {
    const read = this.app.store.read;
    // Ignored fulfilments stay assigned until the SLA watch expires them: read past them, or after a
    // while the oldest 40 are all ignored ones and the floor stops working (assigned work piles up,
    // locations fill their day's capacity, and the demo shows backorders the stock does not explain).
    const assigned = await queryFulfilments(read, { state: 'assigned', limit: PER_ROUND + this.ignored.size });
    if (assigned.length < PER_ROUND + this.ignored.size) {
      // The whole list was read: an ignored one not in it has expired (or was cancelled).
      const listed = new Set(assigned.map((f) => f.id));
      for (const id of this.ignored) if (!listed.has(id)) this.ignored.delete(id);
    }
    let worked = 0;
    for (const f of assigned) {
      if (this.ignored.has(f.id)) continue;
      if (worked++ >= PER_ROUND) break;
      const r = this.rand();
      if (r < 0.05) this.ignored.add(f.id);
      else if (r < 0.09) await this.send('wms', 'fulfilment.rejected', { fulfilmentId: f.id, reason: 'item not found on shelf' });
      else await this.send('wms', 'fulfilment.accepted', { fulfilmentId: f.id });
    }
    for (const f of await queryFulfilments(read, { state: 'accepted', limit: PER_ROUND })) await this.send('wms', 'fulfilment.picked', { fulfilmentId: f.id });
    for (const f of await queryFulfilments(read, { state: 'picked', limit: PER_ROUND })) {
      const order = await orderById(read, f.orderId);
      if (order && isCollection(order.doc.placed as unknown as OrderPlacedPayload)) {
        // Click and collect: the customer turns up at the desk, now or in a later round.
        if (this.rand() < 0.5) await this.send('pos', 'fulfilment.collected', { fulfilmentId: f.id });
        continue;
      }
      await this.send('wms', 'fulfilment.shipped', { fulfilmentId: f.id, carrier: 'postnl', trackingNumber: `3S${Math.floor(this.rand() * 1e9)}` });
    }
    for (const f of await queryFulfilments(read, { state: 'shipped', limit: 20 })) {
      if (this.rand() < 0.5) await this.send('carrier-postnl', 'shipment.delivered', { fulfilmentId: f.id });
    }
  }

  private async send(source: string, type: string, payload: Record<string, unknown>): Promise<void> {
    const [secret] = await this.app.sourceSecrets.secretsFor(source);
    if (!secret) return;
    const body = JSON.stringify({ source, sourceEventId: randomUUID(), type, occurredAt: new Date().toISOString(), payload });
    await fetch(`${this.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body, Math.floor(Date.now() / 1000)) },
      body,
    });
  }
}
