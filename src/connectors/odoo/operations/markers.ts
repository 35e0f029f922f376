/**
 * Odoo has no idempotency key on create, and `client_order_ref` is free text that people reuse.
 * So every record omniops creates carries a marker naming the omniops entity it stands for, in a
 * field staff do not normally edit (`origin` / `ref`). Looking for the marker before creating is
 * what makes a retried push create nothing new.
 */
export type MarkedKind = 'order' | 'purchase' | 'refund' | 'supplier_credit';

export function omniopsMarker(kind: MarkedKind, id: string): string {
  if (!id || /\s/.test(id)) throw new Error(`omniopsMarker: invalid ${kind} id ${JSON.stringify(id)}`);
  return `omniops:${kind}:${id}`;
}

/** Money leaves and enters as major units rounded to cents (project convention). */
export const cents = (x: number): number => Math.round((x + Math.sign(x) * 1e-9) * 100) / 100;
