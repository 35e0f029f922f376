import type { Command } from 'commander';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { settle } from '../settle.js';
import { DomainError } from '../../domain/errors.js';
import { queryPurchaseOrders, queryRecommendations, queryRisks, recommendationById, type RecommendationState, type RiskRecord } from '../../store/repos/replenishment.js';
import { PURCHASE_ORDER_STATES } from '../../domain/procurement/purchase-order.js';
import { oneOf, wholeNumber } from '../options.js';
import { replenishmentKpis } from '../../engine/replenishment/kpi.js';

type ListFlags = StoreFlags & { state?: string; limit: string };

/** The states each list can be asked for: a misspelt one is refused, not answered with "(none)". */
const RISK_STATES: ReadonlyArray<RiskRecord['state']> = ['open', 'resolved'];
const RECOMMENDATION_STATES: readonly RecommendationState[] = ['open', 'accepted', 'dismissed', 'converted'];
const limitOf = (flags: ListFlags) => wholeNumber(flags.limit, '--limit', { min: 1, max: 1000 });
const stateOf = (flags: ListFlags, allowed: readonly string[]) => (flags.state === undefined ? undefined : oneOf(flags.state, '--state', allowed));

/** `omniops replenishment …`: run the check now, read risks / recommendations / POs, accept or dismiss. */
export function registerReplenishment(program: Command): void {
  const cmd = program.command('replenishment').description('stockout risks, recommendations and purchase orders (issue 6)');

  addStoreOptions(cmd.command('check').description('run the replenishment check now (as the scheduler would) and show what it found')).action(async (flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const at = new Date(app.clock()).toISOString();
      const r = await app.intake.submit(
        { source: 'scheduler', sourceEventId: `replenishment-check@cli-${at}`, type: 'schedule.tick', occurredAt: at, payload: { job: 'replenishment-check', slotMs: app.clock() } },
        { internal: true, actor: cliActor().id, actorRole: 'system' },
      );
      if (!r.ok) throw r.error;
      const settled = await settle(app, [r.eventId]);
      if (settled.processed !== 1) throw new DomainError('E_INTERNAL', `the check did not complete (${JSON.stringify(settled)}); see \`omniops events dead\``);
      const kpis = await replenishmentKpis(app.store.read, app.clock());
      print(Boolean(flags.json), { eventId: r.eventId, ...kpis }, () => `check ${r.eventId}: ${kpis.openRisks} open risks, ${kpis.openRecommendations} open recommendations; stockout prevention ${kpis.stockoutPrevention.rate ?? 'n/a'} (${kpis.stockoutPrevention.prevented}/${kpis.stockoutPrevention.detected})`);
    });
  });

  addStoreOptions(cmd.command('risks').description('stockout risks, nearest breach first').option('--state <state>', 'open | resolved', 'open').option('--limit <n>', 'how many', '50')).action(async (flags: ListFlags) => {
    await withApp(flags, async (app) => {
      const items = await queryRisks(app.store.read, { state: stateOf(flags, RISK_STATES), limit: limitOf(flags) });
      print(Boolean(flags.json), items, () => table(items.map((r) => ({ ...r, nextReceipt: r.doc.nextPossibleReceiptDate })), ['id', 'sku', 'locationId', 'breachDate', 'daysOfCover', 'nextReceipt', 'state']));
    });
  });

  addStoreOptions(cmd.command('recommendations').description('recommendations, newest first').option('--state <state>', 'open | accepted | dismissed | converted', 'open').option('--limit <n>', 'how many', '50')).action(async (flags: ListFlags) => {
    await withApp(flags, async (app) => {
      const items = await queryRecommendations(app.store.read, { state: stateOf(flags, RECOMMENDATION_STATES), limit: limitOf(flags) });
      print(Boolean(flags.json), items, () => table(items.map((r) => {
        const p = r.doc.purchase as { supplierId: string; quantity: number } | null;
        const t = r.doc.transfer as { fromLocationId: string; quantity: number } | null;
        return { ...r, buy: p ? `${p.quantity} from ${p.supplierId}` : '', transfer: t ? `${t.quantity} from ${t.fromLocationId}` : '' };
      }), ['id', 'sku', 'locationId', 'buy', 'transfer', 'expedite', 'state']));
    });
  });

  addStoreOptions(cmd.command('purchase-orders').description('purchase orders, newest first').option('--state <state>', 'a PO state').option('--limit <n>', 'how many', '50')).action(async (flags: ListFlags) => {
    await withApp(flags, async (app) => {
      const items = await queryPurchaseOrders(app.store.read, { state: stateOf(flags, PURCHASE_ORDER_STATES), limit: limitOf(flags) });
      print(Boolean(flags.json), items, () => table(items.map((p) => ({ ...p, lines: p.lines.map((l) => `${l.qty} ${l.sku}`).join(', ') })), ['id', 'supplierId', 'locationId', 'state', 'expectedDate', 'lines']));
    });
  });

  for (const action of ['accept', 'dismiss'] as const) {
    addStoreOptions(cmd.command(`${action} <id>`).description(`${action} a recommendation (as the CLI operator, role admin)`).option('--note <text>', 'why')).action(async (id: string, flags: StoreFlags & { note?: string }) => {
      await withApp(flags, async (app) => {
        const rec = await recommendationById(app.store.read, id);
        if (!rec) throw new DomainError('E_NOT_FOUND', `no recommendation ${id}`);
        if (rec.state !== 'open') throw new DomainError('E_INVALID_STATE', `recommendation ${id} is already ${rec.state}`);
        const actor = cliActor();
        const payload = action === 'accept' ? { recommendationId: id, ...(flags.note ? { note: flags.note } : {}) } : { recommendationId: id, ...(flags.note ? { reason: flags.note } : {}) };
        const r = await app.intake.submit(
          { source: 'cli', sourceEventId: `${action}:${id}`, type: `replenishment.${action}_requested`, occurredAt: new Date(app.clock()).toISOString(), payload },
          { actor: actor.id, actorRole: actor.role },
        );
        if (!r.ok) throw r.error;
        await settle(app, [r.eventId]);
        const after = (await recommendationById(app.store.read, id))!;
        print(Boolean(flags.json), after, () => `recommendation ${id}: ${after.state}${after.poId ? `, purchase order ${after.poId}` : ''}${after.transferId ? `, transfer ${after.transferId}` : ''}`);
      });
    });
  }
}
