import type { BinaryOp, Expr } from './ast.js';
import { FUNCTIONS, isFunctionName } from './functions.js';
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from './limits.js';
import { tokenize, type ExpressionError, type Token } from './tokenize.js';

/**
 * Property names that reach JavaScript object machinery rather than data. They are refused when a rule
 * is saved (the evaluator also only reads own properties of plain data, so they would be inert anyway).
 */
export const FORBIDDEN_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];

export interface ParseOptions {
  limits?: Partial<ExpressionLimits>;
  /** When given, a path must start at one of these names (what the trigger puts in scope). */
  allowedRoots?: readonly string[];
}

export type ParseResult = { ok: true; ast: Expr; nodes: number; depth: number } | { ok: false; error: ExpressionError };

/** Parses and validates a condition; every failure names the position and the offending token. */
export function parseExpression(source: string, options: ParseOptions = {}): ParseResult {
  const limits = { ...DEFAULT_EXPRESSION_LIMITS, ...options.limits };
  if (source.length > limits.maxLength) {
    return fail(`expression longer than ${limits.maxLength} characters`, limits.maxLength, source.slice(limits.maxLength, limits.maxLength + 10));
  }
  const lexed = tokenize(source);
  if (!lexed.ok) return lexed;
  try {
    const parser = new Parser(lexed.tokens, limits, options.allowedRoots);
    const ast = parser.parseExpr();
    const end = parser.peek();
    if (end.kind !== 'eof') parser.unexpected(end);
    const depth = depthOf(ast);
    if (depth > limits.maxDepth) {
      return fail(`expression nested deeper than ${limits.maxDepth} levels`, ast.pos, source.slice(ast.pos, ast.pos + 10));
    }
    return { ok: true, ast, nodes: parser.nodes, depth };
  } catch (e) {
    if (e instanceof ParseFault) return { ok: false, error: e.error };
    throw e;
  }
}

class ParseFault {
  constructor(readonly error: ExpressionError) {}
}

function fail(message: string, position: number, token: string): ParseResult {
  return { ok: false, error: { message: `${message} at position ${position}`, position, token } };
}

const COMPARISON_OPS = ['==', '!=', '<', '<=', '>', '>='];

