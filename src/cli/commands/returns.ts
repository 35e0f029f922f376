import type { Command } from 'commander';
import type { App } from '../../app.js';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { settle } from '../settle.js';
import { DomainError } from '../../domain/errors.js';
import type { Actor } from '../../engine/audit/audited.js';
import { owedFigures, owedItemState, settleOwedItem, type OwedOutcome } from '../../domain/returns/owed-settled.js';
import { owedSettlementBody } from '../../domain/returns/events.js';
import { schemaError } from '../../engine/intake/intake.js';
import { returnCaseById, supplierClaimById } from '../../store/repos/returns.js';
import { Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { claimAnswerBody, creditAboveClaim, sameAnswer, type ClaimAnswer } from '../../domain/returns/claim-answer.js';
import { claimView } from '../../api/routes/supplier-claims.js';

type SettleFlags = StoreFlags & { paid?: string; notPaid?: string; note?: string };

/**
 * What `returns settle-owed` does, without the terminal: the same event the API's settle route sends
 * (`refund.owed_settled`), judged first as the route judges it, processed by this process's dispatcher.
 * Keyed by case, item and outcome: the same command run twice is one event (the second finds it).
 * `processed` waits for the event (this process's dispatcher, by default).
 */
export async function settleOwedFromCli(app: App, actor: Actor, caseId: string, exceptionId: string, outcome: OwedOutcome, processed: (ids: string[]) => Promise<unknown> = (ids) => settle(app, ids)) {
  const body = owedSettlementBody.safeParse(outcome);
  if (!body.success) throw schemaError(body.error, '');
  const c = await returnCaseById(app.store.read, caseId);
  if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${caseId}`);
  const sourceEventId = `owed:${caseId}:${exceptionId}:${outcome.outcome}`;
  const repeat = await app.store.read.get<{ id: string }>(`SELECT id FROM events WHERE source = 'cli' AND source_event_id = ?`, [sourceEventId]);
  if (!repeat) {
    const check = settleOwedItem(c.doc.refundOwed, exceptionId, body.data, actor.id, { now: 0, eventId: 'precheck' });
    if (!check.ok) throw new DomainError(check.code, `return case ${caseId}: ${check.message}`);
  }
  const r = await app.intake.submit(
    { source: 'cli', sourceEventId, type: 'refund.owed_settled', occurredAt: new Date(app.clock()).toISOString(), payload: { caseId, exceptionId, ...body.data } },
    { actor: actor.id, actorRole: actor.role },
  );
  if (!r.ok) throw r.error;
  await processed([r.eventId]);
  const after = (await returnCaseById(app.store.read, caseId))!;
  const item = after.doc.refundOwed?.items.find((i) => i.exceptionId === exceptionId);
  if (item?.settledEventId !== r.eventId) throw new DomainError('E_INVALID_STATE', `the outcome was not recorded (see the audit trail of return:${caseId})`, { detail: { eventId: r.eventId } });
  return { eventId: r.eventId, caseId, exceptionId, state: owedItemState(item), payable: item.payable, reference: item.reference ?? null, reason: item.reason ?? null, ...owedFigures(after.doc.refundOwed) };
}

type AnswerFlags = StoreFlags & { accepted?: boolean; rejected?: boolean; credit?: string; creditNote?: string; reason?: string };

/**
 * What `returns answer-claim` does, without the terminal: the supplier's answer recorded as the API's
 * answer route records it (`supplier.claim_answered`, judged first as the route judges it: a credit
 * above the claim is E_SCHEMA, another answer to an answered claim E_INVALID_STATE; the same answer
 * again is taken and changes nothing), processed by this process's dispatcher.
 */
export async function answerClaimFromCli(app: App, actor: Actor, claimId: string, answer: ClaimAnswer, processed: (ids: string[]) => Promise<unknown> = (ids) => settle(app, ids)) {
  const body = claimAnswerBody.safeParse(answer);
  if (!body.success) throw schemaError(body.error, '');
  const c = await supplierClaimById(app.store.read, claimId);
  if (!c) throw new DomainError('E_NOT_FOUND', `no supplier claim ${claimId}`);
  const a = body.data;
  if (a.outcome === 'accepted' && creditAboveClaim(a.creditAmount, c.amount)) {
    throw new DomainError('E_SCHEMA', `--credit ${a.creditAmount} is above the claim's ${c.amount}`, { issues: [{ path: '--credit', message: `at most ${c.amount}` }] });
  }
  const said = { outcome: a.outcome, ...(a.outcome === 'accepted' ? { creditAmount: a.creditAmount } : {}), ...(a.creditNoteRef ? { creditNoteRef: a.creditNoteRef } : {}), ...(a.reason ? { reason: a.reason } : {}) };
  if (c.state !== 'open' && !(c.doc.answer && sameAnswer(c.doc.answer, said))) throw new DomainError('E_INVALID_STATE', `supplier claim ${c.id} is already ${c.state}: another answer is refused`);
  const r = await app.intake.submit(
    { source: 'cli', sourceEventId: `claim-answer:${c.id}:${randomUUID()}`, type: 'supplier.claim_answered', occurredAt: new Date(app.clock()).toISOString(), payload: { claimId: c.id, ...a } },
    { actor: actor.id, actorRole: actor.role },
  );
  if (!r.ok) throw r.error;
  await processed([r.eventId]);
  const after = (await supplierClaimById(app.store.read, c.id))!;
  if (after.state !== a.outcome) throw new DomainError('E_INVALID_STATE', `the answer was not recorded (see the audit trail of supplier-claim:${c.id})`, { detail: { eventId: r.eventId } });
  return { ...claimView(after), eventId: r.eventId };
}

