import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Orm, type Env } from './orm.js';
import {
  accessDenied, asFault, lockError, notFound, OdooFault, serializationFailure, serializeFault, unauthorized, userError,
} from './exceptions.js';
import { callNamed, callPositional } from './call-kw.js';
import { defineCatalog } from './models/catalog.js';
import { defineStock } from './models/stock.js';
import { defineSales } from './models/sales.js';
import { definePurchase } from './models/purchase.js';
import { defineAccounting } from './models/accounting.js';
import { defineAutomation } from './models/automation.js';
import { ADMIN_API_KEY, DEFAULT_USERS, seedDemo, type FakeUser } from './seed.js';

/**
 * A protocol-faithful fake Odoo 19 on 127.0.0.1: JSON-RPC (`/jsonrpc`, always HTTP 200, errors in
 * `error.data`) and JSON-2 (`/json/2/<model>/<method>`, bearer key, real statuses, bare error bodies),
 * over an in-memory ORM seeded with the demo records the captures mention. Fault injection lets a test
 * make the next calls fail the ways a real server and network do.
 */
export type Fault =
  /** The psycopg2 error Odoo surfaces after its own 5 retries (JSON-2: HTTP 500). */
  | { kind: 'serialization'; times?: number; match?: FaultMatch }
  /** odoo.exceptions.LockError (JSON-2: HTTP 409). */
  | { kind: 'lock'; times?: number; match?: FaultMatch }
  /** A proxy in front of Odoo answering a bare status with an HTML page; the call never reaches Odoo. */
  | { kind: 'status'; status: number; times?: number; match?: FaultMatch }
  /** The connection is reset before the call runs. */
  | { kind: 'reset'; times?: number; match?: FaultMatch }
  /** The call runs and commits, then the connection dies before the answer leaves: the lost-response case. */
  | { kind: 'drop-response'; times?: number; match?: FaultMatch }
  /** The answer is delayed (to trip client timeouts); the call still runs. */
  | { kind: 'delay'; ms: number; times?: number; match?: FaultMatch };

export interface FaultMatch {
  model?: string;
  method?: string;
}

export interface LoggedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeOdooOptions {
  db?: string;
  users?: FakeUser[];
  now?: () => Date;
  newUuid?: () => string;
  webBaseUrl?: string;
}

export interface FakeOdoo {
  readonly url: string;
  readonly db: string;
  readonly apiKey: string;
  readonly orm: Orm;
  readonly requests: LoggedRequest[];
  injectFault(fault: Fault): void;
  /** Drops faults not yet triggered, so one test's leftovers cannot hit the next. */
  clearFaults(): void;
  /** Runs an ORM function as the admin, outside any RPC (setting up or inspecting state in tests). */
  asAdmin<T>(fn: (env: Env) => T): T;
  close(): Promise<void>;
}

const VERSION_INFO = [19, 0, 0, 'final', 0, ''];
const SERVER_VERSION = '19.0+e-20251227';

