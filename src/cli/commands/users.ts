import type { Command } from 'commander';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { addUser, issueKey, listUsers, revoke, setPassword } from '../../engine/identity/users.js';
import { ROLES } from '../../domain/roles.js';

export function registerUsers(program: Command): void {
  const users = program.command('users').description('people and their API keys');
  addStoreOptions(
    users
      .command('add <name>')
      .description(`add a user and print their API key once (roles: ${ROLES.join(', ')})`)
      .requiredOption('--role <role>', 'the user\'s role')
      .option('--password <password>', 'also allow signing in to the console with a password'),
  ).action(async (name: string, flags: StoreFlags & { role: string; password?: string }) => {
    await withApp(flags, async (app) => {
      const r = await addUser(app.store, cliActor(), name, flags.role, flags.password);
      print(Boolean(flags.json), { ...r.user, apiKey: r.apiKey }, () => `added ${r.user.name} (${r.user.role})\napi key (shown once): ${r.apiKey}`);
    });
  });
  addStoreOptions(users.command('list').description('list users')).action(async (flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const rows = await listUsers(app.store.read);
      print(Boolean(flags.json), rows, () => table(rows.map((u) => ({ ...u, revokedAt: u.revokedAt ?? '' })), ['name', 'role', 'createdAt', 'revokedAt']));
    });
  });
  addStoreOptions(users.command('revoke <name>').description('revoke a user and all their keys')).action(async (name: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      await revoke(app.store, cliActor(), name);
      print(Boolean(flags.json), { name, revoked: true }, () => `revoked ${name}`);
    });
  });
  addStoreOptions(users.command('key <name>').description('issue an additional API key for a user (printed once)')).action(async (name: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const key = await issueKey(app.store, cliActor(), name);
      print(Boolean(flags.json), { name, apiKey: key }, () => `api key for ${name} (shown once): ${key}`);
    });
  });
  addStoreOptions(users.command('password <name> <password>').description('set a console password')).action(async (name: string, password: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      await setPassword(app.store, cliActor(), name, password);
      print(Boolean(flags.json), { name, password: 'set' }, () => `password set for ${name}`);
    });
  });
}
