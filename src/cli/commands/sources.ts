import type { Command } from 'commander';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { addSource, rotateSourceSecret } from '../../engine/identity/sources.js';
import { randomUUID } from 'node:crypto';
import { getSource, listSources } from '../../store/repos/masterdata.js';
import { SOURCE_KINDS, patchedSource, sourcePatchSchema, type Source, type SourcePatch } from '../../domain/masterdata/source.js';
import { DomainError } from '../../domain/errors.js';
import { wholeNumber } from '../options.js';
import { settle } from '../settle.js';

const typeList = (list: string | undefined) => list?.split(',').map((t) => t.trim()).filter((t) => t !== '');

/** As long as config intake.secretGraceSeconds may be: a secret that leaked stays good no longer than that. */
const MAX_GRACE_SECONDS = 30 * 86_400;

export function registerSources(program: Command): void {
  const sources = program.command('sources').description('channels and systems that send events');
  addStoreOptions(
    sources
      .command('add <id>')
      .description('add a source and print its signing secret once')
      .option('--name <name>', 'display name')
      .option('--kind <kind>', `one of ${SOURCE_KINDS.join(', ')}`, 'web')
      .option('--types <list>', "event types it may send, comma-separated: names or families ('order.*,payment.*'); default: every inbound type")
      .option('--supplier <id>', 'a supplier source: the supplier whose claims and purchase orders it answers for'),
  ).action(async (id: string, flags: StoreFlags & { name?: string; kind: string; types?: string; supplier?: string }) => {
    await withApp(flags, async (app) => {
      const eventTypes = typeList(flags.types);
      const r = await addSource(app.store, app.box, cliActor(), id, { name: flags.name, kind: flags.kind as Source['kind'], eventTypes, supplierId: flags.supplier });
      print(Boolean(flags.json), { source: r.source, secret: r.secret }, () => `added source ${id}\nsigning secret (shown once): ${r.secret}`);
    });
  });
  addStoreOptions(
    sources
      .command('rotate <id>')
      .description('issue a new signing secret; old ones stay valid for the grace period')
      .option('--grace <seconds>', 'how long old secrets stay valid (default: config intake.secretGraceSeconds)'),
  ).action(async (id: string, flags: StoreFlags & { grace?: string }) => {
    await withApp(flags, async (app) => {
      const grace = flags.grace !== undefined ? wholeNumber(flags.grace, '--grace', { max: MAX_GRACE_SECONDS }) : app.config.intake.secretGraceSeconds;
      const r = await rotateSourceSecret(app.store, app.box, cliActor(), id, grace);
      print(Boolean(flags.json), { source: id, secret: r.secret, oldSecretsExpireAt: r.oldExpireAt }, () => `new signing secret for ${id} (shown once): ${r.secret}\nold secrets expire at ${r.oldExpireAt}`);
    });
  });
  addStoreOptions(
    sources
      .command('scope <id>')
      .description("change which events a source may send (the rest of its record stays); as PATCH /v1/sources/{id}")
      .option('--types <list>', "event types, comma-separated: names or families ('po.*')")
      .option('--all-types', 'every inbound type again (drops the list)')
      .option('--supplier <id>', 'bind a supplier source to its supplier')
      .option('--no-supplier', 'drop the supplier binding'),
  ).action(async (id: string, flags: StoreFlags & { types?: string; allTypes?: boolean; supplier?: string | false }) => {
    await withApp(flags, async (app) => {
      const current = await getSource(app.store.read, id);
      if (!current) throw new DomainError('E_NOT_FOUND', `no source ${id}`);
      // Only what the flags name, as a merge patch (null drops a member): PATCH /v1/sources/{id}'s path,
      // merged by the handler against the record as it is then, so a change made meanwhile stays.
      const types = typeList(flags.types);
      const patch: SourcePatch = {
        ...(flags.allTypes ? { eventTypes: null } : types ? { eventTypes: types } : {}),
        ...(flags.supplier === false ? { supplierId: null } : flags.supplier !== undefined ? { supplierId: flags.supplier } : {}),
      };
      const parsed = sourcePatchSchema.safeParse(patch);
      if (!parsed.success) throw new DomainError('E_SCHEMA', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const merged = patchedSource(current, parsed.data, app.catalog);
      if (!merged.ok) throw new DomainError('E_SCHEMA', merged.issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues: merged.issues });
      // The same event the REST route sends, so the change is logged, audited and judged by the same handler.
      const actor = cliActor();
      const r = await app.intake.submit(
        { source: 'cli', sourceEventId: `source-scope:${id}:${randomUUID()}`, type: 'source.patched', occurredAt: new Date(app.clock()).toISOString(), payload: { id, patch: parsed.data } },
        { actor: actor.id, actorRole: actor.role },
      );
      if (!r.ok) throw r.error;
      const outcome = await settle(app, [r.eventId]);
      if (outcome.processed !== 1) throw new DomainError('E_INVALID_STATE', `the change was not applied (event ${r.eventId}: see events dead)`, { detail: { eventId: r.eventId } });
      const after = (await getSource(app.store.read, id))!;
      print(Boolean(flags.json), after, () => `source ${id}: ${after.eventTypes ? `may send ${after.eventTypes.join(', ')}` : 'may send every inbound type'}${after.supplierId ? `; answers for supplier ${after.supplierId}` : ''}\n(running servers see it within 2 s)`);
    });
  });
  addStoreOptions(sources.command('list').description('list sources')).action(async (flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const rows = await listSources(app.store.read);
      // What each may send, at a glance: a leaked secret of an unscoped source can send anything inbound.
      const shown = rows.map((r) => ({ ...r, sends: r.eventTypes ? r.eventTypes.join(',') : 'any inbound type', supplier: r.supplierId ?? '' }));
      print(Boolean(flags.json), rows, () => table(shown as unknown as Array<Record<string, unknown>>, ['id', 'name', 'kind', 'sends', 'supplier']));
    });
  });
}
