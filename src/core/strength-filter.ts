// The `$filter` of Graph's authentication strength list as a pure predicate (graph.md §4.3).
import { type AuthenticationStrength, MODE_ORDER } from './strengths.ts';

export type StrengthFilter = (s: AuthenticationStrength) => boolean;

/**
 * The `$filter` Graph documents on this list, as a predicate: clauses joined by `and`, each `policyType eq|ne '…'`,
 * `displayName eq|ne '…'` (any letter case, as Graph compares strings) or
 * `allowedCombinations/any(x:x has 'password, softwareOath')` (some combination holds every mode named). Anything
 * else is refused with the reason, never ignored.
 */
export function strengthFilterOf(filter: string): { ok: true; value: StrengthFilter } | { ok: false; reason: string } {
  const clauses = filter.trim().split(/\s+and\s+/i);
  const tests: StrengthFilter[] = [];
  for (const clause of clauses) {
    const eq = /^(policyType|displayName)\s+(eq|ne)\s+'((?:[^']|'')*)'$/i.exec(clause.trim());
    if (eq) {
      const [, field, op, raw] = eq as unknown as [string, string, string, string];
      const value = raw.replace(/''/g, "'").toLowerCase();
      const pick =
        field.toLowerCase() === 'policytype'
          ? (s: AuthenticationStrength) => s.policyType
          : (s: AuthenticationStrength) => s.displayName;
      const negate = op.toLowerCase() === 'ne';
      tests.push((s) => (pick(s).toLowerCase() === value) !== negate);
      continue;
    }
    const any = /^allowedCombinations\/any\(\s*(\w+)\s*:\s*(\w+)\s+has\s+'([^']*)'\s*\)$/i.exec(clause.trim());
    if (any && any[1] === any[2]) {
      const modes = (any[3] ?? '').split(',').map((m) => m.trim());
      const unknown = modes.filter((m) => !(MODE_ORDER as readonly string[]).includes(m));
      if (unknown.length > 0) return { ok: false, reason: `no such authentication method mode: ${unknown.join(', ')}` };
      tests.push((s) => s.allowedCombinations.some((c) => modes.every((m) => c.split(',').includes(m))));
      continue;
    }
    return {
      ok: false,
      reason:
        "supported: policyType eq|ne '…', displayName eq|ne '…' and allowedCombinations/any(x:x has '…'), joined by and",
    };
  }
  return { ok: true, value: (s) => tests.every((t) => t(s)) };
}
