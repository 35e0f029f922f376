/** Lexer of the rule expression language (grammar: src/domain/rules/README.md). */

export type TokenKind = 'number' | 'string' | 'ident' | 'keyword' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token's text as written (for strings: the decoded value). */
  text: string;
  pos: number;
}

export const KEYWORDS = ['and', 'or', 'not', 'in', 'true', 'false', 'null'] as const;

export interface ExpressionError {
  message: string;
  /** 0-based character offset of the offending token. */
  position: number;
  /** The offending text (or '<end>' when the input ended too early). */
  token: string;
}

export type Tokens = { ok: true; tokens: Token[] } | { ok: false; error: ExpressionError };

const TWO_CHAR_OPS = ['==', '!=', '<=', '>='];
const ONE_CHAR_OPS = '<>+-*/()[],.';
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' };

export function tokenize(source: string): Tokens {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(ch)) {
      while (i < source.length && isDigit(source[i]!)) i++;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
        i++;
        while (i < source.length && isDigit(source[i]!)) i++;
      }
      if (isIdentStart(source[i] ?? '')) {
        return fail(`invalid number '${source.slice(start, i + 1)}'`, start, source.slice(start, i + 1));
      }
      tokens.push({ kind: 'number', text: source.slice(start, i), pos: start });
      continue;
    }
    if (isIdentStart(ch)) {
      while (i < source.length && isIdentPart(source[i]!)) i++;
      const text = source.slice(start, i);
      tokens.push({ kind: (KEYWORDS as readonly string[]).includes(text) ? 'keyword' : 'ident', text, pos: start });
      continue;
    }
    if (ch === "'" || ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) return fail('unterminated string', start, source.slice(start, start + 10));
        const c = source[i]!;
        if (c === ch) {
          i++;
          break;
        }
        if (c === '\\') {
          const e = source[i + 1];
          if (e === undefined || !Object.hasOwn(ESCAPES, e)) {
            return fail(`invalid escape '\\${e ?? ''}' in string`, i, `\\${e ?? ''}`);
          }
          value += ESCAPES[e];
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'string', text: value, pos: start });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (TWO_CHAR_OPS.includes(two)) {
      tokens.push({ kind: 'op', text: two, pos: start });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, pos: start });
      i++;
      continue;
    }
    return fail(`unexpected character '${ch}'`, start, ch);
  }
  tokens.push({ kind: 'eof', text: '<end>', pos: source.length });
  return { ok: true, tokens };
}

function fail(message: string, position: number, token: string): Tokens {
  return { ok: false, error: { message: `${message} at position ${position}`, position, token } };
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
