import type { Command } from 'commander';
import type { App } from '../../app.js';
import { createApp } from '../../app.js';
import { buildHttpServer } from '../../api/server.js';
import { readyConfig, addStoreOptions, storeError, type StoreFlags } from '../context.js';
import { fail } from '../output.js';
import type { Config } from '../../config.js';
import { joinCluster } from '../../transport/cluster.js';
import { engineWriteLock, startEngineThread, wantsEngineThread } from '../../engine/host/engine-thread.js';
import { readScheduledOffThread } from '../../engine/host/scheduled-reads.js';
import { warnOfNewDefaults } from '../../engine/policies/new-defaults.js';
import { keepServerHeapTight } from '../../engine/host/heap-growth.js';

export interface ServeFlags extends StoreFlags {
  port?: string;
  host?: string;
  engine?: string;
}

/** Starts the HTTP server and the dispatcher; stops both cleanly on SIGINT/SIGTERM. */
export async function startServer(config: Config): Promise<{ app: App; url: string }> {
  // Before anything is allocated: a server's heaps collect at ~1.4× their live set (engine/host).
  keepServerHeapTight();
  const writeLock = engineWriteLock(config);
  const app = await createApp(config, writeLock ? { writeLock } : {});
  if (config.transport !== 'inprocess') await joinCluster(app);
  // HTTP intake on this thread, the engine on its own (see engine/host): each gets a core.
  if (wantsEngineThread(config)) await startEngineThread(app, writeLock);
  const http = await buildHttpServer(app);
  const address = await http.listen({ port: config.port, host: config.host });
  // An API process only takes events in; workers (and the all-in-one default) process them.
  if (config.role !== 'api' && !wantsEngineThread(config)) {
    readScheduledOffThread(app);
    app.startWorkers();
  }
  return { app, url: address.replace('[::1]', 'localhost') };
}

export function onShutdown(fn: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${signal}: stopping (finishing in-flight work)…\n`);
    fn().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function registerServe(program: Command): void {
  addStoreOptions(
    program
      .command('serve')
      .description('run the omniops server (no demo data, no simulator)')
      .option('--port <port>', 'port to listen on [OMNIOPS_PORT, default 8080]')
      .option('--host <host>', 'address to bind [OMNIOPS_HOST, default 127.0.0.1]')
      .option('--role <role>', 'all (default) | api | worker [OMNIOPS_ROLE]')
      .option('--engine <mode>', 'thread (default): processing on its own thread | inline [OMNIOPS_ENGINE]')
      .option('--transport <url>', 'inprocess (default) or nats://host:port[,…] for cluster mode [OMNIOPS_TRANSPORT]'),
  ).action(async (flags: ServeFlags) => {
    try {
      const config = await readyConfig(flags, { role: flags.role, transport: flags.transport, engine: flags.engine });
      const { app, url } = await startServer(config);
      // The start line first: with --json, callers read stdout's first line as {url, store}.
      process.stdout.write(flags.json ? `${JSON.stringify({ url, store: app.store.dialect })}\n` : `omniops serving on ${url} (store: ${app.store.dialect})\n`);
      app.logger.info({ url, store: app.store.dialect }, 'omniops serving');
      onShutdown(() => app.close());
      // After the start line (callers read it first): a database made before this release may lack
      // what its defaults add; say so once per kind, never change a stored version.
      await warnOfNewDefaults(app.store.read, app.logger).catch((e: unknown) => app.logger.error({ err: String(e) }, 'could not compare the policies with the current defaults'));
    } catch (e) {
      fail(storeError(e), Boolean(flags.json));
    }
  });
}
