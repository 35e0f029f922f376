import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/domain/rules/expression/evaluate.js';
import { parseExpression } from '../../../src/domain/rules/expression/parse.js';

const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);

function run(source: string, scope: Record<string, unknown> = {}) {
  const parsed = parseExpression(source);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return evaluate(parsed.ast, scope, { now: NOW });
}
const value = (source: string, scope: Record<string, unknown> = {}) => {
  const r = run(source, scope);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const parseError = (source: string) => {
  const r = parseExpression(source);
  if (r.ok) throw new Error(`expected a syntax error for ${source}`);
  return r.error;
};

const scope = {
  order: { total: 250.5, state: 'validated', channel: 'web', tags: ['vip', 'gift'], placedAt: '2024-03-01T10:30:00Z', customer: { id: 'c1', email: null } },
  payment: { status: 'authorized' },
  lines: [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 5 }],
};

describe('expression parser: errors name the bad part', () => {
  it.each([
    ['order.total >', 'unexpected end of expression', 13, '<end>'],
    ['order.total > > 5', "unexpected token '>'", 14, '>'],
    ['order.total = 5', "unexpected character '='", 12, '='],
    ['(order.total > 5', "expected ')' but found end of expression", 16, '<end>'],
    ["payment.status == 'authorized", 'unterminated string', 18, "'authorize"],
    ['eval(order.total)', "unknown function 'eval'", 0, 'eval'],
    ['round(1, 2, 3)', "function 'round' takes 1 to 2 argument(s), got 3", 0, 'round'],
    ['1 < 2 < 3', 'comparisons cannot be chained', 6, '<'],
    ['lines[i].qty', 'index must be a whole number', 6, 'i'],
    ['order.total 5', "unexpected token '5'", 12, '5'],
    ['12abc > 1', "invalid number '12a'", 0, '12a'],
    ['order.total > 1 and', 'unexpected end of expression', 19, '<end>'],
  ])('%s', (source, message, position, token) => {
    const e = parseError(source);
    expect(e.message).toContain(message);
    expect(e.message).toContain(`at position ${position}`);
    expect(e.position).toBe(position);
    expect(e.token).toBe(token);
  });

  it('enforces the safety limits', () => {
    expect(parseError('('.repeat(40) + '1' + ')'.repeat(40)).message).toContain('nested deeper than 32');
    expect(parseError('not '.repeat(40) + 'true').message).toContain('nested deeper than 32');
    expect(parseError('x'.repeat(2001)).message).toContain('longer than 2000');
    const wide = Array.from({ length: 300 }, () => 'a').join(' or ');
    expect(parseError(wide).message).toContain('more than 256 parts');
    expect(parseError(`x in [${Array.from({ length: 101 }, () => '1').join(',')}]`).message).toContain('list longer than 100');
    expect(parseExpression('a > 1', { limits: { maxNodes: 2 } }).ok).toBe(false);
  });

  it('refuses unknown roots when the allowed roots are given', () => {
    const r = parseExpression('order.total > 1 and secrets.key == 1', { allowedRoots: ['order', 'event'] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ position: 20, token: 'secrets' });
  });
});

