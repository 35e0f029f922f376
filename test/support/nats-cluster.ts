import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { tempDir } from './stores.js';

export const NATS_BIN = process.env.OMNIOPS_NATS_SERVER ?? '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  clientPort: number;
  clusterPort: number;
  dir: string;
  proc: ChildProcess | null;
}

/**
 * A real three-node NATS cluster with JetStream on loopback, each node with its own store directory,
 * for cluster-mode tests. Nodes can be killed and restarted to test failover.
 */
export class NatsCluster {
  readonly nodes: NatsNode[];

  constructor(basePort: number, size = 3) {
    const root = tempDir('omniops-nats-');
    this.nodes = Array.from({ length: size }, (_, i) => ({
      name: `n${i + 1}`,
      clientPort: basePort + i,
      clusterPort: basePort + 100 + i,
      dir: join(root, `n${i + 1}`),
      proc: null,
    }));
    for (const n of this.nodes) mkdirSync(n.dir, { recursive: true });
  }

  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`).join(',');
  }

  private config(n: NatsNode): string {
    const routes = this.nodes.filter((o) => o !== n).map((o) => `nats-route://127.0.0.1:${o.clusterPort}`);
    return `
server_name: ${n.name}
listen: 127.0.0.1:${n.clientPort}
jetstream { store_dir: "${n.dir}/js", max_mem: 64MB, max_file: 1GB }
cluster { name: omniops-test, listen: 127.0.0.1:${n.clusterPort}, routes: [${routes.join(', ')}] }
`;
  }

  async start(): Promise<void> {
    for (const n of this.nodes) this.startNode(n);
    await Promise.all(this.nodes.map((n) => waitForPort(n.clientPort, 15_000)));
  }

  startNode(n: NatsNode): void {
    const conf = join(n.dir, 'nats.conf');
    writeFileSync(conf, this.config(n));
    n.proc = spawn(NATS_BIN, ['-c', conf], { stdio: 'ignore' });
  }

  async restartNode(i: number): Promise<void> {
    const n = this.nodes[i]!;
    n.proc?.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    this.startNode(n);
    await waitForPort(n.clientPort, 15_000);
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) n.proc?.kill('SIGKILL');
  }
}

export function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} did not open`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}
