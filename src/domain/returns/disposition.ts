import type { ReturnDisposition } from '../ai/labels.js';
import type { ReturnCaseFacts } from '../ai/port.js';
import type { ReturnRules } from './rules.js';
import { checkReturnWindow } from './window.js';

/**
 * The deterministic disposition (SPEC §5), also the answer when the AI is down. Rules are tried in a
 * fixed order, the first that applies decides:
 *  1. outside the return window → reject (a defective item under supplier warranty → supplier_claim:
 *     the warranty outlives the return window);
 *  2. risky customer (return rate above the limit over enough orders, or a new account returning a
 *     high value) → inspection_required with approval, before any rule that would pay out unseen;
 *  3. low value and damaged / defective / missing parts → refund_without_return (handling the item
 *     costs more than it is worth, so this wins over a warranty claim too);
 *  4. defective under supplier warranty → supplier_claim;
 *  5. wrong item → replacement_shipment if in stock, else inspection_required (refund after inspection);
 *  6. size / changed mind → inspection_required;
 *  7. anything else → inspection_required: nobody is refunded for an unseen item without a rule saying so.
 */
export type DispositionRuleId =
  | 'outside_window'
  | 'warranty_outside_window'
  | 'risky_return_rate'
  | 'new_account_high_value'
  | 'low_value'
  | 'supplier_warranty'
  | 'wrong_item_in_stock'
  | 'wrong_item_no_stock'
  | 'inspection_category'
  | 'default_inspection';

export interface RuleDisposition {
  readonly disposition: ReturnDisposition;
  /** Rules are certain of what they say: 1.0. */
  readonly confidence: 1;
  readonly rationale: string;
  readonly decidedBy: 'rules';
  readonly rule: DispositionRuleId;
  readonly needsApproval: boolean;
  /**
   * A binding rule states policy, not judgement (the window, the risk gates): an AI recommendation
   * may not override it.
   */
  readonly binding: boolean;
  readonly returnValue: number;
}

export function decideDisposition(facts: ReturnCaseFacts, rules: ReturnRules): RuleDisposition {
  const decide = (disposition: ReturnDisposition, rule: DispositionRuleId, rationale: string, extra: { needsApproval?: boolean; binding?: boolean } = {}): RuleDisposition => ({
    disposition,
    confidence: 1,
    rationale,
    decidedBy: 'rules',
    rule,
    needsApproval: extra.needsApproval ?? false,
    binding: extra.binding ?? false,
    returnValue: facts.returnValue,
  });
  const warrantyClaim = facts.category === 'defective' && facts.supplierWarrantyActive;

  if (facts.deliveredAt !== null) {
    const window = checkReturnWindow(facts.deliveredAt, facts.requestedAt, rules);
    if (!window.inside) {
      const days = Math.floor(window.daysSinceDelivery);
      if (warrantyClaim) {
        return decide('supplier_claim', 'warranty_outside_window', `Requested ${days} days after delivery, outside the ${rules.returnWindowDays}-day window, but the item is defective and still under supplier warranty.`, { binding: true });
      }
      return decide('reject', 'outside_window', `Requested ${days} days after delivery, outside the ${rules.returnWindowDays}-day return window.`, { binding: true });
    }
  }

  const returnRate = facts.customerOrderCount > 0 ? facts.customerReturnCount / facts.customerOrderCount : 0;
  if (facts.customerOrderCount >= rules.returnRateMinOrders && returnRate > rules.riskyReturnRate) {
    return decide('inspection_required', 'risky_return_rate', `Customer return rate ${pct(returnRate)} over ${facts.customerOrderCount} orders is above ${pct(rules.riskyReturnRate)}: inspect before refunding, with approval.`, { needsApproval: true, binding: true });
  }
  if (facts.customerAccountAgeDays < rules.newAccountDays && facts.returnValue >= rules.newAccountHighValue) {
    return decide('inspection_required', 'new_account_high_value', `Account is ${facts.customerAccountAgeDays} days old and the return is worth ${facts.returnValue} (from ${rules.newAccountHighValue}): inspect before refunding, with approval.`, { needsApproval: true, binding: true });
  }

  if (facts.returnValue <= rules.lowValueMax && rules.refundWithoutReturnCategories.includes(facts.category)) {
    return decide('refund_without_return', 'low_value', `${facts.category} at value ${facts.returnValue} (≤ ${rules.lowValueMax}): bringing the item back costs more than it is worth.`);
  }
  if (warrantyClaim) {
    return decide('supplier_claim', 'supplier_warranty', 'Defective and under supplier warranty: claim from the supplier.');
  }
  if (facts.category === 'wrong_item') {
    return facts.replacementInStock
      ? decide('replacement_shipment', 'wrong_item_in_stock', 'Wrong item sent and the ordered item is in stock: ship the right one.')
      : decide('inspection_required', 'wrong_item_no_stock', 'Wrong item sent and the ordered item is out of stock: refund after inspection of the returned item.');
  }
  if (rules.inspectionCategories.includes(facts.category)) {
    return decide('inspection_required', 'inspection_category', `${facts.category}: the item should come back resellable; inspect before refunding.`);
  }
  return decide('inspection_required', 'default_inspection', `${facts.category} at value ${facts.returnValue}: no rule allows a refund without seeing the item; inspect first.`);
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
