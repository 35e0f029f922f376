import { createHash } from 'node:crypto';
import type { HandlerContext } from '../dispatch/handler.js';
import { canMoveCase, type ReturnCaseState } from '../../domain/returns/case-state.js';
import { saveReturnCase, type ReturnCaseRecord } from '../../store/repos/returns.js';

/** A case named by the channel's return reference is found again when the request is resent. */
export function caseIdFor(source: string, externalReturnId: string): string {
  return `ret_${createHash('sha256').update(`${source}\u0000${externalReturnId}`).digest('hex').slice(0, 24)}`;
}

/** One refund per case, named by it: a second request for the same case finds the same row. */
export function refundIdFor(caseId: string): string {
  return `rfd_${createHash('sha256').update(caseId).digest('hex').slice(0, 24)}`;
}

export const caseSubject = (caseId: string) => `return:${caseId}`;
/** A supplier claim's subject (its audit entries, an item about its answer). */
export const claimSubject = (claimId: string) => `supplier-claim:${claimId}`;

/** Moves a case along SPEC §4; a move the table does not allow throws (retried, then dead-lettered, never forced). */
export function moveCase(h: HandlerContext, c: ReturnCaseRecord, to: ReturnCaseState, note?: string): void {
  const from = c.state;
  if (from === to) return;
  if (!canMoveCase(from, to)) throw new Error(`return case ${c.id}: ${from} → ${to} is not allowed`);
  c.state = to;
  c.doc.history.push({ at: h.decision.now, from, to, eventId: h.event.id, ...(note ? { note } : {}) });
  h.audit({ action: 'return.state_changed', subject: caseSubject(c.id), before: { state: from }, after: { state: to }, ...(note ? { detail: { note } } : {}) });
}

/** A step that changes nothing but must be explained (a late duplicate, a refused action). */
export function noteCase(h: HandlerContext, c: ReturnCaseRecord, note: string): void {
  c.doc.history.push({ at: h.decision.now, from: c.state, to: c.state, eventId: h.event.id, note });
}

export async function persistCase(h: HandlerContext, c: ReturnCaseRecord): Promise<void> {
  await saveReturnCase(h.tx, c, new Date(h.decision.now).toISOString());
}

/** Who asked, as the approval engine's segregation of duties sees it. */
export function requesterOf(h: HandlerContext): string {
  return h.event.actor ?? `source:${h.event.source}`;
}

export function policyVersionOf(policy: object): string {
  return String((policy as { version?: unknown }).version ?? 'default');
}
