import { OdooTransientError, type OdooTransportName } from './errors.js';
import { parseRetryAfter } from '../delivery/backoff.js';

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfterMs?: number;
}

export interface HttpOptions {
  timeoutMs: number;
  fetch: typeof fetch;
  transport: OdooTransportName;
  model?: string;
  method?: string;
  now: () => number;
}

/**
 * One POST. A failure to get any answer (reset, refused, DNS, timeout) is transient: the call may or
 * may not have run on the server, which is why operations above it must be idempotent.
 */
export async function postJson(url: string, body: unknown, headers: Record<string, string>, o: HttpOptions): Promise<HttpAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await o.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    const { name, message } = networkCause(e);
    throw new OdooTransientError({ exceptionName: name, odooMessage: message, transport: o.transport, model: o.model, method: o.method });
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), o.now()) ?? undefined;
  return { status: res.status, text, retryAfterMs };
}

function networkCause(e: unknown): { name: string; message: string } {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return { name: 'timeout', message: err.message ?? 'timed out' };
  const code = err?.cause?.code;
  return { name: `network.${code ?? 'error'}`, message: err?.cause?.message ?? err?.message ?? String(e) };
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
