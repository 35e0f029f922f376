/**
 * Marketplaces wrap the customer's words in their own boilerplate ("Return reason code: DEFECTIVE.
 * Buyer comment: …"). SPEC §5 labels by what the customer says, so the classifier reads only the
 * customer's words when they are present, and falls back to the whole text (the code is then the
 * only signal there is).
 */
const COMMENT_MARKER =
  /\b(?:buyer|customer|client)(?:'s)?\s+(?:comments?|notes?|says|message|remarks?)\s*:|\b(?:comments?|notes?|remarks?)\s+from\s+(?:the\s+)?(?:buyer|customer)\s*:|\bcomments?\s*:/gi;

const LEADING_REASON_CODE = /^\s*(?:return\s+)?reason(?:\s+code|\s+for\s+return)?\s*:\s*([^.\n]*)(?:[.\n]|$)/i;

export function customerWords(text: string): string {
  let lastEnd = -1;
  for (const m of text.matchAll(COMMENT_MARKER)) lastEnd = m.index + m[0].length;
  if (lastEnd >= 0) {
    const after = text.slice(lastEnd).trim();
    if (after.length > 0) return after;
  }
  const code = LEADING_REASON_CODE.exec(text);
  if (!code) return text;
  const rest = text.slice(code[0].length).trim();
  // Nothing but a code: classify the code's own words ("WRONG_ITEM"), not the boilerplate around it.
  return rest.length > 0 ? rest : code[1]!.trim() || text;
}
