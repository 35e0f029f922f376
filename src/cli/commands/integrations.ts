import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { wholeNumber } from '../options.js';
import { DomainError } from '../../domain/errors.js';
import { listDestinations } from '../../store/repos/destinations.js';
import { queryDeliveries } from '../../store/repos/deliveries.js';
import { destinationView, rotateDestinationSecret, upsertDestination } from '../../engine/delivery/destinations.js';
import { replayDelivery, replayDestination } from '../../engine/delivery/replay.js';

type AddFlags = StoreFlags & { url: string; kind: string; environment: string; route: string[]; concurrency?: string; secret?: string; credentials?: string; options?: string };

const collect = (v: string, acc: string[]) => [...acc, v];
const jsonArg = (name: string, v: string | undefined): Record<string, unknown> | undefined => {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v) as Record<string, unknown>;
  } catch {
    throw new DomainError('E_SCHEMA', `--${name} must be JSON (or @file)`, { issues: [{ path: name, message: 'not JSON' }] });
  }
};

/** `omniops destinations add|list|rotate` and `omniops deliveries dead|expired|replay`. */
export function registerIntegrations(program: Command): void {
  const destinations = program.command('destinations').description('where outbox rows are delivered (webhooks, Odoo, channels, carriers, notifications)');
  addStoreOptions(
    destinations.command('add <id>').description('register or change a destination; a generated signing secret is printed once')
      .requiredOption('--url <url>', 'endpoint URL (Odoo: the base URL)')
      .requiredOption('--kind <kind>', 'webhook | odoo | channel | carrier | notification')
      .requiredOption('--environment <env>', 'development | test | production')
      .option('--route <pattern>', 'outbox destination it takes: erp:sale_order, channel:*, * (repeatable)', collect, [])
      .option('--concurrency <n>', 'deliveries in flight at once')
      .option('--secret <secret>', 'signing secret (generated when absent)')
      .option('--credentials <json>', 'secret credentials as JSON or @file, e.g. {"apiKey":"…"} (sealed)')
      .option('--options <json>', 'non-secret settings as JSON, e.g. {"database":"prod","partnerId":7}'),
  ).action(async (id: string, f: AddFlags) => {
    await withApp(f, async (app) => {
      const r = await upsertDestination(app.store, app.box, cliActor(), id, {
        url: f.url, kind: f.kind, environment: f.environment, routes: f.route.map((destination) => ({ destination })),
        ...(f.concurrency ? { concurrency: wholeNumber(f.concurrency, '--concurrency', { min: 1 }) } : {}), ...(f.secret ? { secret: f.secret } : {}),
        ...(f.credentials ? { credentials: jsonArg('credentials', f.credentials) } : {}), ...(f.options ? { options: jsonArg('options', f.options) } : {}),
      });
      const view = { ...destinationView(r.destination, app.box), ...(r.secret ? { secret: r.secret } : {}) };
      print(Boolean(f.json), view, () => `${r.created ? 'added' : 'updated'} destination ${id}${r.secret ? `\nsigning secret (shown once): ${r.secret}` : ''}`);
    });
  });
  addStoreOptions(destinations.command('list').description('list destinations (secrets redacted)')).action(async (f: StoreFlags) => {
    await withApp(f, async (app) => {
      const rows = (await listDestinations(app.store.read)).map((d) => destinationView(d, app.box));
      print(Boolean(f.json), rows, () => table(rows.map((r) => ({ ...r, routes: (r.routes as Array<{ destination: string }>).map((x) => x.destination).join(',') })), ['id', 'kind', 'environment', 'url', 'routes', 'concurrency', 'enabled']));
    });
  });
  addStoreOptions(destinations.command('rotate <id>').description('new signing secret; the previous one keeps signing for the grace period').option('--grace <seconds>', 'grace period (default: delivery.secretGraceSeconds)'))
    .action(async (id: string, f: StoreFlags & { grace?: string }) => {
      await withApp(f, async (app) => {
        const r = await rotateDestinationSecret(app.store, app.box, cliActor(), id, f.grace !== undefined ? wholeNumber(f.grace, '--grace', { max: 30 * 86400 }) : app.config.delivery.secretGraceSeconds);
        print(Boolean(f.json), { id, secret: r.secret, previousValidUntil: r.previousValidUntil }, () => `new signing secret for ${id} (shown once): ${r.secret}\nprevious secret signs until ${r.previousValidUntil}`);
      });
    });

  const deliveries = program.command('deliveries').description('outbound deliveries');
  // Stopped deliveries, with why: dead-lettered (failed for good) or expired (past their send-by time, never sent).
  const stopped = (status: 'dead' | 'expired', description: string, at: 'deadAt' | 'sendBy') =>
    addStoreOptions(deliveries.command(status).description(description).option('--destination <d>', 'registered destination id or outbox destination').option('--limit <n>', 'at most', '100'))
      .action(async (f: StoreFlags & { destination?: string; limit: string }) => {
        await withApp(f, async (app) => {
          const rows = await queryDeliveries(app.store.read, { status, destination: f.destination, limit: wholeNumber(f.limit, '--limit', { min: 1, max: 500 }) });
          const items = rows.map((d) => ({
            id: d.id, destination: d.target ?? d.destination, kind: d.kind, subject: d.subject, attempts: d.attempts,
            [at]: at === 'deadAt' ? d.deadAt : d.expiresAt > 0 ? new Date(d.expiresAt).toISOString() : null, lastError: d.lastError,
          }));
          print(Boolean(f.json), items, () => table(items, ['id', 'destination', 'kind', 'subject', 'attempts', at, 'lastError']));
        });
      });
  stopped('dead', 'dead-lettered deliveries with their last error', 'deadAt');
  stopped('expired', 'deliveries never sent because their send-by time passed first (customer messages)', 'sendBy');
  addStoreOptions(deliveries.command('replay [id]').description('send a dead or expired delivery again (same idempotency key), or every dead one of --destination').option('--destination <d>', 'all dead deliveries of this destination'))
    .action(async (id: string | undefined, f: StoreFlags & { destination?: string }) => {
      await withApp(f, async (app) => {
        if (!id && !f.destination) throw new DomainError('E_SCHEMA', 'give a delivery id or --destination', { issues: [{ path: 'id', message: 'required' }] });
        const ids = id ? (await replayDelivery(app.store, cliActor(), id), [id]) : await replayDestination(app.store, cliActor(), f.destination!);
        print(Boolean(f.json), { replayed: ids.length, ids }, () => `requeued ${ids.length} deliver${ids.length === 1 ? 'y' : 'ies'}`);
      });
    });
}
