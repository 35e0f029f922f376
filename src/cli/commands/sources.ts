import type { Command } from 'commander';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { addSource, rotateSourceSecret } from '../../engine/identity/sources.js';
import { listSources } from '../../store/repos/masterdata.js';
import { SOURCE_KINDS, type Source } from '../../domain/masterdata/source.js';
import { wholeNumber } from '../options.js';

/** As long as config intake.secretGraceSeconds may be: a secret that leaked stays good no longer than that. */
const MAX_GRACE_SECONDS = 30 * 86_400;

export function registerSources(program: Command): void {
  const sources = program.command('sources').description('channels and systems that send events');
  addStoreOptions(
    sources
      .command('add <id>')
      .description('add a source and print its signing secret once')
      .option('--name <name>', 'display name')
      .option('--kind <kind>', `one of ${SOURCE_KINDS.join(', ')}`, 'web'),
  ).action(async (id: string, flags: StoreFlags & { name?: string; kind: string }) => {
    await withApp(flags, async (app) => {
      const r = await addSource(app.store, app.box, cliActor(), id, { name: flags.name, kind: flags.kind as Source['kind'] });
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
  addStoreOptions(sources.command('list').description('list sources')).action(async (flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const rows = await listSources(app.store.read);
      print(Boolean(flags.json), rows, () => table(rows as unknown as Array<Record<string, unknown>>, ['id', 'name', 'kind']));
    });
  });
}
