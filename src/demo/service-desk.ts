import type { App } from '../app.js';
import { queryOrders } from '../store/repos/orders.js';
import { manualHoldOf } from '../engine/orders/hold.js';
import { intBetween, pick, seededRandom } from './random.js';
import { PeriodicDesk } from './desk.js';

const HOLD_REASONS = ['customer called to change the address', 'possible fraud: checking with the customer', 'customer asked to add an item before it ships', 'store reports a pricing problem on a line'];
const RELEASE_NOTES = ['address updated', 'customer confirmed the order', 'nothing to add after all', 'price checked: fine'];

export interface ServiceDeskStats {
  held: number;
  released: number;
  cancelled: number;
  /** Refused with 409 because the order moved first (it shipped, or a payment hold came): expected. */
  raced: number;
  /** Anything else the API refused or a failed request: the demo logs the count, not each one. */
  failed: number;
}

/**
 * A service agent at work: now and then a customer calls (or an order looks odd), the agent holds an
 * order that is allocated or in fulfilment, and a little later releases it — a few are cancelled
 * instead. Through the HTTP API with the demo's service agent key, as a person in the console would.
 */
export class ServiceDesk {
  readonly stats: ServiceDeskStats = { held: 0, released: 0, cancelled: 0, raced: 0, failed: 0 };
  private readonly rounds = new PeriodicDesk(() => this.work(), () => void this.stats.failed++);
  private readonly rand = seededRandom(31);
  private readonly held: Array<{ orderId: string; dueAt: number }> = [];
  private adopted = false;

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
    private readonly apiKey: string,
    /** The agent's user name: its holds left by an earlier run (stopped before releasing them) are taken up again. */
    private readonly agent: string,
    /** Chance per round that a hold is placed: ~2 a minute at the default 15 s round. */
    private readonly holdChance = 0.5,
  ) {}

  start(everyMs = 15_000): void {
    this.rounds.start(everyMs);
  }

  stop(): void {
    this.rounds.stop();
  }

  /** One round: the holds whose time has come are released (or cancelled), then perhaps a new one. */
  async work(now = this.app.clock()): Promise<void> {
    if (!this.adopted) {
      this.adopted = true;
      for (const o of await queryOrders(this.app.store.read, { state: 'on_hold', limit: 200 })) {
        if (manualHoldOf(o)?.by === this.agent) this.held.push({ orderId: o.id, dueAt: now + intBetween(this.rand, 20, 90) * 1000 });
      }
    }
    for (let i = this.held.length - 1; i >= 0; i--) {
      const h = this.held[i]!;
      if (h.dueAt > now) continue;
      this.held.splice(i, 1);
      if (this.rand() < 0.15) {
        if (await this.post(`/v1/orders/${h.orderId}/cancel`, { reason: 'customer cancelled while the order was held' })) this.stats.cancelled++;
      } else if (await this.post(`/v1/orders/${h.orderId}/release`, { note: pick(this.rand, RELEASE_NOTES) })) this.stats.released++;
    }
    if (this.rand() >= this.holdChance) return;
    const candidates = [
      ...(await queryOrders(this.app.store.read, { state: 'allocated', limit: 20 })),
      ...(await queryOrders(this.app.store.read, { state: 'in_fulfilment', limit: 20 })),
    ].filter((o) => !this.held.some((h) => h.orderId === o.id));
    if (candidates.length === 0) return;
    const order = pick(this.rand, candidates);
    if (await this.post(`/v1/orders/${order.id}/hold`, { reason: pick(this.rand, HOLD_REASONS) })) {
      this.stats.held++;
      this.held.push({ orderId: order.id, dueAt: now + intBetween(this.rand, 20, 90) * 1000 });
    }
  }

  /** True when the API did it; a 409 (the order moved first) is counted as a race, anything else as failed. */
  private async post(path: string, body: unknown): Promise<boolean> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.ok) return true;
    if (res.status === 409) this.stats.raced++;
    else this.stats.failed++;
    return false;
  }
}
