import { randomUUID } from 'node:crypto';
import type { App } from '../app.js';
import { signBody, SIGNATURE_HEADER } from '../domain/security/signature.js';
import { queryRecommendations, queryTransfers, type TransferRecord } from '../store/repos/replenishment.js';
import { queryExceptions } from '../store/repos/exceptions.js';
import { getStock } from '../store/repos/stock.js';
import { demoLocations } from './retailer.js';
import { intBetween, seededRandom } from './random.js';
import { PeriodicDesk } from './desk.js';

/** How often each turn of a transfer's life happens (the demo's defaults; a test may make one certain). */
export interface TransferShares {
  /** Of the transfers made: the source never reports the shipment; the destination receives them anyway. */
  unreported: number;
  /** Of the unreported: the receipt says when the goods left (from the delivery note). */
  withShippedAt: number;
  /** Of the unreported without that time: the source counts the sku while the goods are on the road. */
  countedOnTheWay: number;
  /** Of the reported shipments: fewer units left than were asked for. */
  short: number;
}

export const DEMO_TRANSFER_SHARES: TransferShares = { unreported: 0.35, withShippedAt: 0.6, countedOnTheWay: 0.8, short: 0.2 };

export interface TransferDeskOptions {
  /** Recommendations the buyer accepts per round (every 10 s by default). */
  acceptPerRound?: number;
  /** Recommendations the buyer accepts in all (default: no end); a test lets a few play out to the end. */
  acceptAtMost?: number;
  shares?: TransferShares;
}

export interface TransferDeskStats {
  accepted: number;
  /** Accepted, and the source still had the units to give: a transfer order. */
  made: number;
  shipped: number;
  short: number;
  /** Received after a reported shipment. */
  received: number;
  /** Received without a reported shipment, the delivery note saying when the goods left. */
  receivedWithShippedAt: number;
  /** Received without a reported shipment and without that time (a count meanwhile opens a recount). */
  receivedWithoutShippedAt: number;
  countedOnTheWay: number;
  recounted: number;
  /** Refused with 409 because someone else moved it first (a later check withdrew the recommendation, a person received it): expected. */
  raced: number;
  /** Anything else refused, or a failed request: logged. */
  failed: number;
}

/** What the demo has in store for one transfer, decided when it first sees it. */
type Plan =
  | { kind: 'reported'; shipMs: number; short: boolean; sent: boolean }
  | { kind: 'unreported'; leftMs: number; arriveMs: number; withShippedAt: boolean; countMs: number | null; countedMs: number | null }
  | { kind: 'arriving'; receiveMs: number };

const iso = (ms: number) => new Date(ms).toISOString();
const SECOND = 1000;

/**
 * Stock moving between locations: the demo's buyer (user `buyer`) accepts open recommendations that
 * move stock from a location with plenty to one at risk, through the API; the source ships most after
 * a while (its own warehouse system or till reports it, sometimes short), and the destination's store
 * manager (user `receiving`) receives them. Some shipments are never reported: the receiving store
 * books them anyway, mostly saying when the goods left (the delivery note), sometimes not — and when
 * the source counted the sku meanwhile, a transfer_recount item opens, which the source's floor
 * closes by counting that sku again. A demo compresses days into a minute or two.
 */
export class TransferDesk {
  readonly stats: TransferDeskStats = { accepted: 0, made: 0, shipped: 0, short: 0, received: 0, receivedWithShippedAt: 0, receivedWithoutShippedAt: 0, countedOnTheWay: 0, recounted: 0, raced: 0, failed: 0 };
  private readonly rounds = new PeriodicDesk(() => this.work(), (e: unknown) => this.failed('round', e));
  private readonly rand = seededRandom(73);
  /**
   * Each transfer's turn, drawn in the order they are seen from a generator of its own, so the story
   * does not hang on how rounds and timings interleave: with this seed the first transfers ship (some
   * short), the third is counted on the way and received without a time, the sixth with one.
   */
  private readonly fates = seededRandom(17);
  private readonly plans = new Map<string, Plan>();
  /** Recommendations the buyer tried: one refused is not tried again every round. */
  private readonly tried = new Set<string>();
  /** Open recount items by when the floor first saw them: they count a round or two later. */
  private readonly recounts = new Map<string, number>();
  /** Units a count on the way saw gone that the receipt then took off again, per `sku@location`: the recount finds them. */
  private readonly missing = new Map<string, number>();
  private readonly kindOf = new Map(demoLocations().map((l) => [l.id, l.kind]));
  private readonly acceptPerRound: number;
  private readonly acceptAtMost: number;
  private readonly shares: TransferShares;

  constructor(
    private readonly app: App,
    private readonly baseUrl: string,
    private readonly people: { buyerKey: string; receiverKey: string },
    options: TransferDeskOptions = {},
  ) {
    this.acceptPerRound = options.acceptPerRound ?? 1;
    this.acceptAtMost = options.acceptAtMost ?? Infinity;
    this.shares = options.shares ?? DEMO_TRANSFER_SHARES;
  }

