// The OData tests' shared helpers: parse with the users' query spec, and insist on acceptance or refusal.
import { userQuerySpec } from './graph-user.ts';
import { type CollectionQuery, parseCollectionQuery } from './odata.ts';

export const parse = (params: Record<string, unknown>) => parseCollectionQuery(params, userQuerySpec);
export function ok(params: Record<string, unknown>): CollectionQuery {
  const r = parse(params);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.detail)}`);
  return r.query;
}
export function refused(params: Record<string, unknown>) {
  const r = parse(params);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.query)}`);
  return r;
}
