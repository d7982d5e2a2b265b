// The $filter option of a Graph collection: a tokenizer and a recursive-descent parser for the OData subset Graph
// supports, checked against the resource's whitelist as it parses. Its refusals name the parameter and the problem
// (Refusal), which parseCollectionQuery (odata.ts) turns into catalogue codes.
import type { FilterNode, FilterOperator, Literal, PropertySpec, RangeOperator, ResourceSpec } from './odata.ts';

const MAX_DEPTH = 10;
export const MAX_COMPARISONS = 50;
const MAX_IN_VALUES = 50;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/;
const RANGE_OPERATORS: readonly string[] = ['ge', 'le', 'gt', 'lt'];

export class Refusal {
  readonly parameter: string;
  readonly reason: string;
  constructor(parameter: string, reason: string) {
    this.parameter = parameter;
    this.reason = reason;
  }
}
export const refuse = (parameter: string, reason: string): never => {
  throw new Refusal(parameter, reason);
};

export function canonicalName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower);
}

/** Parses a $filter against the resource's whitelist: the AST, and whether it used an advanced operator. */
export function parseFilter(text: string, spec: ResourceSpec) {
  return new FilterParser(text, spec).parse();
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'guid'; value: string; at: number }
  | { kind: 'datetime'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | ':'; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(' || c === ')' || c === ',' || c === ':') {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
    } else if (c === "'") {
      const at = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) refuse('$filter', `unclosed string literal at position ${at}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'string', value, at });
    } else {
      const m = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/.exec(
        text.slice(i, i + 40),
      );
      if (m) {
        tokens.push({ kind: 'guid', value: m[0], at: i });
        i += m[0].length;
        continue;
      }
      const d = DATETIME.exec(text.slice(i, i + 40));
      if (d && !/[\w:.+-]/.test(text[i + d[0].length] ?? '')) {
        tokens.push({ kind: 'datetime', value: d[0], at: i });
        i += d[0].length;
        continue;
      }
      const n = /^-?\d{1,10}(?![\w:.-])/.exec(text.slice(i, i + 12));
      if (n) {
        tokens.push({ kind: 'number', value: Number(n[0]), at: i });
        i += n[0].length;
        continue;
      }
      // A property path (`status/errorCode`) is one word; only a spec that names the path admits it.
      const w = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*){0,3}/.exec(text.slice(i, i + 200));
      if (!w) refuse('$filter', `unexpected character ${JSON.stringify(c)} at position ${i}`);
      tokens.push({ kind: 'word', text: w![0], at: i });
      i += w![0].length;
    }
  }
  return tokens;
}

class FilterParser {
  private readonly tokens: Token[];
  private pos = 0;
  private comparisons = 0;
  advanced = false;

  private readonly spec: ResourceSpec;

  constructor(text: string, spec: ResourceSpec) {
    this.spec = spec;
    this.tokens = tokenize(text);
  }

  parse(): { node: FilterNode; advanced: boolean } {
    if (this.tokens.length === 0) refuse('$filter', '$filter is empty');
    const node = this.or(0);
    const rest = this.tokens[this.pos];
    if (rest) refuse('$filter', `unexpected ${describe(rest)} at position ${rest.at}`);
    return { node, advanced: this.advanced };
  }

  private peekWord(word: string): boolean {
    const t = this.tokens[this.pos];
    return t?.kind === 'word' && t.text.toLowerCase() === word;
  }

  private expectPunct(p: '(' | ')' | ',' | ':'): void {
    const t = this.tokens[this.pos];
    if (t?.kind !== 'punct' || t.text !== p) {
      refuse(
        '$filter',
        t ? `expected "${p}" but found ${describe(t)} at position ${t.at}` : `expected "${p}" at the end`,
      );
    }
    this.pos++;
  }

  private or(depth: number): FilterNode {
    let node = this.and(depth);
    while (this.peekWord('or')) {
      this.pos++;
      node = { op: 'or', left: node, right: this.and(depth) };
    }
    return node;
  }

  private and(depth: number): FilterNode {
    let node = this.unary(depth);
    while (this.peekWord('and')) {
      this.pos++;
      node = { op: 'and', left: node, right: this.unary(depth) };
    }
    return node;
  }

  private unary(depth: number): FilterNode {
    if (depth > MAX_DEPTH) refuse('$filter', `$filter is nested deeper than ${MAX_DEPTH} levels`);
    if (this.peekWord('not')) {
      this.pos++;
      this.advanced = true;
      return { op: 'not', operand: this.unary(depth + 1) };
    }
    const t = this.tokens[this.pos];
    if (t?.kind === 'punct' && t.text === '(') {
      this.pos++;
      const node = this.or(depth + 1);
      this.expectPunct(')');
      return node;
    }
    return this.comparison();
  }

  private property(operator: FilterOperator): { name: string; spec: PropertySpec } {
    const t = this.tokens[this.pos];
    if (t?.kind !== 'word')
      refuse('$filter', t ? `expected a property name at position ${t.at}` : 'expected a property name at the end');
    const name = canonicalName((t as { text: string }).text, Object.keys(this.spec.properties));
    const spec = name ? this.spec.properties[name] : undefined;
    const allowedOp = operator === 'ne' ? 'eq' : operator;
    if (!name || !spec?.filter?.includes(allowedOp)) {
      const allowed = Object.keys(this.spec.properties).filter((p) =>
        this.spec.properties[p]!.filter?.includes(allowedOp),
      );
      refuse('$filter', `${operator} is supported on ${allowed.join(', ')}; not on ${(t as { text: string }).text}`);
    }
    this.pos++;
    return { name: name!, spec: spec! };
  }

  private countComparison(): void {
    if (++this.comparisons > MAX_COMPARISONS) refuse('$filter', `$filter has more than ${MAX_COMPARISONS} comparisons`);
  }

  private comparison(): FilterNode {
    this.countComparison();
    const first = this.tokens[this.pos];
    if (first?.kind === 'word' && /\/any$/i.test(first.text)) return this.lambda(first);
    if (this.peekWord('startswith')) {
      this.pos++;
      this.expectPunct('(');
      const p = this.property('startswith');
      this.expectPunct(',');
      const value = this.literal(p.name, p.spec);
      this.expectPunct(')');
      return { op: 'startswith', property: p.name, value: value as string };
    }
    const t = this.tokens[this.pos];
    const opToken = this.tokens[this.pos + 1];
    // A function call other than startswith (endswith, contains, tolower, …): named, rather than "unexpected (".
    if (t?.kind === 'word' && opToken?.kind === 'punct' && opToken.text === '(')
      refuse('$filter', `the function ${t.text} is not supported; of OData's functions only startswith is`);
    const op = opToken?.kind === 'word' ? opToken.text.toLowerCase() : undefined;
    if (op !== 'eq' && op !== 'ne' && op !== 'in' && !RANGE_OPERATORS.includes(op ?? '')) {
      if (t?.kind !== 'word')
        refuse('$filter', t ? `expected a comparison at position ${t.at}` : 'expected a comparison at the end');
      refuse(
        '$filter',
        opToken
          ? `${describe(opToken)} at position ${opToken.at} is not a supported operator (eq, ne, in, startswith, ge, le, gt, lt, and, or, not)`
          : `expected an operator after ${describe(t!)}`,
      );
    }
    const p = this.property(op as FilterOperator);
    this.pos++; // the operator
    if (op === 'in') {
      this.expectPunct('(');
      const values: Literal[] = [this.literal(p.name, p.spec)];
      while (this.tokens[this.pos]?.kind === 'punct' && (this.tokens[this.pos] as { text: string }).text === ',') {
        this.pos++;
        if (values.length >= MAX_IN_VALUES) refuse('$filter', `in accepts at most ${MAX_IN_VALUES} values`);
        values.push(this.literal(p.name, p.spec));
      }
      this.expectPunct(')');
      return { op: 'in', property: p.name, values };
    }
    if (op === 'ne') this.advanced = true;
    if (RANGE_OPERATORS.includes(op!))
      return { op: op as RangeOperator, property: p.name, value: this.literal(p.name, p.spec) };
    return { op: op as 'eq' | 'ne', property: p.name, value: this.literal(p.name, p.spec) };
  }

  /** `collection/any(m: m eq 'value')`, the one lambda form Graph offers on string collections. */
  private lambda(t: { text: string; at: number }): FilterNode {
    const path = t.text.slice(0, -'/any'.length);
    const name = canonicalName(path, Object.keys(this.spec.properties));
    const spec = name ? this.spec.properties[name] : undefined;
    if (!name || !spec?.filter?.includes('any')) {
      const allowed = Object.keys(this.spec.properties).filter((p) => this.spec.properties[p]!.filter?.includes('any'));
      refuse(
        '$filter',
        allowed.length
          ? `any is supported on ${allowed.join(', ')}; not on ${path}`
          : 'lambda operators (any, all) are not supported on this collection',
      );
    }
    this.pos++;
    this.expectPunct('(');
    const variable = this.tokens[this.pos];
    if (variable?.kind !== 'word' || !/^[A-Za-z_]\w*$/.test(variable.text))
      refuse('$filter', `any needs a range variable, as ${path}/any(m: m eq 'value')`);
    this.pos++;
    this.expectPunct(':');
    const again = this.tokens[this.pos];
    const op = this.tokens[this.pos + 1];
    if (again?.kind !== 'word' || again.text !== (variable as { text: string }).text)
      refuse('$filter', `the lambda body must compare its variable, as ${path}/any(m: m eq 'value')`);
    if (op?.kind !== 'word' || op.text.toLowerCase() !== 'eq')
      refuse('$filter', `the lambda body supports eq only, as ${path}/any(m: m eq 'value')`);
    this.pos += 2;
    const value = this.literal(name!, spec!);
    this.expectPunct(')');
    return { op: 'any', property: name!, value };
  }

  private literal(name: string, spec: PropertySpec): Literal {
    const t = this.tokens[this.pos];
    if (!t) refuse('$filter', `expected a value for ${name} at the end`);
    this.pos++;
    if (spec.type === 'boolean') {
      if (t!.kind === 'word' && /^(true|false)$/i.test(t!.text)) return t!.text.toLowerCase() === 'true';
      refuse('$filter', `${name} is compared with true or false, not ${describe(t!)}`);
    }
    if (spec.type === 'datetime') {
      const ms = t!.kind === 'datetime' ? Date.parse(t!.value) : Number.NaN;
      if (!Number.isFinite(ms))
        refuse('$filter', `${name} is compared with a date and time such as 2026-01-31T00:00:00Z, not ${describe(t!)}`);
      return ms;
    }
    if (spec.type === 'errorCode') {
      if (t!.kind === 'number' && t!.value === 0) return 0;
      if (t!.kind === 'string') return t!.value;
      refuse('$filter', `${name} is compared with 0 (success) or a quoted Signet error code, not ${describe(t!)}`);
    }
    if (spec.type === 'guid') {
      const value = t!.kind === 'string' || t!.kind === 'guid' ? t!.value : undefined;
      if (value === undefined || !GUID.test(value))
        refuse('$filter', `${name} is compared with a GUID, not ${describe(t!)}`);
      return value!.toLowerCase();
    }
    if (t!.kind !== 'string') refuse('$filter', `${name} is compared with a quoted string, not ${describe(t!)}`);
    return (t as { value: string }).value;
  }
}

function describe(t: Token): string {
  if (t.kind === 'string') return `the string '${t.value.slice(0, 40)}'`;
  if (t.kind === 'guid') return `the GUID ${t.value}`;
  if (t.kind === 'datetime') return `the date ${t.value}`;
  if (t.kind === 'number') return `the number ${t.value}`;
  return `"${t.text.slice(0, 40)}"`;
}
