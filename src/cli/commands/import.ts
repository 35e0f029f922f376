import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print } from '../output.js';
import { parseCsv } from '../csv.js';
import { readTextFile } from '../files.js';
import { settle } from '../settle.js';
import { DomainError, type FieldIssue } from '../../domain/errors.js';
import type { NewEventRow } from '../../store/repos/events.js';

type Row = Record<string, string>;
const list = (v: string | undefined) => (v ? v.split(/[;|]/).map((x) => x.trim()).filter(Boolean) : undefined);
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
const bool = (v: string | undefined) => (v === undefined || v === '' ? undefined : /^(1|true|yes|y)$/i.test(v));

/** CSV columns → event payloads. Unknown columns are ignored; a missing required one fails its row. */
const MAPPERS: Record<string, { type: string; toPayload(r: Row): Record<string, unknown> }> = {
  products: {
    type: 'product.upserted',
    toPayload: (r) => ({
      sku: r.sku, name: r.name, category: r.category, price: num(r.price), cost: num(r.cost), weightKg: num(r.weightKg),
      returnable: bool(r.returnable), supplierIds: list(r.supplierIds), barcode: r.barcode || undefined,
    }),
  },
  locations: {
    type: 'location.upserted',
    toPayload: (r) => ({
      id: r.id, name: r.name, kind: r.kind, lat: num(r.lat), lon: num(r.lon), capabilities: list(r.capabilities), dailyCapacity: num(r.dailyCapacity),
      cutoff: r.cutoff || undefined, utcOffsetMinutes: num(r.utcOffsetMinutes), acceptSlaMinutes: num(r.acceptSlaMinutes), shipSlaMinutes: num(r.shipSlaMinutes),
    }),
  },
};

function stockEvents(rows: Array<{ line: number; values: Row }>): Array<{ line: number; type: string; payload: Record<string, unknown> }> {
  // One snapshot per location, in the order locations first appear, so a file is one count per shop.
  const byLocation = new Map<string, { line: number; counts: unknown[] }>();
  for (const { line, values: r } of rows) {
    const loc = r.locationId ?? '';
    const entry = byLocation.get(loc) ?? { line, counts: [] };
    entry.counts.push({ sku: r.sku, onHand: num(r.onHand), protected: num(r.protected), safetyStock: num(r.safetyStock) });
    byLocation.set(loc, entry);
  }
  return [...byLocation.entries()].map(([locationId, e]) => ({ line: e.line, type: 'inventory.snapshot', payload: { locationId, counts: e.counts } }));
}

export function registerImport(program: Command): void {
  addStoreOptions(
    program
      .command('import <kind> <file>')
      .description('import products|locations|stock from CSV; all rows are validated first and nothing is imported if one is bad'),
  ).action(async (kind: string, file: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      if (!['products', 'locations', 'stock'].includes(kind)) throw new DomainError('E_SCHEMA', `import what? products, locations or stock (got '${kind}')`);
      const text = readTextFile(file);
      const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
      const rows = parseCsv(text);
      if (rows.length === 0) throw new DomainError('E_SCHEMA', `${file} has no data rows`);
      const events = kind === 'stock' ? stockEvents(rows) : rows.map(({ line, values }) => ({ line, type: MAPPERS[kind]!.type, payload: MAPPERS[kind]!.toPayload(values) }));
      const prepared: NewEventRow[] = [];
      const issues: FieldIssue[] = [];
      const actor = cliActor();
      for (const e of events) {
        const payload = JSON.parse(JSON.stringify(e.payload)) as Record<string, unknown>;
        try {
          prepared.push(app.intake.prepare(
            { source: 'import', sourceEventId: `${kind}:${digest}:${e.line}`, type: e.type, occurredAt: new Date().toISOString(), payload },
            { actor: actor.id, actorRole: actor.role },
          ));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          for (const i of err.issues ?? [{ path: '', message: err.message }]) issues.push({ path: `line ${e.line}: ${i.path.replace(/^payload\./, '')}`, message: i.message });
        }
      }
      if (issues.length > 0) throw new DomainError('E_SCHEMA', `${issues.length} problem(s) in ${file}; nothing was imported`, { issues });
      const results = await Promise.all(prepared.map((p) => app.intake.submitPrepared(p)));
      const ids = results.flatMap((r) => (r.ok ? [r.eventId] : []));
      const duplicates = results.filter((r) => r.ok && r.status === 'duplicate').length;
      const outcome = await settle(app, ids);
      print(Boolean(flags.json), { kind, rows: rows.length, events: prepared.length, duplicates, ...outcome }, () =>
        `${kind}: ${rows.length} rows → ${prepared.length} events (${duplicates} already imported); processed ${outcome.processed}, dead ${outcome.dead}, pending ${outcome.pending}`,
      );
      if (outcome.dead > 0) process.exitCode = 2;
    });
  });
}
