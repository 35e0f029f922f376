import type { TriageRules } from './rules.js';

/**
 * The order a ticket is about, as the customer wrote it, so the ticket can be linked to the order and
 * its case. Patterns come from policy because every channel numbers orders its own way; they are
 * tried in order and the first match wins (the most specific formats come first).
 */
export function findOrderReference(text: string, rules: Pick<TriageRules, 'orderReferencePatterns'>): string | null {
  for (const source of rules.orderReferencePatterns) {
    const m = new RegExp(source, 'iu').exec(text);
    if (m) return (m[1] ?? m[0]).trim();
  }
  return null;
}
