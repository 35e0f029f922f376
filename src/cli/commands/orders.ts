import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { App } from '../../app.js';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { settle } from '../settle.js';
import { DomainError } from '../../domain/errors.js';
import type { Actor } from '../../engine/audit/audited.js';
import { decideHold, decideRelease } from '../../domain/orders/index.js';
import { manualHoldOf } from '../../engine/orders/hold.js';
import { fulfilmentsOfOrder, orderById, type OrderRecord } from '../../store/repos/orders.js';

type Processed = (ids: string[]) => Promise<unknown>;

/** What an operator reads of an order at the terminal: its state, the hand hold if any, and its fulfilments. */
async function orderSummary(app: App, o: OrderRecord) {
  const hold = manualHoldOf(o);
  const fulfilments = (await fulfilmentsOfOrder(app.store.read, o.id)).map((f) => ({ id: f.id, locationId: f.locationId, state: f.state }));
  return {
    id: o.id, source: o.source, externalOrderId: o.externalOrderId, state: o.state, holdReason: o.holdReason,
    hold: hold ? { reason: hold.reason, note: hold.note, by: hold.by, at: new Date(hold.at).toISOString() } : null,
    total: o.total, currency: o.currency, placedAt: new Date(o.placedMs).toISOString(), fulfilments,
  };
}

async function mustOrder(app: App, orderId: string): Promise<OrderRecord> {
  const o = await orderById(app.store.read, orderId);
  if (!o) throw new DomainError('E_NOT_FOUND', `no order ${orderId}`);
  return o;
}

/**
 * Sends an order command the way the API's route does (`order.hold_requested` / `order.release_requested`
 * through the intake, as the CLI operator) and waits for this process's dispatcher to carry it out.
 * Judged first as the route judges it, so a refusal is E_INVALID_STATE (exit 2) instead of a note on
 * the order; checked after, because the order may have moved in between (a shipment, another operator).
 */
async function runOrderCommand(app: App, actor: Actor, o: OrderRecord, type: string, payload: Record<string, unknown>, processed: Processed) {
  const r = await app.intake.submit(
    { source: 'cli', sourceEventId: `${type}:${o.id}:${randomUUID()}`, type, occurredAt: new Date(app.clock()).toISOString(), payload: { externalOrderId: o.externalOrderId, channel: o.source, ...payload } },
    { actor: actor.id, actorRole: actor.role },
  );
  if (!r.ok) throw r.error;
  await processed([r.eventId]);
  return r.eventId;
}

/** `omniops orders hold`: what the API's hold route does, from the terminal (docs/orders.md, "Holding an order"). */
export async function holdFromCli(app: App, actor: Actor, orderId: string, reason: string, processed: Processed = (ids) => settle(app, ids)) {
  const o = await mustOrder(app, orderId);
  const d = decideHold(o, { note: reason, by: actor.id }, { now: app.clock() });
  if (d.outcome === 'refused') throw new DomainError('E_INVALID_STATE', `order ${o.id} cannot be held: ${d.why}`);
  const eventId = await runOrderCommand(app, actor, o, 'order.hold_requested', { reason }, processed);
  const after = await mustOrder(app, orderId);
  if (!manualHoldOf(after)) throw new DomainError('E_INVALID_STATE', `order ${o.id} was not held (it is ${after.state}; see the audit trail of the order)`, { detail: { eventId } });
  return { eventId, ...(await orderSummary(app, after)) };
}

/** `omniops orders release`: lets a hand hold go; the order is routed again (or waits for its payment). */
export async function releaseFromCli(app: App, actor: Actor, orderId: string, note: string | undefined, processed: Processed = (ids) => settle(app, ids)) {
  const o = await mustOrder(app, orderId);
  const d = decideRelease({ state: o.state, holdReason: o.holdReason, paymentStatus: o.doc.paymentStatus }, (await app.policies.get('orders')).payment.acceptedStatuses);
  if (d.outcome === 'refused') throw new DomainError('E_INVALID_STATE', `order ${o.id} cannot be released: ${d.why}`);
  const eventId = await runOrderCommand(app, actor, o, 'order.release_requested', note ? { note } : {}, processed);
  const after = await mustOrder(app, orderId);
  if (manualHoldOf(after)) throw new DomainError('E_INVALID_STATE', `order ${o.id} is still held (see the audit trail of the order)`, { detail: { eventId } });
  return { eventId, ...(await orderSummary(app, after)) };
}

const holdLine = (o: Awaited<ReturnType<typeof orderSummary>>) => `order ${o.id}: ${o.state}${o.holdReason ? ` (${o.holdReason})` : ''}${o.hold ? ` — held by ${o.hold.by}: ${o.hold.reason}` : ''}`;

/** `omniops orders …`: holding an order by hand and letting it go, and reading one. */
export function registerOrders(program: Command): void {
  const cmd = program.command('orders').description('orders: read one, hold it by hand and release it');

  addStoreOptions(cmd.command('show <orderId>').description('an order: state, hand hold, fulfilments')).action(async (orderId: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const o = await orderSummary(app, await mustOrder(app, orderId));
      print(Boolean(flags.json), o, () => `${holdLine(o)}\n${o.source} ${o.externalOrderId}, ${o.total} ${o.currency}, placed ${o.placedAt}\n${table(o.fulfilments, ['id', 'locationId', 'state'])}`);
    });
  });

  addStoreOptions(
    cmd.command('hold <orderId>')
      .description('hold an order by hand, as the CLI operator (role admin): what has not shipped stops until it is released')
      .requiredOption('--reason <text>', 'why (the customer called, a fraud check, …); shown on the order'),
  ).action(async (orderId: string, flags: StoreFlags & { reason: string }) => {
    await withApp(flags, async (app) => {
      const out = await holdFromCli(app, cliActor(), orderId, flags.reason);
      print(Boolean(flags.json), out, () => holdLine(out));
    });
  });

  addStoreOptions(
    cmd.command('release <orderId>')
      .description('release an order held by hand: its payment is checked again and it is routed again')
      .option('--note <text>', 'a note for the order\'s history'),
  ).action(async (orderId: string, flags: StoreFlags & { note?: string }) => {
    await withApp(flags, async (app) => {
      const out = await releaseFromCli(app, cliActor(), orderId, flags.note);
      print(Boolean(flags.json), out, () => holdLine(out));
    });
  });
}
