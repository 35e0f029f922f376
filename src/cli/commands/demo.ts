import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readyConfig, storeError } from '../context.js';
import { fail } from '../output.js';
import { positiveNumber } from '../options.js';
import { onShutdown, startServer, type ServeFlags } from './serve.js';
import { DEMO_AGENT, DEMO_BUYER, DEMO_RECEIVER, demoPersonKey, seedDemo } from '../../demo/seed.js';
import { ChannelSimulator, stockScenarios } from '../../demo/simulator.js';
import { orderScenarios } from '../../demo/order-scenarios.js';
import { procurementScenarios, seedProcurementDemo } from '../../demo/procurement-scenarios.js';
import { FloorSimulator } from '../../demo/floor.js';
import { ServiceDesk } from '../../demo/service-desk.js';
import { SupplierDesk } from '../../demo/suppliers.js';
import { TransferDesk } from '../../demo/transfers.js';

export function registerDemo(program: Command): void {
  program
    .command('demo', { isDefault: false })
    .description('the server with the demo retailer seeded and a channel simulator feeding it (npm start)')
    .option('--port <port>', 'port [OMNIOPS_PORT, default 8080]')
    .option('--host <host>', 'address [OMNIOPS_HOST, default 127.0.0.1]')
    .option('--data <dir>', 'data directory [OMNIOPS_DATA_DIR, default ./data]')
    .option('--store <url>', 'sqlite (default) or postgres://… [OMNIOPS_STORE]')
    .option('--config <file>', 'JSON config file')
    .option('--rate <n>', 'simulated events per second', '20')
    .option('--json', 'machine-readable start line')
    .action(async (flags: ServeFlags & { rate: string }) => {
      try {
        const rate = positiveNumber(flags.rate, '--rate', 10_000);
        const config = await readyConfig(flags);
        const { app, url } = await startServer(config);
        const agentKeyFile = join(config.dataDir, 'demo-agent.key');
        const seed = await seedDemo(app, existsSync(agentKeyFile) ? readFileSync(agentKeyFile, 'utf8').trim() : undefined);
        await seedProcurementDemo(app);
        if (seed.adminKey) writeFileSync(join(config.dataDir, 'demo-admin.key'), `${seed.adminKey}\n`, { mode: 0o600 });
        writeFileSync(agentKeyFile, `${seed.agentKey}\n`, { mode: 0o600 });
        const sim = new ChannelSimulator(app, url, [...stockScenarios(), ...orderScenarios(), ...procurementScenarios()], rate);
        const floor = new FloorSimulator(app, url);
        const desk = new ServiceDesk(app, url, seed.agentKey, DEMO_AGENT);
        const suppliers = new SupplierDesk(app, url);
        // Transfers between locations: the buyer accepts, the receiving store books, each with a key kept like the agent's.
        const personKey = async (person: { name: string; role: string }) => {
          const file = join(config.dataDir, `demo-${person.name}.key`);
          const key = await demoPersonKey(app, person, existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
          writeFileSync(file, `${key}\n`, { mode: 0o600 });
          return key;
        };
        const transfers = new TransferDesk(app, url, { buyerKey: await personKey(DEMO_BUYER), receiverKey: await personKey(DEMO_RECEIVER) });
        sim.start();
        floor.start();
        desk.start();
        suppliers.start();
        transfers.start();
        const keyNote = seed.adminKey ? `admin API key: ${seed.adminKey} (also in ${join(config.dataDir, 'demo-admin.key')}; console login admin/admin)` : `admin API key: see ${join(config.dataDir, 'demo-admin.key')}`;
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ url, store: app.store.dialect, seeded: seed.seeded })}\n`
            : `omniops demo serving on ${url} (store: ${app.store.dialect}${seed.seeded ? ', demo retailer seeded' : ''})\n${keyNote}\nsimulating ${flags.rate} channel events/s — Ctrl-C to stop\n`,
        );
        const report = setInterval(() => {
          const s = sim.stats;
          app.logger.info({ simulator: s, serviceDesk: desk.stats, suppliers: suppliers.stats, transfers: transfers.stats }, 'simulator');
        }, 10_000);
        onShutdown(async () => {
          clearInterval(report);
          sim.stop();
          floor.stop();
          desk.stop();
          suppliers.stop();
          transfers.stop();
          await app.close();
        });
      } catch (e) {
        fail(storeError(e), Boolean(flags.json));
      }
    });
}
