#!/usr/bin/env node
import { Command } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerDemo } from './commands/demo.js';
import { registerMigrate } from './commands/migrate.js';
import { registerUsers } from './commands/users.js';
import { registerSources } from './commands/sources.js';
import { registerEvents } from './commands/events.js';
import { registerAudit } from './commands/audit.js';
import { registerImport } from './commands/import.js';

const program = new Command();
program.name('omniops').description('operations control layer of an omnichannel retailer').version('0.1.0');
registerServe(program);
registerDemo(program);
registerMigrate(program);
registerUsers(program);
registerSources(program);
registerEvents(program);
registerImport(program);
registerAudit(program);
await program.parseAsync(process.argv);
