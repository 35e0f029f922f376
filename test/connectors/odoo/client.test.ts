import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OdooAuthError, OdooError, OdooPermanentError, OdooTransientError } from '../../../src/connectors/odoo/errors.js';
import { createJson2Client } from '../../../src/connectors/odoo/json2.js';
import { createJsonRpcClient } from '../../../src/connectors/odoo/jsonrpc.js';
import type { OdooClient } from '../../../src/connectors/odoo/client.js';
import { fakeTarget, makeFixtures, TARGETS, type Fixtures, type Target } from './targets.js';

async function failure(p: Promise<unknown>): Promise<OdooError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OdooError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

for (const t of TARGETS) {
  describe.skipIf(t.skip)(`Odoo client against ${t.name}`, () => {
    let target: Target;
    let fx: Fixtures;
    beforeAll(async () => {
      target = await t.start();
      fx = await makeFixtures(target.json2);
    });
    afterAll(() => target?.close());

    for (const transport of ['json2', 'jsonrpc'] as const) {
      describe(transport, () => {
        const c = (): OdooClient => target[transport];

        it('creates and reads back, many2one as [id, display_name]', async () => {
          const [id] = await c().call<number[]>('res.partner', 'create', { vals_list: [{ name: `child ${transport}`, parent_id: fx.partnerId }] });
          const [row] = await c().call<Record<string, unknown>[]>('res.partner', 'read', { ids: [id!], fields: ['name', 'parent_id'] });
          expect(row).toEqual({ id, name: `child ${transport}`, parent_id: [fx.partnerId, expect.any(String)] });
        });

        it('reads a missing id as an empty list, not an error', async () => {
          expect(await c().call('sale.order', 'read', { ids: [99999999], fields: ['name'] })).toEqual([]);
        });

        it('returns null for a method that returns None (JSON-RPC: no result key)', async () => {
          const [wh] = await c().call<{ lot_stock_id: [number, string] }[]>('stock.warehouse', 'search_read', { domain: [], fields: ['lot_stock_id'], limit: 1 });
          const [q] = await c().call<number[]>('stock.quant', 'create', {
            vals_list: [{ product_id: fx.productId, location_id: wh!.lot_stock_id[0], inventory_quantity: 10 }],
            context: { inventory_mode: true },
          });
          expect(await c().call('stock.quant', 'action_apply_inventory', { ids: [q!] })).toBeNull();
        });

        it('ValidationError is permanent, with Odoo name and message kept', async () => {
          const e = await failure(c().call('res.partner', 'write', { ids: [fx.partnerId], vals: { parent_id: fx.partnerId } }));
          expect(e).toBeInstanceOf(OdooPermanentError);
          expect(e.exceptionName).toBe('odoo.exceptions.ValidationError');
          expect(e.odooMessage).toBe('You cannot create recursive Partner hierarchies.');
          expect(e.httpStatus).toBe(transport === 'json2' ? 422 : 200);
          expect(e.model).toBe('res.partner');
          expect(e.method).toBe('write');
        });

        it('UserError (deleting a confirmed order) is permanent', async () => {
          const [so] = await c().call<number[]>('sale.order', 'create', {
            vals_list: [{ partner_id: fx.partnerId, warehouse_id: fx.warehouseId, order_line: [[0, 0, { product_id: fx.productId, product_uom_qty: 1 }]] }],
          });
          await c().call('sale.order', 'action_confirm', { ids: [so!] });
          const e = await failure(c().call('sale.order', 'unlink', { ids: [so!] }));
          expect(e).toBeInstanceOf(OdooPermanentError);
          expect(e.exceptionName).toBe('odoo.exceptions.UserError');
          expect(e.odooMessage).toMatch(/confirmed sales order/);
        });

        it('MissingError (write on a missing id) is permanent', async () => {
          const e = await failure(c().call('sale.order', 'write', { ids: [99999999], vals: { note: 'x' } }));
          expect(e).toBeInstanceOf(OdooPermanentError);
          expect(e.exceptionName).toBe('odoo.exceptions.MissingError');
          expect(e.odooMessage).toMatch(/^Record does not exist or has been deleted\.\n\(Record: sale\.order\(99999999,\), User: \d+\)$/);
          if (transport === 'json2') expect(e.httpStatus).toBe(404);
        });

        it('an unknown method is permanent (JSON-2: NotFound 404, JSON-RPC: AttributeError)', async () => {
          const e = await failure(c().call('sale.order', 'no_such_method', { ids: [1] }));
          expect(e).toBeInstanceOf(OdooPermanentError);
          expect(e.exceptionName).toBe(transport === 'json2' ? 'werkzeug.exceptions.NotFound' : 'builtins.AttributeError');
          expect(e.odooMessage).toBe("The method 'sale.order.no_such_method' does not exist");
        });

        it('a private method is refused with a permanent AccessError', async () => {
          const e = await failure(c().call('sale.order', '_action_confirm', { ids: [1] }));
          expect(e).toBeInstanceOf(OdooPermanentError);
          expect(e.exceptionName).toBe('odoo.exceptions.AccessError');
        });

        it('an unknown model is permanent', async () => {
          const e = await failure(c().call('no.such.model', 'search', { domain: [] }));
          expect(e).toBeInstanceOf(OdooPermanentError);
          if (transport === 'json2') {
            expect([e.exceptionName, e.httpStatus]).toEqual(['werkzeug.exceptions.NotFound', 404]);
          } else {
            expect([e.exceptionName, e.odooMessage]).toEqual(['odoo.exceptions.UserError', "Object no.such.model doesn't exist"]);
          }
        });

        it('a wrong API key is an auth failure, not permanent or transient', async () => {
          const e = await failure(target.wrongKey[transport].call('res.partner', 'search_count', { domain: [] }));
          expect(e).toBeInstanceOf(OdooAuthError);
          expect(e.exceptionName).toBe(transport === 'json2' ? 'werkzeug.exceptions.Unauthorized' : 'login.refused');
        });
      });
    }

    it('JSON-RPC: login answers false for wrong credentials, which the client turns into an auth failure', async () => {
      await expect(target.wrongKey.jsonrpc.login()).rejects.toBeInstanceOf(OdooAuthError);
      expect(await target.jsonrpc.login()).toBeGreaterThan(0);
    });

    it('JSON-RPC: execute_kw with a known uid but wrong key is AccessDenied → auth', async () => {
      const uid = await target.jsonrpc.login();
      const url = t.name.startsWith('fake') ? target.fake!.url : process.env.ODOO_URL!;
      const db = t.name.startsWith('fake') ? target.fake!.db : process.env.ODOO_DB!;
      const c = createJsonRpcClient({ url, database: db, login: 'admin', apiKey: 'wrong', uid });
      const e = await failure(c.call('res.partner', 'search_count', { domain: [] }));
      expect(e).toBeInstanceOf(OdooAuthError);
      expect(e.exceptionName).toBe('odoo.exceptions.AccessDenied');
    });
  });
}

