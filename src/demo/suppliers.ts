import { randomUUID } from 'node:crypto';
import type { App } from '../app.js';
import { signBody, SIGNATURE_HEADER } from '../domain/security/signature.js';
import { queryOrders, type OrderRecord } from '../store/repos/orders.js';
import { querySupplierClaims } from '../store/repos/returns.js';
import type { OrderPlacedPayload } from '../domain/orders/index.js';
import { intBetween, pick, seededRandom } from './random.js';
import { PeriodicDesk } from './desk.js';

/** The suppliers' portal: the source their claim answers arrive from (seeded with the demo's sources). */
export const SUPPLIER_SOURCE = 'supplier-portal';

// Customers' own words: the builtin classifier reads the first ones as defective (a claim from the
// supplier when the item is worth more than the policy's low-value line), the others as fit or mind.
export const DEFECTIVE_REASONS = ['Stopped working after two weeks', 'It is broken, does not turn on', 'The zip broke on first use, defective', 'Stopped charging after a week of normal use'];
const OTHER = ['Too small, need a bigger size', 'Changed my mind, no longer needed'];
const REJECTIONS = ['damage by misuse, not covered', 'outside our warranty terms for this batch', 'no defect found on inspection'];

export interface SupplierDeskStats {
  returns: number;
  accepted: number;
  rejected: number;
  /** Refused (409: answered meanwhile) or failed: counted, never logged one by one. */
  failed: number;
}

/**
 * Customers returning delivered orders (about half of them "it broke", which the return rules send to
 * the supplier as a warranty claim), and suppliers answering the open claims after a while: most
 * accept with a credit up to the claim's amount, some reject with a reason. Returns come from the
 * order's channel and answers from the supplier portal, both as signed events like real ones.
 */
export class SupplierDesk {
  readonly stats: SupplierDeskStats = { returns: 0, accepted: 0, rejected: 0, failed: 0 };
  private readonly rounds = new PeriodicDesk(() => this.work(), () => void this.stats.failed++);
  private readonly rand = seededRandom(57);
  private readonly returned = new Set<string>();
  private readonly answered = new Set<string>();

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
    /** How long a supplier takes before it answers a claim (a demo compresses weeks into a minute). */
    private readonly answerAfterMs = 45_000,
  ) {}

  start(everyMs = 15_000): void {
    this.rounds.start(everyMs);
  }

  stop(): void {
    this.rounds.stop();
  }

  async work(now = this.app.clock()): Promise<void> {
    if (this.rand() < 0.6) await this.customerReturns();
    for (const c of await querySupplierClaims(this.app.store.read, { state: 'open', limit: 20 })) {
      if (this.answered.has(c.id) || c.createdMs + this.answerAfterMs > now) continue;
      this.answered.add(c.id);
      const answer = this.rand() < 0.75
        ? { outcome: 'accepted', creditAmount: Math.floor(c.amount * (0.6 + this.rand() * 0.4) * 100) / 100, creditNoteRef: `CN-${c.supplierId}-${intBetween(this.rand, 1000, 9999)}` }
        : { outcome: 'rejected', reason: pick(this.rand, REJECTIONS) };
      if (await this.send(SUPPLIER_SOURCE, 'supplier.claim_answered', { claimId: c.id, ...answer })) this.stats[answer.outcome === 'accepted' ? 'accepted' : 'rejected']++;
    }
  }

  /** One delivered order comes back (one unit of its first line), never the same order twice. */
  private async customerReturns(): Promise<void> {
    const delivered = (await queryOrders(this.app.store.read, { state: 'delivered', limit: 50 })).filter((o) => !this.returned.has(o.id) && o.source !== 'pos');
    if (delivered.length === 0) return;
    const order: OrderRecord = pick(this.rand, delivered);
    this.returned.add(order.id);
    const line = (order.doc.placed as unknown as OrderPlacedPayload).lines[0]!;
    const reason = this.rand() < 0.6 ? pick(this.rand, DEFECTIVE_REASONS) : pick(this.rand, OTHER);
    if (await this.send(order.source, 'return.requested', { externalOrderId: order.externalOrderId, lines: [{ lineId: line.lineId, qty: 1 }], reason })) this.stats.returns++;
  }

  private async send(source: string, type: string, payload: Record<string, unknown>): Promise<boolean> {
    const [secret] = await this.app.sourceSecrets.secretsFor(source);
    if (!secret) return false;
    const body = JSON.stringify({ source, sourceEventId: randomUUID(), type, occurredAt: new Date(this.app.clock()).toISOString(), payload });
    const res = await fetch(`${this.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body, Math.floor(this.app.clock() / 1000)) },
      body,
    });
    await res.arrayBuffer();
    if (res.status === 202) return true;
    this.stats.failed++;
    return false;
  }
}
