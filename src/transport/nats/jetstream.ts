import { connect, StorageType, RetentionPolicy, DiscardPolicy, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';

export interface NatsSettings {
  /** Comma-separated server URLs: nats://127.0.0.1:4222,nats://127.0.0.1:4223 */
  url: string;
  stream: string;
  subjectPrefix: string;
  partitions: number;
  /** 3 on a real cluster: an acknowledged publish is then on a quorum of servers' disks. */
  replicas: number;
}

export interface JetStream {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  settings: NatsSettings;
  subjectFor(partition: number): string;
  close(): Promise<void>;
}

export async function connectJetStream(settings: NatsSettings, name: string): Promise<JetStream> {
  const nc = await connect({
    servers: settings.url.split(',').map((s) => s.trim().replace(/^nats:\/\//, '')),
    name,
    // Ride out a server restart: keep reconnecting, keep buffered publishes.
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5_000,
  });
  const jsm = await nc.jetstreamManager({ timeout: 10_000 });
  const js = nc.jetstream({ timeout: 10_000 });
  return {
    nc,
    js,
    jsm,
    settings,
    subjectFor: (p) => `${settings.subjectPrefix}.${p}`,
    close: async () => {
      await nc.drain().catch(() => nc.close());
    },
  };
}

/**
 * The event stream: file storage (the default memory storage would lose acknowledged messages on a
 * restart), a 2-minute duplicate window for Nats-Msg-Id de-duplication, limits retention with a long
 * max age — the database stays the log of record; the stream only distributes work.
 */
export async function ensureStream(j: JetStream): Promise<void> {
  const { settings } = j;
  const config = {
    name: settings.stream,
    subjects: [`${settings.subjectPrefix}.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: settings.replicas,
    duplicate_window: 120 * 1e9,
    max_age: 7 * 24 * 3600 * 1e9,
  };
  try {
    await j.jsm.streams.info(settings.stream);
  } catch {
    await j.jsm.streams.add(config);
  }
}