describe('Odoo client against injected faults (fake only)', () => {
  let target: Target;
  beforeAll(async () => {
    target = await fakeTarget();
  });
  afterAll(() => target.close());
  afterEach(() => target.fake!.clearFaults());

  it('JSON-2 sends the bearer key and the database header', async () => {
    await target.json2.call('res.partner', 'search_count', { domain: [] });
    const last = target.fake!.requests.at(-1)!;
    expect(last.path).toBe('/json/2/res.partner/search_count');
    expect(last.headers.authorization).toBe(`bearer ${target.fake!.apiKey}`);
    expect(last.headers['x-odoo-database']).toBe(target.fake!.db);
    expect(last.body).toEqual({ domain: [] });
  });

  it('JSON-RPC moves ids to positional argument 0 and keeps the rest as kwargs', async () => {
    await target.jsonrpc.call('res.partner', 'read', { ids: [15], fields: ['name'] });
    const body = target.fake!.requests.at(-1)!.body as { params: { service: string; method: string; args: unknown[] } };
    expect(body.params.service).toBe('object');
    expect(body.params.method).toBe('execute_kw');
    expect(body.params.args.slice(3)).toEqual(['res.partner', 'read', [[15]], { fields: ['name'] }]);
  });

  for (const transport of ['json2', 'jsonrpc'] as const) {
    describe(transport, () => {
      const call = () => target[transport].call('res.partner', 'search_count', { domain: [] });

      it('SerializationFailure is transient and keeps the psycopg2 name and message', async () => {
        target.fake!.injectFault({ kind: 'serialization' });
        const e = await failure(call());
        expect(e).toBeInstanceOf(OdooTransientError);
        expect(e.exceptionName).toBe('psycopg2.errors.SerializationFailure');
        expect(e.odooMessage).toBe('could not serialize access due to concurrent update\n');
        expect(e.httpStatus).toBe(transport === 'json2' ? 500 : 200);
        expect(await call()).toBeGreaterThan(0); // one fault only: the next call passes
      });

      it('LockError is transient (JSON-2: 409)', async () => {
        target.fake!.injectFault({ kind: 'lock' });
        const e = await failure(call());
        expect(e).toBeInstanceOf(OdooTransientError);
        expect(e.exceptionName).toBe('odoo.exceptions.LockError');
        if (transport === 'json2') expect(e.httpStatus).toBe(409);
      });

      it('a 502 from a proxy is transient; a 404 page is permanent', async () => {
        target.fake!.injectFault({ kind: 'status', status: 502 });
        const e = await failure(call());
        expect(e).toBeInstanceOf(OdooTransientError);
        expect([e.exceptionName, e.httpStatus]).toEqual(['http.502', 502]);
        target.fake!.injectFault({ kind: 'status', status: 404 });
        expect(await failure(call())).toBeInstanceOf(OdooPermanentError);
      });

      it('a 429 without Retry-After is transient, with no invented delay', async () => {
        target.fake!.injectFault({ kind: 'status', status: 429 });
        const e = await failure(call());
        expect(e).toBeInstanceOf(OdooTransientError);
        expect(e.retryAfterMs).toBeUndefined();
      });

      it('a connection reset is transient', async () => {
        target.fake!.injectFault({ kind: 'reset' });
        const e = await failure(call());
        expect(e).toBeInstanceOf(OdooTransientError);
        expect(e.exceptionName).toMatch(/^network\./);
      });

      it('a timeout is transient', async () => {
        const f = target.fake!;
        const slow = transport === 'json2'
          ? createJson2Client({ url: f.url, database: f.db, apiKey: f.apiKey, timeoutMs: 50 })
          : createJsonRpcClient({ url: f.url, database: f.db, login: 'admin', apiKey: f.apiKey, uid: 2, timeoutMs: 50 });
        f.injectFault({ kind: 'delay', ms: 300 });
        const e = await failure(slow.call('res.partner', 'search_count', { domain: [] }));
        expect(e).toBeInstanceOf(OdooTransientError);
        expect(e.exceptionName).toBe('timeout');
      });
    });
  }
});
