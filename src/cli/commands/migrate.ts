import type { Command } from 'commander';
import { addStoreOptions, withApp, type StoreFlags } from '../context.js';
import { print } from '../output.js';

export function registerMigrate(program: Command): void {
  addStoreOptions(program.command('migrate').description('apply pending database migrations (serve also does this at start)')).action(
    async (flags: StoreFlags) => {
      // createApp migrates; this command exists so deployments can migrate before rolling out.
      await withApp(flags, async (app) => {
        const row = await app.store.read.get<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
        print(Boolean(flags.json), { schemaVersion: Number(row?.v ?? 0), store: app.store.dialect }, () => `schema at version ${row?.v ?? 0} (${app.store.dialect})`);
      });
    },
  );
}
