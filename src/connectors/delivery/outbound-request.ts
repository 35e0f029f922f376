import { signBody, signatureHeader, SIGNATURE_HEADER } from '../../domain/security/signature.js';

export interface OutboundInput {
  url: string;
  /** Serialized once here; the signature covers these exact bytes. */
  payload: unknown;
  /** Current secret first; during a rotation also the previous one, so receivers on either secret accept. */
  secrets: readonly string[];
  /** The outbox row id: the same on every retry of the same effect, so receivers can drop duplicates. */
  outboxRowId: string;
  /** The attempt time: re-signed per attempt so receivers' staleness window never rejects a late retry. */
  nowUnixSeconds: number;
  userAgent: string;
}

export interface OutboundRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function buildOutboundRequest(i: OutboundInput): OutboundRequest {
  if (i.secrets.length === 0) throw new Error('buildOutboundRequest: at least one signing secret is required');
  const body = JSON.stringify(i.payload);
  return {
    url: i.url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': i.userAgent,
      [IDEMPOTENCY_HEADER]: i.outboxRowId,
      [SIGNATURE_HEADER]:
        i.secrets.length === 1 ? signBody(i.secrets[0]!, body, i.nowUnixSeconds) : signatureHeader([...i.secrets], body, i.nowUnixSeconds),
    },
    body,
  };
}