describe('expression evaluator', () => {
  it('reads nested paths and indexes', () => {
    expect(value('order.total', scope)).toBe(250.5);
    expect(value('order.customer.id', scope)).toBe('c1');
    expect(value('lines[1].qty', scope)).toBe(5);
    expect(value("order['channel']", scope)).toBe('web');
    expect(value('lines[0].qty * 2 + lines[1].qty', scope)).toBe(9);
  });

  it('missing paths are null, and null propagates through paths and arithmetic', () => {
    expect(value('order.nope', scope)).toBe(null);
    expect(value('lines[9].qty', scope)).toBe(null);
    expect(value('order.customer.email.domain', scope)).toBe(null);
    expect(value('unknownRoot.x', scope)).toBe(null);
    expect(value('order.nope + 1', scope)).toBe(null);
    expect(value('order.nope == null', scope)).toBe(true);
    expect(value('order.total != null', scope)).toBe(true);
  });

  it('comparisons with null are unknown, and the logic is three-valued', () => {
    expect(value('order.nope > 100', scope)).toBe(null);
    expect(value('not (order.nope > 100)', scope)).toBe(null); // not "true": a missing total never fires
    expect(value('order.nope > 100 and false', scope)).toBe(false);
    expect(value('order.nope > 100 or true', scope)).toBe(true);
    expect(value('order.nope > 100 or false', scope)).toBe(null);
    expect(value('order.nope > 100 and true', scope)).toBe(null);
  });

  it('operators: comparison, arithmetic precedence, in / not in, unary minus', () => {
    expect(value('order.total > 200 and payment.status == "authorized"', scope)).toBe(true);
    expect(value("payment.status in ['authorized', 'captured']", scope)).toBe(true);
    expect(value("order.channel not in ['web', 'pos']", scope)).toBe(false);
    expect(value('1 + 2 * 3 - 4 / 2', scope)).toBe(5);
    expect(value('(1 + 2) * 3', scope)).toBe(9);
    expect(value('-order.total < 0', scope)).toBe(true);
    expect(value("'2024-03-01' < '2024-03-02'", scope)).toBe(true);
    expect(value("'a' + 'b' == 'ab'", scope)).toBe(true);
    expect(value("1 == '1'", scope)).toBe(false);
  });

  it('whitelisted functions', () => {
    expect(value('len(lines)', scope)).toBe(2);
    expect(value("len('abc')", scope)).toBe(3);
    expect(value("lower('AbC') == 'abc' and upper('x') == 'X'", scope)).toBe(true);
    expect(value("contains(order.tags, 'vip')", scope)).toBe(true);
    expect(value("contains('hello world', 'lo w')", scope)).toBe(true);
    expect(value("startsWith(order.channel, 'we')", scope)).toBe(true);
    expect(value('abs(-3) + min(4, 2, 9) + max(1, 7)', scope)).toBe(12);
    expect(value('round(2.345, 2)', scope)).toBe(2.35);
    expect(value('round(-2.5)', scope)).toBe(-3);
    expect(value('now()', scope)).toBe(NOW);
    expect(value('minutesSince(order.placedAt)', scope)).toBe(90);
    expect(value(`daysSince(${NOW - 2 * 86_400_000})`, scope)).toBe(2);
    expect(value('minutesSince(order.nope)', scope)).toBe(null);
  });

  it('type errors and division by zero are failures with a position, not exceptions', () => {
    expect(run('order.total / 0', scope)).toEqual({ ok: false, error: { message: 'division by zero', position: 12 } });
    expect(run("order.total > 'x'", scope)).toMatchObject({ ok: false, error: { position: 12 } });
    expect(run('order.total and true', scope)).toMatchObject({ ok: false, error: { message: "'and' needs true/false, got number" } });
    expect(run("minutesSince('yesterday')", scope)).toMatchObject({ ok: false });
    expect(run('lines == lines', scope)).toMatchObject({ ok: false });
  });
});

describe('expression injection attempts', () => {
  it.each(['order.constructor', 'order.__proto__', "order['__proto__'].x", 'constructor', 'lines.prototype', 'order.constructor.constructor'])(
    '%s is refused when saved',
    (source) => {
      expect(parseError(source).message).toContain('forbidden name');
    },
  );

  it('calls are only possible on whitelisted names: no methods, no globals', () => {
    expect(parseError("process.exit(1)").message).toContain("'process.exit' is not a function");
    expect(parseError("order.channel.toString()").message).toContain('is not a function');
    expect(parseError("Function('return 1')()").message).toContain("unknown function 'Function'");
    expect(parseError("require('fs')").message).toContain("unknown function 'require'");
  });

  it('host names as paths are inert: they read data in scope only', () => {
    expect(value('process', scope)).toBe(null);
    expect(value('process.env.HOME', scope)).toBe(null);
    expect(value('globalThis.process', scope)).toBe(null);
    expect(value('order.toString', scope)).toBe(null);
    expect(value('lines.length', scope)).toBe(null);
    expect(value('order.hasOwnProperty', scope)).toBe(null);
  });

  it('host objects smuggled into the scope expose nothing', () => {
    const hostile = { fn: () => 42, date: new Date(0), klass: new (class Secret { key = 'x'; })(), proc: process };
    expect(value('hostile.fn', { hostile })).toBe(null);
    expect(value('hostile.klass.key', { hostile })).toBe(null);
    expect(value('hostile.proc.pid', { hostile })).toBe(null);
    expect(value('hostile.date', { hostile })).toBe(null);
  });

  it('does not pollute prototypes', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(value('p.polluted', { p: payload })).toBe(null);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