  start(everyMs = 10_000): void {
    this.rounds.start(everyMs);
  }

  stop(): void {
    this.rounds.stop();
  }

  /** One round: the buyer accepts, sources ship, destinations receive, the floor counts. */
  async work(now = this.app.clock()): Promise<void> {
    await this.buyerAccepts();
    const limit = 200;
    const waiting = await queryTransfers(this.app.store.read, { state: 'in_transit', limit });
    const onTheRoad = await queryTransfers(this.app.store.read, { state: 'shipped', limit });
    for (const t of waiting) await this.atTheSource(t, now);
    for (const t of onTheRoad) await this.atTheDestination(t, now);
    if (waiting.length < limit && onTheRoad.length < limit) {
      // Both lists were read whole: a plan for neither is done (received or cancelled).
      const live = new Set([...waiting, ...onTheRoad].map((t) => t.id));
      for (const id of this.plans.keys()) if (!live.has(id)) this.plans.delete(id);
    }
    await this.floorRecounts(now);
  }

  private async buyerAccepts(): Promise<void> {
    // Transfers alone: a purchase beside one would go to approvals, a story the demo tells elsewhere.
    const open = (await queryRecommendations(this.app.store.read, { state: 'open', limit: 100 })).filter((r) => r.doc.transfer && !r.doc.purchase && !this.tried.has(r.id));
    for (let i = 0; i < this.acceptPerRound && open.length > 0 && this.tried.size < this.acceptAtMost; i++) {
      const rec = open.splice(Math.floor(this.rand() * open.length), 1)[0]!;
      this.tried.add(rec.id);
      const r = await this.api(`/v1/replenishment/recommendations/${rec.id}/accept`, this.people.buyerKey, { note: 'demo buyer: moving stock from where there is plenty' });
      if (!r) continue;
      this.stats.accepted++;
      if (typeof r.transferId === 'string') this.stats.made++;
    }
  }

  private planFor(t: TransferRecord, now: number): Plan {
    const known = this.plans.get(t.id);
    if (known) return known;
    const seen = Math.max(now, t.createdMs);
    let plan: Plan;
    if (this.fates() >= this.shares.unreported) plan = { kind: 'reported', shipMs: seen + intBetween(this.rand, 15, 60) * SECOND, short: this.fates() < this.shares.short, sent: false };
    else {
      const leftMs = seen + intBetween(this.rand, 15, 45) * SECOND;
      const withShippedAt = this.fates() < this.shares.withShippedAt;
      const counted = !withShippedAt && this.fates() < this.shares.countedOnTheWay;
      const countMs = counted ? leftMs + intBetween(this.rand, 5, 15) * SECOND : null;
      plan = { kind: 'unreported', leftMs, arriveMs: (countMs ?? leftMs) + intBetween(this.rand, 20, 60) * SECOND, withShippedAt, countMs, countedMs: null };
    }
    this.plans.set(t.id, plan);
    return plan;
  }

  /** A transfer its source holds: shipped and reported, or gone without a word (and perhaps counted meanwhile). */
  private async atTheSource(t: TransferRecord, now: number): Promise<void> {
    const plan = this.planFor(t, now);
    if (plan.kind === 'reported') {
      if (plan.sent || now < plan.shipMs) return;
      plan.sent = true;
      const qty = plan.short ? Math.max(1, Math.floor(t.qty * 0.7)) : t.qty;
      const carrier = { carrier: 'postnl', tracking: `3S${intBetween(this.rand, 100_000_000, 999_999_999)}` };
      if (await this.send(this.systemOf(t.fromLocationId), 'transfer.shipped', { transferId: t.id, locationId: t.fromLocationId, ...(qty < t.qty ? { qty } : {}), ...carrier }, plan.shipMs)) {
        this.stats.shipped++;
        if (qty < t.qty) this.stats.short++;
      }
      return;
    }
    if (plan.kind !== 'unreported') return;
    if (plan.countMs !== null && plan.countedMs === null) {
      if (now >= plan.countMs) await this.countOnTheWay(t, plan, now);
      return;
    }
    // After a count, a later round: the count is in before the receipt that may double it.
    if (now < plan.arriveMs || (plan.countedMs !== null && now <= plan.countedMs)) return;
    this.plans.delete(t.id);
    const r = await this.api(`/v1/transfers/${t.id}/receive`, this.people.receiverKey, plan.withShippedAt ? { shippedAt: iso(plan.leftMs) } : {});
    if (r) this.stats[plan.withShippedAt ? 'receivedWithShippedAt' : 'receivedWithoutShippedAt']++;
  }

