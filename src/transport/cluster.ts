import { hostname } from 'node:os';
import type { App } from '../app.js';
import { connectJetStream, ensureStream } from './nats/jetstream.js';
import { EventPublisher } from './nats/publisher.js';
import { ClusterWorker } from './nats/cluster-worker.js';

/**
 * Cluster mode: PostgreSQL holds the state and the event log of record; NATS JetStream distributes
 * the work by partition. API processes acknowledge an event once it is committed in PostgreSQL and
 * then publish its id; worker processes own partitions through leases and process them.
 */
export async function joinCluster(app: App): Promise<void> {
  const { config } = app;
  const j = await connectJetStream(
    { url: config.transport, stream: config.cluster.stream, subjectPrefix: config.cluster.subjectPrefix, partitions: config.cluster.partitions, replicas: config.cluster.replicas },
    `omniops-${config.role}-${process.pid}`,
  );
  await ensureStream(j);
  app.closeHooks.push(() => j.close());
  if (config.role !== 'worker') {
    const publisher = new EventPublisher(j, app.store.read, (e) => app.logger.warn({ err: String(e) }, 'publish to the event stream failed; workers will sweep it up'));
    app.acceptedListeners.push((ids) => void publisher.publishIds(ids).catch((e) => app.logger.warn({ err: String(e) }, 'publish failed')));
  }
  if (config.role !== 'api') {
    app.clusterWorker = new ClusterWorker(
      app.store,
      app.dispatcher,
      j,
      { workerId: config.cluster.workerId ?? `${hostname()}-${process.pid}`, partitions: config.cluster.partitions, leaseTtlMs: config.cluster.leaseTtlMs, sweepMs: config.cluster.sweepMs, fetchBatch: config.cluster.fetchBatch },
      {
        onOwnership: (owned) => app.logger.debug({ owned }, 'partitions owned'),
        onError: (e) => app.logger.warn({ err: String(e) }, 'cluster worker'),
      },
    );
  }
}
