import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { OutboundRequest } from './outbound-request.js';
import type { AttemptOutcome } from './classify-attempt.js';
import type { ResolvedAddress } from './ssrf-guard.js';

export interface SendResult {
  outcome: AttemptOutcome;
  /** The first bytes of the answer, for the dead-letter row and the operator (never the request). */
  bodySnippet: string;
}

/**
 * Sends one request to the addresses the SSRF check approved: the connection is pinned to them (our
 * own lookup answers), so a DNS answer changing between check and connect cannot move it inward.
 * Redirects are never followed (node:http does not follow them). A timeout covers the whole exchange.
 */
export function sendPinned(req: OutboundRequest, addresses: readonly ResolvedAddress[], timeoutMs: number): Promise<SendResult> {
  const url = new URL(req.url);
  const pinned = addresses[0]!;
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const r = send(
      url,
      { method: req.method, headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, lookup, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 2048) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => done({ outcome: { kind: 'response', status: res.statusCode ?? 0, retryAfter: headerOf(res.headers['retry-after']) }, bodySnippet: Buffer.concat(chunks).toString('utf8').slice(0, 500) }));
        res.on('error', (e: NodeJS.ErrnoException) => done({ outcome: { kind: 'network', code: e.code ?? 'ERESPONSE' }, bodySnippet: '' }));
      },
    );
    const timer = setTimeout(() => {
      r.destroy();
      done({ outcome: { kind: 'timeout' }, bodySnippet: '' });
    }, timeoutMs);
    r.on('error', (e: NodeJS.ErrnoException) => done({ outcome: { kind: 'network', code: e.code ?? 'ERROR' }, bodySnippet: '' }));
    r.end(req.body);
  });
}

function headerOf(v: string | string[] | undefined): string | null {
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}