class Parser {
  private i = 0;
  /** Recursion depth of the parser itself: checked as it descends, so hostile nesting cannot exhaust the stack. */
  private nesting = 0;
  nodes = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: ExpressionLimits,
    private readonly allowedRoots: readonly string[] | undefined,
  ) {}

  peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private isKeyword(text: string): boolean {
    const t = this.peek();
    return t.kind === 'keyword' && t.text === text;
  }

  private expectOp(text: string): Token {
    const t = this.peek();
    if (t.kind === 'op' && t.text === text) return this.next();
    return this.error(`expected '${text}' but found ${describe(t)}`, t);
  }

  error(message: string, t: Token): never {
    throw new ParseFault({ message: `${message} at position ${t.pos}`, position: t.pos, token: t.text });
  }

  unexpected(t: Token): never {
    return this.error(t.kind === 'eof' ? 'unexpected end of expression' : `unexpected token ${describe(t)}`, t);
  }

  private node<E extends Expr>(e: E): E {
    if (++this.nodes > this.limits.maxNodes) {
      this.error(`expression has more than ${this.limits.maxNodes} parts`, { kind: 'op', text: '', pos: e.pos });
    }
    return e;
  }

  private descend<T>(at: Token, f: () => T): T {
    if (++this.nesting > this.limits.maxDepth) this.error(`expression nested deeper than ${this.limits.maxDepth} levels`, at);
    try {
      return f();
    } finally {
      this.nesting--;
    }
  }

  parseExpr(): Expr {
    return this.descend(this.peek(), () => this.parseOr());
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      const op = this.next();
      left = this.node({ kind: 'binary', op: 'or', left, right: this.parseAnd(), pos: op.pos });
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      const op = this.next();
      left = this.node({ kind: 'binary', op: 'and', left, right: this.parseNot(), pos: op.pos });
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isKeyword('not')) {
      const op = this.next();
      return this.descend(op, () => this.node({ kind: 'unary', op: 'not', operand: this.parseNot(), pos: op.pos }));
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseAdditive();
    const t = this.peek();
    let expr = left;
    if (t.kind === 'op' && COMPARISON_OPS.includes(t.text)) {
      this.next();
      expr = this.node({ kind: 'binary', op: t.text as BinaryOp, left, right: this.parseAdditive(), pos: t.pos });
    } else if (this.isKeyword('in')) {
      this.next();
      expr = this.node({ kind: 'binary', op: 'in', left, right: this.parseAdditive(), pos: t.pos });
    } else if (this.isKeyword('not') && this.tokens[this.i + 1]?.kind === 'keyword' && this.tokens[this.i + 1]?.text === 'in') {
      this.next();
      this.next();
      const inExpr = this.node({ kind: 'binary', op: 'in', left, right: this.parseAdditive(), pos: t.pos } as const);
      expr = this.node({ kind: 'unary', op: 'not', operand: inExpr, pos: t.pos });
    }
    const after = this.peek();
    if (expr !== left && after.kind === 'op' && COMPARISON_OPS.includes(after.text)) {
      this.error(`comparisons cannot be chained (use 'and'): unexpected ${describe(after)}`, after);
    }
    return expr;
  }

  private parseAdditive(): Expr {
    let left = this.parseTerm();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next();
      left = this.node({ kind: 'binary', op: op.text as BinaryOp, left, right: this.parseTerm(), pos: op.pos });
    }
    return left;
  }

  private parseTerm(): Expr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/')) {
      const op = this.next();
      left = this.node({ kind: 'binary', op: op.text as BinaryOp, left, right: this.parseUnary(), pos: op.pos });
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isOp('-')) {
      const op = this.next();
      return this.descend(op, () => this.node({ kind: 'unary', op: '-', operand: this.parseUnary(), pos: op.pos }));
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number': {
        this.next();
        return this.node({ kind: 'literal', value: Number(t.text), pos: t.pos });
      }
      case 'string':
        this.next();
        return this.node({ kind: 'literal', value: t.text, pos: t.pos });
      case 'keyword':
        if (t.text === 'true' || t.text === 'false' || t.text === 'null') {
          this.next();
          return this.node({ kind: 'literal', value: t.text === 'null' ? null : t.text === 'true', pos: t.pos });
        }
        return this.unexpected(t);
      case 'ident':
        return this.parseNameOrCall();
      case 'op':
        if (t.text === '(') {
          this.next();
          const inner = this.parseExpr();
          this.expectOp(')');
          return inner;
        }
        if (t.text === '[') return this.parseList();
        return this.unexpected(t);
      default:
        return this.unexpected(t);
    }
  }

  private parseList(): Expr {
    const open = this.next();
    const items: Expr[] = [];
    if (!this.isOp(']')) {
      for (;;) {
        if (items.length >= this.limits.maxListItems) this.error(`list longer than ${this.limits.maxListItems} items`, this.peek());
        items.push(this.parseExpr());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expectOp(']');
    return this.node({ kind: 'list', items, pos: open.pos });
  }

  private parseNameOrCall(): Expr {
    const name = this.next();
    if (this.isOp('(')) {
      if (!isFunctionName(name.text)) {
        this.error(`unknown function '${name.text}' (allowed: ${Object.keys(FUNCTIONS).join(', ')})`, name);
      }
      this.next();
      const args: Expr[] = [];
      if (!this.isOp(')')) {
        for (;;) {
          args.push(this.parseExpr());
          if (!this.isOp(',')) break;
          this.next();
        }
      }
      this.expectOp(')');
      const spec = FUNCTIONS[name.text]!;
      if (args.length < spec.minArgs || args.length > spec.maxArgs) {
        const want = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
        this.error(`function '${name.text}' takes ${want} argument(s), got ${args.length}`, name);
      }
      return this.node({ kind: 'call', fn: name.text, args, pos: name.pos });
    }
    this.checkName(name);
    if (this.allowedRoots && !this.allowedRoots.includes(name.text)) {
      this.error(`unknown name '${name.text}' (available: ${this.allowedRoots.join(', ')})`, name);
    }
    const segments: Array<string | number> = [];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const prop = this.peek();
        if (prop.kind !== 'ident' && prop.kind !== 'keyword') this.error(`expected a field name after '.' but found ${describe(prop)}`, prop);
        this.checkName(prop);
        this.next();
        segments.push(prop.text);
      } else if (this.isOp('[')) {
        this.next();
        const index = this.peek();
        if (index.kind === 'number' && /^\d+$/.test(index.text)) {
          segments.push(Number(index.text));
        } else if (index.kind === 'string') {
          this.checkName(index);
          segments.push(index.text);
        } else {
          // Computed indexes would let data choose which property is read; only literals are allowed.
          this.error(`index must be a whole number or a quoted field name, found ${describe(index)}`, index);
        }
        this.next();
        this.expectOp(']');
      } else if (this.isOp('(')) {
        return this.error(`'${[name.text, ...segments].join('.')}' is not a function: only ${Object.keys(FUNCTIONS).join(', ')} can be called`, this.peek());
      } else {
        break;
      }
    }
    return this.node({ kind: 'path', root: name.text, segments, pos: name.pos });
  }

  private checkName(t: Token): void {
    if (FORBIDDEN_NAMES.includes(t.text)) this.error(`forbidden name '${t.text}'`, t);
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of expression';
  if (t.kind === 'string') return `string '${t.text}'`;
  return `'${t.text}'`;
}

function depthOf(e: Expr): number {
  switch (e.kind) {
    case 'literal':
    case 'path':
      return 1;
    case 'list':
      return 1 + Math.max(0, ...e.items.map(depthOf));
    case 'unary':
      return 1 + depthOf(e.operand);
    case 'binary':
      return 1 + Math.max(depthOf(e.left), depthOf(e.right));
    case 'call':
      return 1 + Math.max(0, ...e.args.map(depthOf));
  }
}