/** The command line's answer: --accepted --credit <amount> [--credit-note] or --rejected --reason (both or neither: E_USAGE). */
function answerOf(flags: AnswerFlags): ClaimAnswer {
  const usage = (message: string) => new DomainError('E_USAGE', message, { issues: [{ path: '--accepted', message }] });
  if (!flags.accepted && !flags.rejected) throw usage('give --accepted --credit <amount> or --rejected --reason <text>');
  if (flags.accepted) {
    if (flags.credit === undefined) throw usage('--accepted needs --credit <amount>');
    // An amount in cents at most, as a credit note states it; the claim's own bound is checked against the claim.
    if (!/^\d{1,9}(\.\d{1,2})?$/.test(flags.credit.trim())) throw new DomainError('E_SCHEMA', `--credit: an amount like 12.50 (got '${flags.credit}')`, { issues: [{ path: '--credit', message: 'an amount' }] });
    const credit = Number(flags.credit.trim());
    return { outcome: 'accepted', creditAmount: credit, ...(flags.creditNote ? { creditNoteRef: flags.creditNote } : {}), ...(flags.reason ? { reason: flags.reason } : {}) };
  }
  if (flags.credit !== undefined) throw usage('--credit goes with --accepted');
  if (flags.reason === undefined) throw usage('--rejected needs --reason <text>');
  return { outcome: 'rejected', reason: flags.reason, ...(flags.creditNote ? { creditNoteRef: flags.creditNote } : {}) };
}

/** `omniops returns …`: what finance was told a return case is owed on top, and recording what became of it. */
export function registerReturns(program: Command): void {
  const cmd = program.command('returns').description('return cases: top-ups finance was told to pay by hand, supplier answers to warranty claims');

  addStoreOptions(cmd.command('owed <caseId>').description('what finance was told the case is owed on top, item by item, and what became of each')).action(async (caseId: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const c = await returnCaseById(app.store.read, caseId);
      if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${caseId}`);
      const items = (c.doc.refundOwed?.items ?? []).map((i) => ({ exceptionId: i.exceptionId, payable: i.payable, state: owedItemState(i), reference: i.reference ?? '', reason: i.reason ?? '', settledBy: i.settledBy ?? '' }));
      print(Boolean(flags.json), { caseId, currency: c.doc.currency, ...owedFigures(c.doc.refundOwed), items }, () => table(items, ['exceptionId', 'payable', 'state', 'reference', 'reason', 'settledBy']));
    });
  });

  addStoreOptions(
    cmd.command('settle-owed <caseId> <exceptionId>')
      .description('record a top-up as paid by hand (--paid <reference>) or not paid (--not-paid <reason>), as the CLI operator (role admin)')
      .option('--paid <reference>', 'paid by hand: the payment\'s reference')
      .option('--not-paid <reason>', 'finance will not pay it: why (the hold is released)')
      .option('--note <text>', 'a note to a payment'),
  ).action(async (caseId: string, exceptionId: string, flags: SettleFlags) => {
    await withApp(flags, async (app) => {
      if ((flags.paid === undefined) === (flags.notPaid === undefined)) throw new DomainError('E_SCHEMA', 'give --paid <reference> or --not-paid <reason>', { issues: [{ path: '--paid', message: 'one of --paid or --not-paid' }] });
      const outcome: OwedOutcome = flags.paid !== undefined ? { outcome: 'paid', reference: flags.paid, ...(flags.note ? { reason: flags.note } : {}) } : { outcome: 'not_paid', reason: flags.notPaid! };
      const out = await settleOwedFromCli(app, cliActor(), caseId, exceptionId, outcome);
      print(Boolean(flags.json), out, () => `return case ${caseId}: item ${exceptionId} ${out.state.replace('_', ' ')} (${out.payable}); held ${out.held}, waived ${out.waived}`);
    });
  });

  addStoreOptions(
    cmd.command('answer-claim <claimId>')
      .description('record a supplier\'s answer to a warranty claim, as the CLI operator (role admin): accepted with a credit (the case closes) or rejected with a reason')
      .addOption(new Option('--accepted', 'the supplier accepted the claim (needs --credit)').conflicts('rejected'))
      .addOption(new Option('--rejected', 'the supplier refused the claim (needs --reason)').conflicts(['accepted', 'credit']))
      .option('--credit <amount>', 'what the supplier credits, at most the claim\'s amount')
      .option('--credit-note <ref>', 'the supplier\'s credit note number')
      .option('--reason <text>', 'why the supplier refused (or a note to an acceptance)'),
  ).action(async (claimId: string, flags: AnswerFlags) => {
    await withApp(flags, async (app) => {
      const out = await answerClaimFromCli(app, cliActor(), claimId, answerOf(flags));
      print(Boolean(flags.json), out, () => `supplier claim ${out.id} (case ${out.caseId}, ${out.supplierId}, ${out.amount}): ${out.state}${out.answer?.creditAmount != null ? `, credit ${out.answer.creditAmount}` : ''}${out.answer?.reason ? ` — ${out.answer.reason}` : ''}`);
    });
  });
}
