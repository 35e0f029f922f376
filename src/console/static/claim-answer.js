import { h, fill, fmt, toast } from './lib.js';
import { api, session } from './api.js';

// ── A supplier's answer to a warranty claim ─────────────────────────────────────────────────────
// Shared by the return case's *Supplier claim* panel and the *Supplier claims* screen, so both record
// the answer the same way (docs/ai.md, "The supplier answers a claim").

export const ANSWER_CLAIM = 'POST /v1/supplier-claims/{id}/answer';
/** One claim on the Supplier claims screen (claims.js): the return case's panel links to it for the roles that read it. */
export const CLAIM_ROUTE = 'GET /v1/supplier-claims/{id}';

/** The supplier's answer in words: "accepted: credit €90.00 (CN-2031)" or "rejected: worn, not broken". */
export function answerText(a, money) {
  if (!a) return 'none yet';
  return a.outcome === 'accepted'
    ? `accepted: credit ${money(a.creditAmount)}${a.creditNoteRef ? ` (${a.creditNoteRef})` : ''}`
    : `rejected: ${a.reason ?? ''}${a.creditNoteRef ? ` (${a.creditNoteRef})` : ''}`;
}

/**
 * Answers someone else recorded while this person was deciding (a 409), by claim id: kept across the
 * screen's fresh read, which then shows the answer that won — on the form, in place of the buttons —
 * instead of a refusal telling the person to open the claim again. Shown once.
 */
const answeredMeanwhile = new Map();

/** The answer that won over this person's, from the claim read again after the 409. */
function answeredMeanwhileBanner(claim, tried, money) {
  const a = claim.answer;
  return h('div.banner.warn.claim-answered-meanwhile', { role: 'status' },
    h('span.code', tried.code ?? 'E_INVALID_STATE'),
    h('strong', 'Answered meanwhile: yours was not recorded. '),
    a ? [h('span.claim-winning-answer', answerText(a, money)), h('span.faint', ` — told ${fmt.time(a.answeredAt)}, recorded ${fmt.time(a.recordedAt ?? a.answeredAt)} by ${a.by ?? 'someone else'}`)] : h('span', `The claim is ${claim.state} now.`),
    h('div.faint', `You tried: ${tried.outcome === 'accepted' ? `accepted, credit ${money(tried.creditAmount)}` : `rejected: ${tried.reason}`}. To change the answer, sort it out with the supplier: an answered claim takes no other.`));
}

/**
 * A refusal as the API said it, kept on the form (a toast goes away before a buyer has read which
 * field was wrong): its code, detail and each field's message — "creditAmount: at most 120".
 */
function refusal(err) {
  const fields = (err.errors ?? []).filter((e) => e && e.message);
  return h('div.banner.bad.problem.claim-refusal', { role: 'alert' },
    h('span.code', err.code ?? 'ERROR'), err.detail || err.message || String(err),
    err.status === 409 ? h('div', 'The claim was answered meanwhile: it could not be read again, open it again to see the answer.') : null,
    fields.length ? h('ul.claim-refusal-fields', fields.map((e) => h('li', e.path ? [h('span.mono', e.path), `: ${e.message}`] : e.message))) : null);
}

/** Records the answer; one key per click, so a lost answer's retry is answered as the first. */
async function record(btn, claim, body, result, onDone) {
  btn.disabled = true;
  fill(result);
  try {
    await api('POST', `/v1/supplier-claims/${encodeURIComponent(claim.id)}/answer`, body, { idempotencyKey: `answer-${claim.id}-${Date.now().toString(36)}` });
    toast('success', body.outcome === 'accepted' ? 'Claim accepted' : 'Claim rejected', body.outcome === 'accepted' ? `credit ${body.creditAmount}` : body.reason);
    onDone();
  } catch (err) {
    btn.disabled = false;
    toast('error', 'Answer not recorded', err.detail, err.code);
    if (err.status === 409 && err.code === 'E_INVALID_STATE') {
      // Someone answered first: the screen reads the claim again and shows the answer that won.
      answeredMeanwhile.set(claim.id, { code: err.code, ...body });
      return onDone();
    }
    fill(result, refusal(err));
  }
}

/**
 * *Record supplier answer* for an open claim and a role that may answer (else null): accepted with a
 * credit (asked, at most the claim; the API judges the bound) and an optional credit note number, or
 * rejected with a reason. `money` formats amounts in the case's currency.
 */
export function claimAnswerForm(claim, { money = (x) => fmt.money(x), onDone }) {
  const tried = answeredMeanwhile.get(claim.id);
  if (tried && claim.state !== 'open') {
    answeredMeanwhile.delete(claim.id);
    return h('div.claim-answer', answeredMeanwhileBanner(claim, tried, money));
  }
  if (claim.state !== 'open' || !session.can(ANSWER_CLAIM)) return null;
  const result = h('div.claim-answer-result');
  // Read again still open (the answer that won is not in this read yet): the refusal, as before.
  if (tried) {
    answeredMeanwhile.delete(claim.id);
    fill(result, refusal({ status: 409, code: tried.code, detail: `claim ${claim.id} was answered meanwhile` }));
  }
  return h('div.claim-answer', h('h3', 'Record supplier answer'),
    h('button.claim-accepted', {
      async onclick(e) {
        const btn = e.currentTarget;
        const credit = prompt(`Supplier ${claim.supplierId} accepted claim ${claim.id}: what does it credit (at most ${money(claim.amount)})?`, String(claim.amount));
        if (credit === null) return;
        const amount = Number(credit.replace(',', '.'));
        if (!(amount > 0)) return toast('error', 'Not recorded', 'A credit above 0 is needed.');
        const ref = prompt('The supplier\'s credit note number (optional):', '');
        if (ref === null) return;
        await record(btn, claim, { outcome: 'accepted', creditAmount: amount, ...(ref.trim() ? { creditNoteRef: ref.trim() } : {}) }, result, onDone);
      },
    }, 'Accepted, with a credit…'), ' ',
    h('button.claim-rejected', {
      async onclick(e) {
        const btn = e.currentTarget;
        const reason = prompt(`Supplier ${claim.supplierId} rejected claim ${claim.id}: why? (A person then decides what the customer gets.)`);
        if (reason === null) return;
        if (!reason.trim()) return toast('error', 'Not recorded', 'A reason is needed.');
        await record(btn, claim, { outcome: 'rejected', reason: reason.trim() }, result, onDone);
      },
    }, 'Rejected…'),
    result);
}
