import { randomUUID } from 'node:crypto';
import type { App } from '../app.js';
import { signBody, SIGNATURE_HEADER } from '../domain/security/signature.js';
import { demoLocations, demoProducts } from './retailer.js';
import { intBetween, pick, seededRandom } from './random.js';
import { PeriodicDesk } from './desk.js';

export interface SimulatedEvent {
  source: string;
  type: string;
  payload: Record<string, unknown>;
}

/** A stream of business happenings; the simulator mixes scenarios by weight. */
export interface Scenario {
  name: string;
  weight: number;
  next(rand: () => number, now: number): SimulatedEvent | null;
}

export function stockScenarios(): Scenario[] {
  const locations = demoLocations();
  const skus = demoProducts().map((p) => p.sku);
  return [
    {
      name: 'receipt',
      weight: 3,
      next: (rand) => ({ source: 'wms', type: 'inventory.adjusted', payload: { locationId: pick(rand, locations).id, sku: pick(rand, skus), delta: intBetween(rand, 5, 60), reason: 'receipt' } }),
    },
    {
      name: 'shrink',
      weight: 2,
      next: (rand) => ({ source: 'pos', type: 'inventory.adjusted', payload: { locationId: pick(rand, locations.filter((l) => l.kind === 'store')).id, sku: pick(rand, skus), delta: -intBetween(rand, 1, 3), reason: pick(rand, ['shrink', 'damage'] as const) } }),
    },
    {
      name: 'cycle-count',
      weight: 1,
      next: (rand) => ({
        source: 'wms',
        type: 'inventory.snapshot',
        payload: { locationId: pick(rand, locations).id, counts: Array.from({ length: intBetween(rand, 3, 20) }, () => ({ sku: pick(rand, skus), onHand: intBetween(rand, 0, 40) })).filter((c, i, a) => a.findIndex((x) => x.sku === c.sku) === i) },
      }),
    },
  ];
}

const TICK_MS = 100;

export interface SimulatorStats {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: number;
}

/**
 * Posts signed events to a running omniops over real HTTP, like the channels would, including the
 * webhook retries they do (a share of events is sent twice, which intake must answer "duplicate").
 */
export class ChannelSimulator {
  readonly stats: SimulatorStats = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, errors: 0 };
  /** Ten ticks a second; each sends the events its share of the rate has come to (a fraction carries over). */
  private readonly ticks = new PeriodicDesk(() => this.tick());
  private carry = 0;
  private readonly rand = seededRandom(Date.now() & 0xffffffff);

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
    private readonly scenarios: Scenario[],
    private readonly eventsPerSecond = 20,
    private readonly resendShare = 0.05,
  ) {}

  start(): void {
    this.carry = 0;
    this.ticks.start(TICK_MS);
  }

  stop(): void {
    this.ticks.stop();
  }

  private tick(): void {
    this.carry += this.eventsPerSecond / (1000 / TICK_MS);
    while (this.carry >= 1) {
      this.carry -= 1;
      void this.sendOne();
    }
  }

  private chooseScenario(): Scenario {
    const total = this.scenarios.reduce((s, x) => s + x.weight, 0);
    let r = this.rand() * total;
    for (const s of this.scenarios) if ((r -= s.weight) < 0) return s;
    return this.scenarios[this.scenarios.length - 1]!;
  }

  private async sendOne(): Promise<void> {
    const e = this.chooseScenario().next(this.rand, this.app.clock());
    if (!e) return;
    const envelope = { source: e.source, sourceEventId: randomUUID(), type: e.type, occurredAt: new Date(this.app.clock()).toISOString(), payload: e.payload };
    await this.post(envelope);
    if (this.rand() < this.resendShare) await this.post(envelope);
  }

  private async post(envelope: { source: string }): Promise<void> {
    try {
      const [secret] = await this.app.sourceSecrets.secretsFor(envelope.source);
      if (!secret) throw new Error(`no secret for ${envelope.source}`);
      const body = JSON.stringify(envelope);
      this.stats.sent++;
      const res = await fetch(`${this.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body, Math.floor(Date.now() / 1000)) },
        body,
      });
      const answer = (await res.json()) as { status?: string };
      if (res.status === 202) this.stats.accepted++;
      else if (answer.status === 'duplicate') this.stats.duplicates++;
      else this.stats.rejected++;
    } catch {
      this.stats.errors++;
    }
  }
}
