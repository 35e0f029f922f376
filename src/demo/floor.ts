import { randomUUID } from 'node:crypto';
import type { App } from '../app.js';
import { signBody, SIGNATURE_HEADER } from '../domain/security/signature.js';
import { queryFulfilments } from '../store/repos/orders.js';
import { seededRandom } from './random.js';

/**
 * The shop floor: stores and the DC work their fulfilment lists — most accept, pick and ship; a few
 * reject; a few let the accept deadline pass (the SLA watch then reroutes). Reports arrive as signed
 * events from the warehouse system and the carrier, like real ones would.
 */
export class FloorSimulator {
  private timer: NodeJS.Timeout | null = null;
  private readonly rand = seededRandom(99);
  private readonly ignored = new Set<string>();

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
  ) {}

  start(everyMs = 2000): void {
    this.timer = setInterval(() => void this.work().catch(() => undefined), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async work(): Promise<void> {
    const read = this.app.store.read;
    for (const f of await queryFulfilments(read, { state: 'assigned', limit: 40 })) {
      if (this.ignored.has(f.id)) continue;
      const r = this.rand();
      if (r < 0.05) this.ignored.add(f.id);
      else if (r < 0.09) await this.send('wms', 'fulfilment.rejected', { fulfilmentId: f.id, reason: 'item not found on shelf' });
      else await this.send('wms', 'fulfilment.accepted', { fulfilmentId: f.id });
    }
    for (const f of await queryFulfilments(read, { state: 'accepted', limit: 40 })) await this.send('wms', 'fulfilment.picked', { fulfilmentId: f.id });
    for (const f of await queryFulfilments(read, { state: 'picked', limit: 40 })) {
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
