import type { OdooClient, OdooKwargs } from './client.js';
import { classifyHttpStatus, classifyOdooException } from './classify.js';
import { OdooAuthError, odooError, OdooPermanentError } from './errors.js';
import { parseJson, postJson } from './http.js';

export interface JsonRpcConfig {
  url: string;
  database: string;
  login: string;
  /** Password or API key: Odoo accepts either in execute_kw's third argument. */
  apiKey: string;
  /** Skips `common.login` when known. */
  uid?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface JsonRpcClient extends OdooClient {
  /** `common.login`: the uid, or an OdooAuthError when Odoo answers `false` (its way of saying "wrong credentials"). */
  login(): Promise<number>;
  /** Raw execute_kw with positional args, for the few methods that need them. */
  executeKw<T = unknown>(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<T>;
}

/**
 * The legacy `/jsonrpc` endpoint (deprecated in 19, removed in 20): always HTTP 200 with the failure in
 * `error.data.name`; a method returning None answers with no `result` key at all.
 */
export function createJsonRpcClient(cfg: JsonRpcConfig): JsonRpcClient {
  const base = cfg.url.replace(/\/+$/, '');
  let nextId = 1;
  let uid: Promise<number> | undefined = cfg.uid !== undefined ? Promise.resolve(cfg.uid) : undefined;

  async function rpc<T>(service: string, method: string, args: unknown[], model?: string, fn?: string): Promise<T> {
    const id = nextId++;
    const ans = await postJson(`${base}/jsonrpc`, { jsonrpc: '2.0', method: 'call', params: { service, method, args }, id }, {}, {
      timeoutMs: cfg.timeoutMs ?? 30_000, fetch: cfg.fetch ?? fetch, transport: 'jsonrpc', model, method: fn, now: cfg.now ?? Date.now,
    });
    const detail = { transport: 'jsonrpc' as const, httpStatus: ans.status, model, method: fn, retryAfterMs: ans.retryAfterMs };
    const parsed = parseJson(ans.text);
    if (ans.status !== 200 || !parsed.ok) {
      // Odoo itself never answers non-200 here: this is a proxy, or not Odoo at all.
      const kind = ans.status === 200 ? 'permanent' : classifyHttpStatus(ans.status);
      throw odooError(kind, { ...detail, exceptionName: ans.status === 200 ? 'protocol.not_json' : `http.${ans.status}`, odooMessage: ans.text.slice(0, 200) });
    }
    const env = parsed.value as { id?: unknown; result?: unknown; error?: { code?: number; message?: string; data?: { name?: string; message?: string } } };
    if (env?.id !== id) throw new OdooPermanentError({ ...detail, exceptionName: 'protocol.id_mismatch', odooMessage: `sent id ${id}, got ${String(env?.id)}` });
    if (env.error) {
      const name = env.error.data?.name;
      const message = env.error.data?.message ?? env.error.message ?? '';
      if (env.error.code === 100) throw new OdooAuthError({ ...detail, exceptionName: name ?? 'odoo.http.SessionExpiredException', odooMessage: message });
      if (!name) throw odooError(env.error.code === 404 ? 'permanent' : 'transient', { ...detail, exceptionName: `jsonrpc.${env.error.code}`, odooMessage: message });
      throw odooError(classifyOdooException(name), { ...detail, exceptionName: name, odooMessage: message });
    }
    // No `result` key = the method returned None.
    return ('result' in env ? env.result : null) as T;
  }

  async function login(): Promise<number> {
    const r = await rpc<number | false>('common', 'login', [cfg.database, cfg.login, cfg.apiKey]);
    if (typeof r !== 'number') {
      throw new OdooAuthError({ transport: 'jsonrpc', exceptionName: 'login.refused', odooMessage: `common.login returned ${JSON.stringify(r)} (wrong login, database or key)` });
    }
    return r;
  }

  async function executeKw<T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> {
    if (!uid) uid = login().catch((e) => {
      uid = undefined; // a failed login must not poison later attempts
      throw e;
    });
    return rpc<T>('object', 'execute_kw', [cfg.database, await uid, cfg.apiKey, model, method, args, kwargs], model, method);
  }

  return {
    transport: 'jsonrpc',
    login,
    executeKw,
    call<T>(model: string, method: string, kwargs: OdooKwargs = {}): Promise<T> {
      const { ids, ...rest } = kwargs;
      // Record methods take the ids positionally; everything else binds by name.
      return executeKw<T>(model, method, ids !== undefined ? [ids] : [], rest);
    },
  };
}
