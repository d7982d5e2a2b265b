// The claims Signet adds to tokens: app-only and delegated Graph tokens, app API tokens, the ID token's acrs.
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { apiResourceOf, apiScopesOf } from '../core/api-scopes.ts';
import { roleTemplateIdsOf } from '../core/authorization.ts';
import { contextsMet, signInClaimsOf } from '../core/authorization-request.ts';
import { resolveDelegatedScopes } from '../core/graph-scopes.ts';
import type { Ctx } from '../flows/context.ts';
import { findApp } from '../store/apps.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import type { Tenant } from '../store/tenants.ts';

/** The acrs claim for the ID token or userinfo when the claims parameter asked for it (met, or no code). */
export const acrsAsked = (asked: unknown) => {
  const acrs = contextsMet({ id_token: asked });
  return acrs.length ? { acrs } : {};
};

/**
 * The Signet session (its row id, a hash: nothing to replay) that confirmed the sign-in behind a code exchange,
 * for the `signet_sid` claim of a delegated Graph token: the Graph API reads that session's strong sign-in time
 * where a decision needs it (the /me registration gate). Refreshed tokens do not carry it: their provider
 * session may since have been confirmed by a newer sign-in the app never asked for. Nor do the tokens of an app
 * that got its code silently (SSO) on a sign-in the user made for another app.
 */
async function signetSessionBehind(k: KoaContextWithOIDC, token: unknown, accountId: string, clientId: string) {
  const sessionUid = (token as { sessionUid?: string }).sessionUid;
  if (k.oidc.params?.grant_type !== 'authorization_code' || !sessionUid) return undefined;
  const session = await k.oidc.provider.Session.findByUid(sessionUid);
  const stamped = session as unknown as SignetStamps | undefined;
  const signet = stamped?.signetSession;
  // Only the app the sign-in was made for: another app signed in silently (SSO) must not register a passkey of
  // its own on the strength of a sign-in the user made for someone else.
  const ownSignIn = stamped?.signetSignIns?.[clientId] === signet;
  return session?.accountId === accountId && typeof signet === 'string' && ownSignIn ? signet : undefined;
}

/** What the provider session keeps of Signet's: the session confirming it, and the apps each sign-in was for. */
export interface SignetStamps {
  signetSession?: string;
  /** By client id: the Signet session whose sign-in the user made during that app's authorization request. */
  signetSignIns?: Record<string, string>;
}

/**
 * The provider's `extraTokenClaims` once a refresh has been judged: `roles` are the application permissions the
 * client-credentials request resolved to (resource-servers.ts), undefined for any other request.
 */
export async function accessTokenClaims(
  ctx: Ctx,
  tenant: Tenant,
  k: KoaContextWithOIDC,
  token: { kind: string },
  clientId: string,
  graph: string,
  roles: string[] | undefined,
) {
  // App-only tokens for the Graph resource look like Entra's: roles, tid, oid = sub = the app, no scope.
  if (token.kind === 'ClientCredentials') {
    if (!roles) return undefined;
    return { roles, tid: tenant.id, oid: clientId, azp: clientId, appid: clientId, idtyp: 'app', ver: '2.0' };
  }
  // A signed-in user's token for the Graph resource, as Entra's: scp (the delegated scopes, `.default`
  // resolved against what the app is granted now) and wids (the user's roles now), tid, oid = sub = the user.
  const at = token as unknown as { accountId?: string; scope?: string; resourceServer?: { audience?: string } };
  const from = k.oidc.entities as { AuthorizationCode?: object; RefreshToken?: object };
  // A signed-in user's token for an app's API: how they signed in, and the scope names asked for (`scp`).
  if (token.kind === 'AccessToken' && at.accountId && apiResourceOf(at.resourceServer?.audience ?? '')) {
    const api = apiScopesOf(String(at.scope ?? '').split(' '));
    return {
      ...signInClaimsOf(from.AuthorizationCode ?? from.RefreshToken),
      scp: api.kind === 'api' ? api.names.join(' ') : '',
      tid: tenant.id,
      oid: at.accountId,
      azp: clientId,
      ver: '2.0',
    };
  }
  if (token.kind !== 'AccessToken' || at.resourceServer?.audience !== graph || !at.accountId) return undefined;
  const [app, roleNames] = await Promise.all([
    findApp(ctx.db, tenant.id, clientId),
    roleNamesOf(ctx.db, tenant.id, at.accountId),
  ]);
  const requested = String(at.scope ?? '')
    .split(' ')
    .filter(Boolean);
  const resolved = resolveDelegatedScopes(requested, app?.permissions ?? [], ctx.config.origin);
  if (!resolved.ok) throw new errors.InvalidScope(`${resolved.reason}: ${resolved.scope}`, resolved.scope);
  const wids = roleTemplateIdsOf(roleNames);
  const signetSid = await signetSessionBehind(k, token, at.accountId, clientId);
  return {
    // How the user signed in, as the code or refresh token recorded it (RFC 9068 §2.2.1; Entra's acrs).
    ...signInClaimsOf(from.AuthorizationCode ?? from.RefreshToken),
    scp: resolved.scopes.join(' '),
    ...(wids.length ? { wids } : {}),
    ...(signetSid ? { signet_sid: signetSid } : {}),
    tid: tenant.id,
    oid: at.accountId,
    azp: clientId,
    appid: clientId,
    idtyp: 'user',
    ver: '2.0',
  };
}
