import { describe, expect, it } from 'vitest';
import type { TicketCategory } from '../../../src/domain/ai/labels.js';
import type { AiResult } from '../../../src/domain/ai/port.js';
import { findOrderReference } from '../../../src/domain/triage/order-reference.js';
import { ticketPriority } from '../../../src/domain/triage/priority.js';
import { suggestReply } from '../../../src/domain/triage/reply.js';
import { triage } from '../../../src/domain/triage/triage.js';
import { defaultTriagePolicy as policy } from '../../../src/policy/kinds/triage.js';

const model = { id: 'm', version: '1' };
const answered = (label: TicketCategory, confidence = 0.9): AiResult<TicketCategory> => ({ status: 'answered', label, confidence, rationale: 'r', model, inputDigest: 'd' });

describe('ticket priority', () => {
  it.each([
    ['I will take you to court over this', 'complaint_escalation', 'urgent', 'urgent:legal'],
    ['Reported you to Trading Standards', 'complaint_escalation', 'urgent', 'urgent:regulatory'],
    ["I'll file a chargeback with my bank", 'payment_billing', 'urgent', 'urgent:chargeback'],
    ['The charger started smoking when plugged in', 'damaged_defective', 'urgent', 'urgent:safety'],
    ['I was charged twice for one order', 'payment_billing', 'high', 'high:money_lost'],
    ['Tracking says delivered but I never received it', 'delivery_problem', 'high', 'high:not_received'],
    ['This is the third time I am writing about this', 'order_status', 'high', 'high:repeated_contact'],
    ['I need it today for a party tonight', 'order_status', 'high', 'high:same_day'],
    ['Is this jacket waterproof?', 'product_question', 'low', 'low:category:product_question'],
    ['Do you ship on Saturdays?', 'order_status', 'low', 'low:general_question'],
    ['Can I change the address on my order?', 'cancel_change', 'normal', undefined],
    ['The lamp flickers', 'damaged_defective', 'normal', undefined],
  ] as const)('%s → %s', (text, category, priority, reason) => {
    const p = ticketPriority(text, { category }, policy);
    expect(p.priority).toBe(priority);
    if (reason) expect(p.reasons).toContain(reason);
  });

  it('repeated contact also comes from the contact history, not only from the text', () => {
    expect(ticketPriority('Where is my order?', { category: 'order_status', previousContacts: 2 }, policy).priority).toBe('high');
    expect(ticketPriority('Where is my order?', { category: 'order_status', previousContacts: 1 }, policy).priority).toBe('normal');
  });
});

describe('order reference', () => {
  it.each([
    ['Status of order OM-2231457 please', 'OM-2231457'],
    ['marketplace order 114-3941689-8772232 not here', '114-3941689-8772232'],
    ['Order number: 77120394 is late', '77120394'],
    ['order #55120984 is late', '55120984'],
    ['my parcel #4410932 is stuck', '4410932'],
    ['any news on my order from the 3rd?', null],
  ])('%s → %s', (text, ref) => {
    expect(findOrderReference(text, policy)).toBe(ref);
  });

  it('the pattern is configurable per shop', () => {
    expect(findOrderReference('ticket about SO/2025/00042', { orderReferencePatterns: ['\\b(SO/\\d{4}/\\d+)\\b'] })).toBe('SO/2025/00042');
  });
});

describe('suggested replies', () => {
  it('fills a state-specific template from facts, without review when it promises nothing', () => {
    const r = suggestReply('order_status', { orderRef: 'OM-1', orderState: 'shipped', carrier: 'DHL', trackingNumber: 'JJD1' });
    expect(r).toMatchObject({ templateId: 'order_status.shipped', requiresHumanReview: false });
    expect(r.text).toContain('JJD1');
  });

  it('needs human review when the reply would promise money or a date', () => {
    expect(suggestReply('return_refund', { orderRef: 'OM-1', caseState: 'approved', refundAmount: 49.9, currency: 'EUR' })).toMatchObject({ requiresHumanReview: true, reviewReasons: ['promises_money'] });
    expect(suggestReply('order_status', { orderRef: 'OM-1', orderState: 'allocated', promiseDate: '2025-03-01' })).toMatchObject({ requiresHumanReview: true, reviewReasons: ['promises_date'] });
  });

  it('a refused refund\'s case: finance is looking at it while open, a colleague explains once it closed; a refunded one is still "issued"', () => {
    // Open in `refunded` with no refund: no amount to fill, and "issued" would be untrue.
    expect(suggestReply('return_refund', { orderRef: 'OM-1', caseState: 'refunded', refundRefused: true })).toMatchObject({
      templateId: 'return_refund.refused_with_finance', requiresHumanReview: false,
      text: 'We have your return for order OM-1. Your refund could not be paid out automatically, so our finance team is looking at it; we will contact you as soon as they have decided.',
    });
    expect(suggestReply('return_refund', { orderRef: 'OM-1', caseState: 'closed', refundRefused: true })).toMatchObject({ templateId: 'return_refund.refused_decided', requiresHumanReview: false });
    // Not refused: as before.
    expect(suggestReply('return_refund', { orderRef: 'OM-1', caseState: 'refunded', refundAmount: 20, currency: 'EUR' }).templateId).toBe('return_refund.refunded');
    expect(suggestReply('return_refund', { orderRef: 'OM-1', caseState: 'closed' }).templateId).toBe('return_refund.how_to');
    // Another category is not answered with the refund's news.
    expect(suggestReply('order_status', { orderRef: 'OM-1', orderState: 'delivered', caseState: 'refunded', refundRefused: true, carrier: 'DHL' }).templateId).toBe('order_status.delivered');
  });

  it('falls back to a template whose facts are known rather than leaving placeholders', () => {
    const r = suggestReply('order_status', { orderState: 'allocated' });
    expect(r.text).not.toMatch(/[{}]/);
    expect(r.templateId).toBe('generic.ack');
  });
});

describe('triage', () => {
  it('combines category, priority, order reference and reply', () => {
    const t = triage({ text: 'Parcel for order OM-1234567 marked delivered but never received', classification: answered('delivery_problem') }, policy);
    expect(t).toMatchObject({ category: 'delivery_problem', categoryDecidedBy: 'ai', priority: 'high', orderRef: 'OM-1234567', requiresHumanReview: false });
    expect(t.reply.text).toContain('OM-1234567');
  });

  it('an unavailable or unsure AI leaves the ticket unclassified for a human, priority still by rule', () => {
    const down = triage({ text: 'I will sue you', classification: { status: 'unavailable', reason: 'timeout', detail: 't', model, inputDigest: 'd' } }, policy);
    expect(down).toMatchObject({ category: null, categoryDecidedBy: 'none', priority: 'urgent', requiresHumanReview: true });
    expect(triage({ text: 'hmm', classification: answered('account', 0.3) }, policy).category).toBeNull();
  });
});
