// Scopes as scripts written for Microsoft Graph ask for them: `https://graph.microsoft.com/.default`,
// `https://graph.microsoft.com/User.Read.All`, `{public URL}/graph/.default` or a bare `User.Read.All` all name
// Signet's Graph resource. Pure: the token endpoint (src/oidc/resource-servers.ts) maps them before issuing.
import {
  type ApplicationPermission,
  canonicalDelegatedScope,
  canonicalPermission,
  type DelegatedScope,
} from './authorization.ts';

/** Microsoft Graph's resource names, which Signet's Graph resource answers to. */
const GRAPH_ALIASES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
/** Scopes that are OpenID Connect's, not a Graph permission. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export function graphResource(origin: string): string {
  return `${origin}/graph`;
}

/** Whether a resource indicator names Signet's Graph resource (ours, or Microsoft Graph's name for it). */
export function isGraphResource(resource: string, origin: string): boolean {
  const r = resource.replace(/\/+$/, '').toLowerCase();
  return r === graphResource(origin).toLowerCase() || GRAPH_ALIASES.includes(r);
}

export type GraphScope =
  | { kind: 'default' }
  | { kind: 'permission'; name: string }
  /** Not a Graph scope (an OIDC scope, or another resource's). */
  | { kind: 'other' };

export function parseGraphScope(raw: string, origin: string): GraphScope {
  if (OIDC_SCOPES.has(raw)) return { kind: 'other' };
  const slash = raw.lastIndexOf('/');
  if (slash === -1) return raw === '.default' ? { kind: 'default' } : { kind: 'permission', name: raw };
  if (!isGraphResource(raw.slice(0, slash), origin)) return { kind: 'other' };
  const name = raw.slice(slash + 1);
  if (name === '.default') return { kind: 'default' };
  return name ? { kind: 'permission', name } : { kind: 'other' };
}

export type ApplicationScopeResult =
  | { ok: true; roles: ApplicationPermission[]; graphScopes: string[] }
  | { ok: false; scope: string; reason: string };

/**
 * What an app's client-credentials request for these scopes carries: `.default` gives every granted
 * permission, a named one only itself, and only when granted. `graphScopes` are the raw values that named Graph.
 */
export function resolveApplicationScopes(
  requested: readonly string[],
  granted: readonly string[],
  origin: string,
): ApplicationScopeResult {
  const grantedSet = new Set(granted.map((g) => canonicalPermission(g)).filter((g) => g !== undefined));
  const roles = new Set<ApplicationPermission>();
  const graphScopes: string[] = [];
  for (const raw of requested) {
    const s = parseGraphScope(raw, origin);
    if (s.kind === 'other') continue;
    graphScopes.push(raw);
    if (s.kind === 'default') {
      for (const g of grantedSet) roles.add(g);
      continue;
    }
    const p = canonicalPermission(s.name);
    if (!p) return { ok: false, scope: raw, reason: 'not a permission Signet knows' };
    if (!grantedSet.has(p)) return { ok: false, scope: raw, reason: 'not granted to this app' };
    roles.add(p);
  }
  if (graphScopes.length === 0) return { ok: false, scope: requested.join(' '), reason: 'no Graph scope requested' };
  if (roles.size === 0) return { ok: false, scope: graphScopes.join(' '), reason: 'the app has no permission granted' };
  return { ok: true, roles: [...roles].sort(), graphScopes };
}

export type DelegatedScopeResult =
  | { ok: true; scopes: DelegatedScope[]; graphScopes: string[] }
  | { ok: false; scope: string; reason: string };

/** Whether any of the requested scopes names Signet's Graph resource (then the request is for a Graph token). */
export function requestsGraph(requested: readonly string[], origin: string): boolean {
  return requested.some((raw) => parseGraphScope(raw, origin).kind !== 'other');
}

/**
 * What a signed-in user's token for these scopes carries (`scp`): a named scope gives itself when Signet knows
 * it (apps are registered by administrators, so any app may ask for any delegated scope; it opens a route
 * only together with one of the user's roles). `.default` takes the safe reading of Entra's "what the app was
 * consented for": `User.Read`, plus the permissions an administrator granted the app (`app grant`), which the
 * app can already use on its own with client credentials; never every scope Signet knows.
 */
export function resolveDelegatedScopes(
  requested: readonly string[],
  appPermissions: readonly string[],
  origin: string,
): DelegatedScopeResult {
  const scopes = new Set<DelegatedScope>();
  const graphScopes: string[] = [];
  for (const raw of requested) {
    const s = parseGraphScope(raw, origin);
    if (s.kind === 'other') continue;
    graphScopes.push(raw);
    if (s.kind === 'default') {
      scopes.add('User.Read');
      for (const g of appPermissions) {
        const p = canonicalPermission(g);
        if (p) scopes.add(p);
      }
      continue;
    }
    const d = canonicalDelegatedScope(s.name);
    if (!d) return { ok: false, scope: raw, reason: 'not a delegated scope Signet knows' };
    scopes.add(d);
  }
  if (graphScopes.length === 0) return { ok: false, scope: requested.join(' '), reason: 'no Graph scope requested' };
  return { ok: true, scopes: [...scopes].sort(), graphScopes };
}
