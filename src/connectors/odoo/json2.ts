import type { OdooClient, OdooKwargs } from './client.js';
import { classifyHttpStatus, classifyOdooException } from './classify.js';
import { odooError } from './errors.js';
import { parseJson, postJson } from './http.js';

export interface Json2Config {
  /** Base URL, e.g. https://erp.example.com (no trailing path). */
  url: string;
  /** Sent as X-Odoo-Database; needed when the server hosts several databases without a dbfilter. */
  database?: string;
  apiKey: string;
  timeoutMs?: number;
  userAgent?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>`, bearer API key, kwargs as the body,
 * real HTTP statuses, errors as Odoo's bare `serialize_exception` dict.
 */
export function createJson2Client(cfg: Json2Config): OdooClient {
  const base = cfg.url.replace(/\/+$/, '');
  return {
    transport: 'json2',
    async call<T>(model: string, method: string, kwargs: OdooKwargs = {}): Promise<T> {
      const headers: Record<string, string> = { authorization: `bearer ${cfg.apiKey}` };
      if (cfg.database) headers['x-odoo-database'] = cfg.database;
      if (cfg.userAgent) headers['user-agent'] = cfg.userAgent;
      const ans = await postJson(`${base}/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`, kwargs, headers, {
        timeoutMs: cfg.timeoutMs ?? 30_000, fetch: cfg.fetch ?? fetch, transport: 'json2', model, method, now: cfg.now ?? Date.now,
      });
      const parsed = parseJson(ans.text);
      if (ans.status === 200 && parsed.ok) return parsed.value as T;
      const body = parsed.ok ? (parsed.value as { name?: unknown; message?: unknown } | null) : null;
      const detail = { transport: 'json2' as const, httpStatus: ans.status, model, method, retryAfterMs: ans.retryAfterMs };
      if (body && typeof body.name === 'string') {
        throw odooError(classifyOdooException(body.name, ans.status), { ...detail, exceptionName: body.name, odooMessage: String(body.message ?? '') });
      }
      // Not Odoo speaking (a proxy page, a redirect to a login page): only the status is left.
      const kind = ans.status === 200 ? 'permanent' : classifyHttpStatus(ans.status);
      throw odooError(kind, { ...detail, exceptionName: ans.status === 200 ? 'protocol.not_json' : `http.${ans.status}`, odooMessage: ans.text.slice(0, 200) });
    },
  };
}