export async function startFakeOdoo(opts: FakeOdooOptions = {}): Promise<FakeOdoo> {
  const db = opts.db ?? 'odoo_test';
  const users = opts.users ?? DEFAULT_USERS;
  const orm = new Orm(opts.now ?? (() => new Date()));
  defineCatalog(orm);
  defineStock(orm);
  defineSales(orm);
  definePurchase(orm);
  defineAccounting(orm);
  defineAutomation(orm, { newUuid: opts.newUuid ?? randomUUID, webBaseUrl: opts.webBaseUrl ?? 'http://localhost:8069' });
  seedDemo(orm, users);

  const faults: (Fault & { left: number })[] = [];
  const requests: LoggedRequest[] = [];

  function takeFault(model?: string, method?: string): Fault | undefined {
    const i = faults.findIndex(
      (f) => (!f.match?.model || f.match.model === model) && (!f.match?.method || f.match.method === method),
    );
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.left <= 0) faults.splice(i, 1);
    return f;
  }

  const userByPassword = (uid: number, secret: unknown) =>
    users.find((u) => u.id === uid && typeof secret === 'string' && (u.password === secret || u.apiKeys.includes(secret)));

  /** Runs one object call with the fault (if any) applied around it; returns what to send, or null if the socket died. */
  async function withFault<T>(res: ServerResponse, model: string | undefined, method: string | undefined, run: () => T): Promise<{ value: T } | { fault: OdooFault } | null> {
    const f = takeFault(model, method);
    if (f?.kind === 'reset') {
      res.socket?.destroy();
      return null;
    }
    if (f?.kind === 'status') {
      res.writeHead(f.status, { 'content-type': 'text/html' }).end(`<html><body><h1>${f.status}</h1></body></html>`);
      return null;
    }
    if (f?.kind === 'serialization') return { fault: serializationFailure() };
    if (f?.kind === 'lock') return { fault: lockError('Could not obtain lock on the record; another transaction holds it.') };
    if (f?.kind === 'delay') await new Promise((r) => setTimeout(r, f.ms));
    let out: { value: T } | { fault: OdooFault };
    try {
      out = { value: orm.transaction(run) };
    } catch (e) {
      out = { fault: asFault(e) };
    }
    if (f?.kind === 'drop-response') {
      res.socket?.destroy();
      return null;
    }
    return out;
  }

  async function jsonRpc(req: IncomingMessage, res: ServerResponse, body: any): Promise<void> {
    const id = body?.id ?? null;
    const send = (payload: Record<string, unknown>) => json(res, 200, { jsonrpc: '2.0', id, ...payload });
    const sendResult = (v: unknown) => send(v === undefined || v === null ? {} : { result: v }); // None → no `result` key
    const sendFault = (f: OdooFault) => send({ error: { code: 0, message: 'Odoo Server Error', data: serializeFault(f) } });
    const { service, method, args = [] } = body?.params ?? {};

    if (service === 'common') {
      const out = await withFault(res, undefined, method, () => {
        if (method === 'version') return { server_version: SERVER_VERSION, server_version_info: VERSION_INFO, server_serie: '19.0', protocol_version: 1 };
        if (method === 'login' || method === 'authenticate') {
          const [dbName, login, secret] = args as [string, string, string];
          // A wrong login is an answer (false), not an error.
          const u = users.find((x) => x.login === login && (x.password === secret || x.apiKeys.includes(secret)));
          return dbName === db && u ? u.id : false;
        }
        throw new OdooFault('builtins.NameError', `Method not available ${method}`, 500);
      });
      if (out) 'value' in out ? sendResult(out.value) : sendFault(out.fault);
      return;
    }
    if (service !== 'object' || (method !== 'execute_kw' && method !== 'execute')) {
      sendFault(new OdooFault('builtins.NameError', `Method not available ${method}`, 500));
      return;
    }
    const [, uid, secret, model, fn, ...rest] = args as [string, number, string, string, string, ...unknown[]];
    const posArgs = method === 'execute_kw' ? ((rest[0] as unknown[]) ?? []) : rest;
    const kwargs: Record<string, unknown> = method === 'execute_kw' ? ((rest[1] as Record<string, unknown>) ?? {}) : {};
    const out = await withFault(res, model, fn, () => {
      if (!secret || !userByPassword(Number(uid), secret)) throw accessDenied();
      if (!orm.model(model)) throw userError(`Object ${model} doesn't exist`);
      const env: Env = { orm, uid: Number(uid), context: (kwargs.context as Record<string, unknown>) ?? {} };
      const { context: _c, ...kw } = kwargs;
      return callPositional(env, model, fn, posArgs, kw);
    });
    if (out) 'value' in out ? sendResult(out.value) : sendFault(out.fault);
  }

  async function json2(req: IncomingMessage, res: ServerResponse, model: string, fn: string, body: any): Promise<void> {
    const auth = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const out = await withFault(res, model, fn, () => {
      if (!req.headers.authorization) throw unauthorized('User not authenticated, use an API Key with a Bearer Authorization header.');
      const user = auth && users.find((u) => u.apiKeys.includes(auth[1]!));
      if (!user) throw unauthorized('Invalid apikey');
      if (!orm.model(model)) throw notFound(`the model '${model}' does not exist`);
      const args = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      const env: Env = { orm, uid: user.id, context: (args.context as Record<string, unknown>) ?? {} };
      try {
        return callNamed(env, model, fn, args);
      } catch (e) {
        // json2.py turns get_public_method's AttributeError into a 404.
        if (e instanceof OdooFault && e.pythonName === 'builtins.AttributeError' && e.message.startsWith(`The method '${model}.${fn}'`)) throw notFound(e.message);
        throw e;
      }
    });
    if (!out) return;
    if ('value' in out) json(res, 200, out.value ?? null);
    else json(res, out.fault.httpStatus, serializeFault(out.fault));
  }

  function webhook(res: ServerResponse, uuid: string, body: any): void {
    const rule = orm.rows('base.automation').find((a) => a.trigger === 'on_webhook' && a.webhook_uuid === uuid && a.active !== false);
    if (!rule) return json(res, 404, { status: 'error' });
    const record = body && orm.model(String(body._model)) ? orm.get(String(body._model), Number(body._id)) : undefined;
    json(res, record ? 200 : 500, { status: record ? 'ok' : 'error' });
  }

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers, body });
    try {
      const m2 = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(path);
      const hook = /^\/web\/hook\/([^/]+)$/.exec(path);
      if (req.method === 'POST' && path === '/jsonrpc') await jsonRpc(req, res, body);
      else if (req.method === 'POST' && m2) await json2(req, res, decodeURIComponent(m2[1]!), decodeURIComponent(m2[2]!), body);
      else if (req.method === 'POST' && hook) webhook(res, hook[1]!, body);
      else if (path === '/web/version' || path === '/json/version') json(res, 200, { version_info: VERSION_INFO, version: SERVER_VERSION });
      else json(res, 404, serializeFault(notFound('Did you mean POST /json/2/<model>/<method>?')));
    } catch (e) {
      if (!res.headersSent) json(res, 500, serializeFault(asFault(e)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    db,
    apiKey: users.find((u) => u.admin)?.apiKeys[0] ?? ADMIN_API_KEY,
    orm,
    requests,
    injectFault: (f) => {
      if ((f.times ?? 1) > 0) faults.push({ ...f, left: f.times ?? 1 });
    },
    clearFaults: () => void faults.splice(0),
    asAdmin: (fn) => orm.transaction(() => fn({ orm, uid: 2, context: {} })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
