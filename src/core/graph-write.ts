// The body of a Graph write (POST/PATCH) judged as Graph does, the same for every resource: a JSON object, an
// `@odata.type` (if any) of the resource's own type, no read-only and no unknown properties (each named), then
// the resource's schema. Pure.
import type { z } from 'zod';
import type { ErrorCode } from './errors.ts';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; detail: Record<string, string> };

export interface WritableResource {
  /** `user`, `group`: for the words of a refusal. */
  name: string;
  /** `#microsoft.graph.user`. */
  odataType: string;
  writable: Readonly<Record<string, unknown>>;
  readOnly: readonly string[];
  /** Graph properties Signet does not store: named as such when refused. */
  unstored: readonly string[];
}

export function parseGraphWrite<T>(body: unknown, schema: z.ZodType<T>, r: WritableResource): BodyResult<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, code: 'REQUEST_INVALID', detail: { field: '', reason: 'the body must be a JSON object' } };
  const rest: Record<string, unknown> = {};
  const readOnly: string[] = [];
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === '@odata.type') {
      if (value !== r.odataType && value !== r.odataType.slice(1))
        return {
          ok: false,
          code: 'REQUEST_INVALID',
          detail: { field: '@odata.type', reason: `must be ${r.odataType}` },
        };
    } else if (r.readOnly.includes(key)) readOnly.push(key);
    else if (!Object.hasOwn(r.writable, key)) unknown.push(key);
    else rest[key] = value;
  }
  if (unknown.length > 0) {
    const unstored = unknown.filter((k) => r.unstored.includes(k));
    return {
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: {
        properties: unknown.join(', '),
        reason:
          unstored.length > 0
            ? `Signet does not store ${unstored.join(', ')}; the ${r.name} resource has no other properties named here`
            : `the ${r.name} resource has no such properties`,
      },
    };
  }
  if (readOnly.length > 0)
    return { ok: false, code: 'GRAPH_PROPERTY_READ_ONLY', detail: { properties: readOnly.join(', ') } };
  const parsed = schema.safeParse(rest);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, code: 'REQUEST_INVALID', detail: { field: issue.path.join('.'), reason: issue.message } };
}
