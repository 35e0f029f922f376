import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL that can be frozen: it then stops forwarding bytes
 * both ways, closing nothing — as a network partition or a frozen database host looks to the client
 * (its statements go unanswered; nothing says the connection is gone). Bytes and closes that arrive
 * while frozen are held and delivered in order on thaw, as TCP's retransmissions would be.
 */
export interface StallingProxy {
  /** The upstream URL with the proxy's address in place of the server's. */
  url: string;
  freeze(): void;
  /**
   * Freezes as the first client→server chunk containing `text` arrives (that chunk held): a
   * statement in the middle of a transaction, rather than whichever one comes next.
   */
  freezeAt(text: string): void;
  readonly frozen: boolean;
  thaw(): void;
  close(): Promise<void>;
}

type Held = Buffer | 'end';

export async function startStallingProxy(upstreamUrl: string): Promise<StallingProxy> {
  const upstream = new URL(upstreamUrl);
  const upstreamHost = upstream.hostname || '127.0.0.1';
  const upstreamPort = Number(upstream.port || 5432);
  let frozen = false;
  let freezeAt: string | undefined;
  const sockets = new Set<Socket>();
  const pipes: Array<() => void> = [];

  /** Forwards `from` to `to`, holding what arrives while frozen; returns the flush for thaw. */
  function forward(from: Socket, to: Socket, upstream: boolean): () => void {
    const held: Held[] = [];
    const deliver = (item: Held): void => {
      if (to.destroyed) return;
      if (item === 'end') to.end();
      else to.write(item);
    };
    from.on('data', (chunk: Buffer) => {
      if (upstream && freezeAt !== undefined && chunk.includes(freezeAt)) {
        freezeAt = undefined;
        frozen = true;
      }
      if (frozen) held.push(chunk);
      else deliver(chunk);
    });
    from.on('end', () => (frozen ? held.push('end') : deliver('end')));
    return () => {
      for (const item of held.splice(0)) deliver(item);
    };
  }

  const server = createServer((client) => {
    const server = connect(upstreamPort, upstreamHost);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    const toServer = forward(client, server, true);
    const toClient = forward(server, client, false);
    // A socket closed at one end (a client giving up its connection) is passed on as an end once the
    // proxy forwards again: the server then sees its client leave and rolls back what it had open.
    const passCloses = (): void => {
      if (client.destroyed && !server.destroyed) server.end();
      if (server.destroyed && !client.destroyed) client.end();
    };
    client.on('close', () => (frozen ? undefined : passCloses()));
    server.on('close', () => (frozen ? undefined : passCloses()));
    pipes.push(() => {
      toServer();
      toClient();
      passCloses();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);

  return {
    url: url.toString(),
    freeze() {
      frozen = true;
    },
    freezeAt(text) {
      freezeAt = text;
    },
    get frozen() {
      return frozen;
    },
    thaw() {
      frozen = false;
      freezeAt = undefined;
      for (const flush of pipes) flush();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
