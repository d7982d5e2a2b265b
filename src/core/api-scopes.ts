// Scopes for an app's own API: an app of the tenant is also a resource server under `api://{its client id}`, as an
// Entra app exposes `api://{appId}`. A scope `api://{id}/orders.read` (or `/.default`) makes the access token a JWT
// for that audience carrying how the user signed in (acr, amr, auth_time, acrs) and `scp` with the names asked for;
// what a name allows is the API's to decide. Pure: the token endpoint (oidc/resource-servers.ts) checks the app exists.

const API = /^api:\/\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;
const NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/** The API resource a resource indicator names (`api://{client id}`, lower-cased), or undefined for another. */
export function apiResourceOf(resource: string): { resource: string; appId: string } | undefined {
  const m = API.exec(resource);
  return m ? { resource: `api://${m[1]!.toLowerCase()}`, appId: m[1]!.toLowerCase() } : undefined;
}

export type ApiScopes =
  | { kind: 'none' }
  | { kind: 'api'; resource: string; appId: string; names: string[]; raw: string[] }
  | { kind: 'invalid'; scope: string; reason: string };

/**
 * Which API the requested scopes name, and the scope names for its token. One API per request (as Entra allows one
 * resource per token); a malformed name is refused rather than dropped.
 */
export function apiScopesOf(requested: readonly string[]): ApiScopes {
  let api: { resource: string; appId: string } | undefined;
  const names: string[] = [];
  const raw: string[] = [];
  for (const s of requested) {
    if (!/^api:\/\//i.test(s)) continue;
    const slash = s.indexOf('/', 'api://'.length);
    const target = apiResourceOf(slash < 0 ? s : s.slice(0, slash));
    const name = slash < 0 ? '' : s.slice(slash + 1);
    if (!target || !(name === '.default' || NAME.test(name)))
      return { kind: 'invalid', scope: s, reason: 'not api://{client id}/{scope name}' };
    if (api && api.resource !== target.resource) return { kind: 'invalid', scope: s, reason: 'one API per request' };
    api = target;
    raw.push(s);
    if (name !== '.default' && !names.includes(name)) names.push(name);
  }
  return api ? { kind: 'api', ...api, names, raw } : { kind: 'none' };
}
