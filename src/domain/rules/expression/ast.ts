/** The syntax tree of a rule condition. `pos` is the 0-based character offset in the source. */
export type Literal = number | string | boolean | null;

export type BinaryOp = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/';

export type Expr =
  | { kind: 'literal'; value: Literal; pos: number }
  /** `order.lines[0].qty` → root 'order', segments ['lines', 0, 'qty']. */
  | { kind: 'path'; root: string; segments: Array<string | number>; pos: number }
  | { kind: 'list'; items: Expr[]; pos: number }
  | { kind: 'unary'; op: 'not' | '-'; operand: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: 'call'; fn: string; args: Expr[]; pos: number };