  /**
   * The source's floor counts the sku while the goods are on the road: the shelf no longer has them
   * (unless that would leave less than is reserved there — then they were still on it). Without a
   * departure time the receipt takes them off again, and the recount puts the book right.
   */
  private async countOnTheWay(t: TransferRecord, plan: Extract<Plan, { kind: 'unreported' }>, now: number): Promise<void> {
    const level = await getStock(this.app.store.read, t.sku, t.fromLocationId);
    const onHand = level?.onHand ?? 0;
    const gone = onHand - t.qty >= (level?.reserved ?? 0);
    plan.countedMs = now;
    if (!(await this.send(this.systemOf(t.fromLocationId), 'inventory.snapshot', { locationId: t.fromLocationId, counts: [{ sku: t.sku, onHand: gone ? onHand - t.qty : onHand }] }, now))) return;
    this.stats.countedOnTheWay++;
    if (gone) this.missing.set(`${t.sku}@${t.fromLocationId}`, (this.missing.get(`${t.sku}@${t.fromLocationId}`) ?? 0) + t.qty);
  }

  /** A transfer on the road arrives after a while; its shipment was reported, so the receipt needs no time. */
  private async atTheDestination(t: TransferRecord, now: number): Promise<void> {
    let plan = this.plans.get(t.id);
    if (plan?.kind !== 'arriving') {
      // Its shipment is booked (by the demo or by someone else): from here on it only has to arrive.
      plan = { kind: 'arriving', receiveMs: Math.max(now, t.createdMs) + intBetween(this.rand, 20, 60) * SECOND };
      this.plans.set(t.id, plan);
    }
    if (now < plan.receiveMs) return;
    this.plans.delete(t.id);
    if (await this.api(`/v1/transfers/${t.id}/receive`, this.people.receiverKey, {})) this.stats.received++;
  }

  /** The open recounts (the demo's and any other): the source's floor counts the sku again, which closes them. */
  private async floorRecounts(now: number): Promise<void> {
    const open = await queryExceptions(this.app.store.read, { queues: ['transfer_recount'], state: 'open', limit: 50 });
    const listed = new Set(open.map((x) => x.id));
    for (const id of this.recounts.keys()) if (!listed.has(id)) this.recounts.delete(id);
    for (const item of open) {
      const d = item.detail as { sku?: unknown; locationId?: unknown };
      if (typeof d.sku !== 'string' || typeof d.locationId !== 'string') continue;
      const seen = this.recounts.get(item.id);
      if (seen === undefined) {
        this.recounts.set(item.id, now);
        continue;
      }
      if (now - seen < 20 * SECOND) continue;
      // Seen again later if this count does not close it (a receipt booked after it, say).
      this.recounts.set(item.id, now);
      const key = `${d.sku}@${d.locationId}`;
      const onHand = ((await getStock(this.app.store.read, d.sku, d.locationId))?.onHand ?? 0) + (this.missing.get(key) ?? 0);
      if (await this.send(this.systemOf(d.locationId), 'inventory.snapshot', { locationId: d.locationId, counts: [{ sku: d.sku, onHand }] }, now)) {
        this.missing.delete(key);
        this.stats.recounted++;
      }
    }
  }

  /** Stores report through their tills, the DC and dark stores through the warehouse system. */
  private systemOf(locationId: string): string {
    return this.kindOf.get(locationId) === 'store' ? 'pos' : 'wms';
  }

  /** A person's command; the answer's body when done, undefined when refused (a 409 counted as a race, the rest logged). */
  private async api(path: string, key: string, body: unknown): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
      const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.ok) return answer;
      if (res.status === 409) this.stats.raced++;
      else this.failed(path, new Error(`${res.status} ${String(answer.code ?? '')} ${String(answer.detail ?? answer.title ?? '')}`));
    } catch (e) {
      this.failed(path, e);
    }
    return undefined;
  }

  /** A location system's signed event, as the channels send theirs. */
  private async send(source: string, type: string, payload: Record<string, unknown>, occurredMs: number): Promise<boolean> {
    try {
      const [secret] = await this.app.sourceSecrets.secretsFor(source);
      if (!secret) throw new Error(`no secret for ${source}`);
      const body = JSON.stringify({ source, sourceEventId: randomUUID(), type, occurredAt: iso(occurredMs), payload });
      const res = await fetch(`${this.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body, Math.floor(this.app.clock() / 1000)) },
        body,
      });
      const answer = await res.text();
      if (res.status === 202) return true;
      this.failed(type, new Error(`${res.status} ${answer.slice(0, 200)}`));
    } catch (e) {
      this.failed(type, e);
    }
    return false;
  }

  private failed(what: string, e: unknown): void {
    this.stats.failed++;
    this.app.logger.warn({ demo: 'transfers', what, err: e instanceof Error ? e.message : String(e) }, 'demo transfers: a step failed');
  }
}
