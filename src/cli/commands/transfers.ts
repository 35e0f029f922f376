import type { Command } from 'commander';
import { z } from 'zod';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print } from '../output.js';
import { settle } from '../settle.js';
import { DomainError } from '../../domain/errors.js';
import { checkShippedAt } from '../../domain/replenishment/transfer-shipment.js';
import { transferById, transferQtyOnItsWay } from '../../store/repos/replenishment.js';
import { wholeNumber } from '../options.js';

type ReceiveFlags = StoreFlags & { qty?: string; shippedAt?: string };

const instant = z.iso.datetime({ offset: true });

/**
 * `omniops transfers receive <id> [--qty] [--shipped-at]`: the destination's receipt of a transfer,
 * judged as `POST /v1/transfers/{id}/receive` judges it (docs/replenishment.md, "Transfers").
 */
export function registerTransfers(program: Command): void {
  const cmd = program.command('transfers').description('transfer orders between locations');
  addStoreOptions(cmd.command('receive <id>').description('the destination received a transfer (as the CLI operator, role admin)')
    .option('--qty <n>', 'units that arrived (default: all that left)')
    .option('--shipped-at <time>', 'when the goods left the source, from the delivery note (ISO time with offset); used when no shipment was reported'))
    .action(async (id: string, flags: ReceiveFlags) => {
      const qty = flags.qty === undefined ? undefined : wholeNumber(flags.qty, '--qty', { min: 1, max: 10_000_000 });
      if (flags.shippedAt !== undefined && !instant.safeParse(flags.shippedAt).success) {
        throw new DomainError('E_SCHEMA', `--shipped-at: an ISO time with offset, e.g. 2026-11-30T08:30:00Z (got '${flags.shippedAt}')`, { issues: [{ path: '--shipped-at', message: 'an ISO time with offset' }] });
      }
      await withApp(flags, async (app) => {
        const t = await transferById(app.store.read, id);
        if (!t) throw new DomainError('E_NOT_FOUND', `no transfer ${id}`);
        if (t.state !== 'in_transit' && t.state !== 'shipped') throw new DomainError('E_INVALID_STATE', `transfer ${id} is already ${t.state}`);
        const sent = transferQtyOnItsWay(t);
        if (qty !== undefined && qty > sent) throw new DomainError('E_SCHEMA', `transfer ${id} shipped ${sent}`, { issues: [{ path: '--qty', message: `at most the ${sent} shipped` }] });
        if (flags.shippedAt !== undefined) {
          const check = checkShippedAt(flags.shippedAt, app.clock(), t.createdMs);
          if (!check.ok) {
            const bound = new Date(check.boundMs).toISOString();
            const message = check.reason === 'after_receipt' ? `not after the receipt (${bound})` : `not before the transfer was made (${bound})`;
            throw new DomainError('E_SCHEMA', `--shipped-at: ${message}`, { issues: [{ path: '--shipped-at', message }] });
          }
        }
        const actor = cliActor();
        const payload = { transferId: id, locationId: t.toLocationId, ...(qty !== undefined ? { qty } : {}), ...(flags.shippedAt !== undefined ? { shippedAt: flags.shippedAt } : {}) };
        const r = await app.intake.submit(
          { source: 'cli', sourceEventId: `receive:${id}`, type: 'transfer.received', occurredAt: new Date(app.clock()).toISOString(), payload },
          { actor: actor.id, actorRole: actor.role },
        );
        if (!r.ok) throw r.error;
        await settle(app, [r.eventId]);
        const after = (await transferById(app.store.read, id))!;
        print(Boolean(flags.json), after, () => `transfer ${id}: ${after.state}, ${String(after.doc.receivedQty ?? '?')} × ${after.sku} in at ${after.toLocationId}`);
      });
    });
}
