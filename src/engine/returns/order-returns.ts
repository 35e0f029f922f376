import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { fulfilmentsOfOrder, orderById } from '../../store/repos/orders.js';
import { returnCasesOfOrder, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { moveOrder, persistOrder } from '../orders/transition.js';
import { wasRefunded } from '../../domain/returns/case-closing.js';

/**
 * The order follows its returns (SPEC §4: after delivery `partially_returned` / `returned`): once a
 * return case is refunded, the order is `returned` when every delivered unit has been refunded, else
 * `partially_returned` (also when a parcel of a split order never arrived: the order stayed `shipped`,
 * and its delivered part came back). Only refunded cases count (also once closed) — a case still waiting for the item or rejected has
 * taken nothing back. `settledCase` is the case this handler just moved (not stored yet).
 */
export async function followReturns(h: HandlerContext, policies: PolicyBook, settledCase: ReturnCaseRecord): Promise<void> {
  const order = await orderById(h.tx, settledCase.orderId);
  if (!order || !['delivered', 'partially_returned', 'shipped'].includes(order.state)) return;
  let delivered = 0;
  // A parcel still out (shipped, or lost on its way) never reached the customer: what came back is
  // at most part of the order, whatever share of the delivered units it is.
  let stillOut = false;
  for (const f of await fulfilmentsOfOrder(h.tx, order.id)) {
    if (f.state === 'delivered') for (const l of f.lines) delivered += l.qty;
    else if (f.state === 'shipped' || f.state === 'exception') stillOut = true;
  }
  let refunded = 0;
  for (const c of await returnCasesOfOrder(h.tx, order.id)) {
    // A refunded case that closed since (its work done) still counts: its units came back refunded.
    const kase = c.id === settledCase.id ? settledCase : c;
    if (wasRefunded(kase)) for (const l of kase.doc.lines) refunded += l.qty;
  }
  if (refunded === 0) return;
  const next = refunded >= delivered && !stillOut ? 'returned' : 'partially_returned';
  if (next === order.state) return;
  moveOrder(h, order, next, await policies.get('orders', h.tx), { note: `${refunded} of ${delivered} delivered units refunded (return case ${settledCase.id})` });
  await persistOrder(h, order);
}
