import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  key: string;
  subject: string;
  kind: string;
  body: any;
  headers: IncomingMessage['headers'];
}

/**
 * A webhook receiver on 127.0.0.1 that behaves like a careful one: it dedups on the idempotency key
 * (a second delivery of a key answers 200 and has no effect) and records effects in arrival order.
 * `behave` decides each answer (status, headers, hang, reset) for fault injection.
 */
export async function startReceiver(behave: (n: number, req: IncomingMessage, body: any) => { status?: number; headers?: Record<string, string>; hang?: boolean; reset?: boolean } = () => ({})) {
  const effects: Received[] = [];
  const seen = new Set<string>();
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = ++requests;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      const b = behave(n, req, body);
      if (b.reset) return req.socket.destroy();
      if (b.hang) return;
      const status = b.status ?? 200;
      if (status >= 200 && status < 300) {
        const key = String(req.headers['idempotency-key']);
        if (!seen.has(key)) {
          seen.add(key);
          effects.push({ key, subject: body?.subject, kind: body?.kind, body, headers: req.headers });
        }
      }
      res.writeHead(status, { 'content-type': 'application/json', ...(b.headers ?? {}) });
      res.end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    effects,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
