import { finding, type Finding } from './finding.js';

/** What walking the audit chain found (the shape of the engine's verifyAuditChain verdict). */
export type AuditChainVerdict =
  | { ok: true; count: number }
  | { ok: false; count: number; firstBadSeq: number; reason: string };

/** A broken chain means an entry was changed, removed or reordered after it was written. */
export function auditChain(v: AuditChainVerdict): Finding[] {
  if (v.ok) return [];
  return [finding('audit_chain', `audit:${v.firstBadSeq}`,
    `the audit chain breaks at entry ${v.firstBadSeq} (${v.reason}); ${v.count} entries verified before it: an entry was changed, removed or reordered`,
    { firstBadSeq: v.firstBadSeq, reason: v.reason, verified: v.count })];
}

/**
 * Dead-lettered events and dead deliveries are warnings: a working store gets them (a poison event, a
 * destination down past its retries), but each is work not done — an order not taken in, a location or
 * ERP not told — until someone replays it.
 */
export function deadWork(deadEvents: number, deadDeliveries: number): Finding[] {
  const out: Finding[] = [];
  if (deadEvents > 0) {
    out.push(finding('dead_letters', 'events', `${deadEvents} events are dead-lettered: not applied; see 'omniops events dead', replay once the cause is fixed`, { count: deadEvents }));
  }
  if (deadDeliveries > 0) {
    out.push(finding('dead_deliveries', 'deliveries', `${deadDeliveries} outbound deliveries are dead: their destination was never told; see 'omniops deliveries dead', replay once it is reachable`, { count: deadDeliveries }));
  }
  return out;
}
