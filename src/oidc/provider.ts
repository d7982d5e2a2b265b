// One oidc-provider per tenant, at SPEC §3's Entra-shaped paths, issuer {public URL}/{tenant id}/v2.0.
import { hkdfSync } from 'node:crypto';
import Provider, { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { apiResourceOf, apiScopesOf } from '../core/api-scopes.ts';
import { roleTemplateIdsOf } from '../core/authorization.ts';
import { contextsMet, signInClaimsOf } from '../core/authorization-request.ts';
import { clientCorsAllowed } from '../core/client-cors.ts';
import {
  graphResource,
  isGraphResource,
  requestsGraph,
  resolveApplicationScopes,
  resolveDelegatedScopes,
} from '../core/graph-scopes.ts';
import { ACR_PHR, ACR_PHRH } from '../core/interaction-decision.ts';
import { SIGNED_TOKEN_TTL_S } from '../core/signing-key-retirement.ts';
import { MFA_STRENGTH_ID, PASSWORDLESS_MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../core/strengths.ts';
import { authenticateClientSecret } from '../flows/apps.ts';
import type { Ctx } from '../flows/context.ts';
import { loadPrivateJwks } from '../flows/signing-keys.ts';
import { findApp } from '../store/apps.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById } from '../store/users.ts';
import { renderOAuthErrorPage } from '../web/pages/error.ts';
import { escapeHtml, renderMessagePage } from '../web/pages/layout.ts';
import { adapterFactory } from './adapter.ts';

export const OIDC_ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  end_session: '/oauth2/v2.0/logout',
  revocation: '/oauth2/v2.0/revoke',
  introspection: '/oauth2/v2.0/introspect',
  pushed_authorization_request: '/oauth2/v2.0/par',
  jwks: '/discovery/v2.0/keys',
  userinfo: '/oidc/userinfo',
} as const;

export function issuerOf(ctx: Ctx, tenant: Tenant): string {
  return `${ctx.config.origin}/${tenant.id}/v2.0`;
}

export interface ProviderHooks {
  /** After a successful end of session, before the response leaves (cookies may still be set). */
  onLogout(k: KoaContextWithOIDC): Promise<void>;
  /** The request's live Signet session (its row id, its user, when they signed in in seconds), if any. */
  signetSession(k: KoaContextWithOIDC): Promise<{ id: string; userId: string; authTime: number } | undefined>;
  /**
   * The interaction decision (flows/authorization-decision.ts) for this authorization request and the browser's
   * session: what the app's answer says of the sign-in (acr, amr, auth_time in seconds) and how to log it, or
   * undefined when the user must sign in, step up or be refused (the sign-in page says which).
   */
  authorize(
    k: KoaContextWithOIDC,
  ): Promise<{ acr: string | undefined; amr: string[]; ts: number; record(): Promise<void> } | undefined>;
  /** Conditional Access at a refresh (flows/refresh-decision.ts): whether the refresh token may still be used. */
  refreshAllowed(
    k: KoaContextWithOIDC,
    r: {
      accountId: string;
      clientId: string;
      signetSessionId?: string;
      amr: string[];
      authTime: number;
      claims?: unknown;
    },
  ): Promise<boolean>;
}

/** The acrs claim for the ID token or userinfo when the claims parameter asked for it (met, or no code). */
const acrsAsked = (asked: unknown) => {
  const acrs = contextsMet({ id_token: asked });
  return acrs.length ? { acrs } : {};
};

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

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
interface SignetStamps {
  signetSession?: string;
  /** By client id: the Signet session whose sign-in the user made during that app's authorization request. */
  signetSignIns?: Record<string, string>;
}

export async function buildProvider(ctx: Ctx, tenant: Tenant, hooks: ProviderHooks) {
  const cookieKey = Buffer.from(hkdfSync('sha256', ctx.config.secret, tenant.id, 'oidc-cookies', 32)).toString(
    'base64url',
  );
  // The provider's own session never outlives Signet's: signed out, switched user or revoked, the next
  // authorization request asks for sign-in again.
  const policy = interactionPolicy.base();
  /** Requests whose Signet session does not confirm the provider's (the login prompt is asked for). */
  const signInNeeded = new WeakSet<object>();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'signet_session',
      'the Signet session ended, belongs to another user, or is a newer sign-in',
      'login_required',
      async (k) => {
        const signet = await hooks.signetSession(k);
        // A newer Signet sign-in (another method) must reach the tokens too: amr and auth_time come from it.
        const session = k.oidc.session;
        const same = signet && signet.userId === session?.accountId && signet.authTime === session?.authTime();
        if (!same) {
          signInNeeded.add(k);
          return interactionPolicy.Check.REQUEST_PROMPT;
        }
        // The provider session ends when a sign-out finds its Signet session gone (flows/sessions.ts endSession).
        const stamped = session as unknown as SignetStamps;
        if (stamped.signetSession !== signet.id) stamped.signetSession = signet.id;
        // A sign-in made after this app's authorization request began (its interaction) was made for this app.
        const begun = (k.oidc.entities as { Interaction?: { iat?: number } }).Interaction?.iat;
        const clientId = k.oidc.client?.clientId;
        if (clientId && begun !== undefined && signet.authTime >= begun)
          stamped.signetSignIns = { ...stamped.signetSignIns, [clientId]: signet.id };
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  // Conditional Access and what the app asked for (acr_values, claims, max_age, prompt=login) are judged on every
  // authorization request, silent ones too: the app gets an answer only when the decision finishes it with exactly
  // the acr and amr the provider session holds; otherwise the sign-in page asks for the step (or says no).
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'signet_conditional_access',
      'Conditional Access or the app asks for more than the sign-in holds',
      'interaction_required',
      async (k) => {
        // A sign-in is asked for anyway (the check above): the decision waits for the session it will judge.
        if (signInNeeded.has(k)) return interactionPolicy.Check.REQUEST_PROMPT;
        const done = await hooks.authorize(k);
        const session = k.oidc.session;
        if (!done || session?.acr !== done.acr || !sameList(session?.amr, done.amr))
          return interactionPolicy.Check.REQUEST_PROMPT;
        await done.record();
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  const judgeRefresh = async (k: KoaContextWithOIDC, clientId: string) => {
    const rt = (k.oidc.entities as { RefreshToken?: Record<string, unknown> }).RefreshToken;
    if (!rt || typeof rt.accountId !== 'string') return;
    const session =
      typeof rt.sessionUid === 'string' ? await k.oidc.provider.Session.findByUid(rt.sessionUid) : undefined;
    const signetSessionId = (session as unknown as SignetStamps | undefined)?.signetSession;
    const allowed = await hooks.refreshAllowed(k, {
      accountId: rt.accountId,
      clientId,
      ...(signetSessionId ? { signetSessionId } : {}),
      amr: Array.isArray(rt.amr) ? rt.amr.filter((v): v is string => typeof v === 'string') : [],
      authTime: typeof rt.authTime === 'number' ? rt.authTime : 0,
      claims: rt.claims,
    });
    if (!allowed) throw new errors.InvalidGrant('a Conditional Access policy requires the user to sign in again');
  };
  /**
   * An app's own API as a resource server (core/api-scopes.ts): delegated tokens only, for an app of this tenant, a
   * JWT with the API as its audience and the `api://…` scopes of the request, code or refresh token.
   */
  const apiResourceServer = async (
    k: KoaContextWithOIDC,
    target: { resource: string; appId: string },
    params: Record<string, unknown>,
  ) => {
    if (params.grant_type === 'client_credentials')
      throw new errors.InvalidTarget('an API of an app takes tokens for a signed-in user only');
    if (!(await findApp(ctx.db, tenant.id, target.appId))) throw new errors.InvalidTarget();
    const entities = k.oidc.entities as { AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
    const source = params.scope ?? entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? '';
    const api = apiScopesOf(String(source).split(' ').filter(Boolean));
    if (api.kind === 'invalid') throw new errors.InvalidScope(`${api.reason}: ${api.scope}`, api.scope);
    return {
      scope: api.kind === 'api' && api.resource === target.resource ? api.raw.join(' ') : '',
      audience: target.resource,
      accessTokenFormat: 'jwt' as const,
      accessTokenTTL: SIGNED_TOKEN_TTL_S,
      jwt: { sign: { alg: 'RS256' as const } },
    };
  };
  // The application permissions a client-credentials request resolved to, for the token's `roles` claim.
  const appRoles = new WeakMap<object, string[]>();
  const graph = graphResource(ctx.config.origin);
  const provider = new Provider(issuerOf(ctx, tenant), {
    adapter: adapterFactory(ctx, tenant.id),
    jwks: { keys: await loadPrivateJwks(ctx, tenant.id) },
    routes: OIDC_ROUTES,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub', 'oid', 'tid', 'preferred_username', 'name', 'acr', 'amr', 'auth_time'],
      email: ['email'],
      acrs: null,
    },
    // The acr values Signet answers (discovery's acr_values_supported): OpenID EAP's phishing-resistant pair and the
    // built-in strengths' ids (a custom strength's id is honoured too, tenant by tenant).
    acrValues: [ACR_PHR, ACR_PHRH, MFA_STRENGTH_ID, PASSWORDLESS_MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID],
    // The ID token carries who signed in and how, even when an access token is also issued (Entra does the same).
    conformIdTokenClaims: false,
    cookies: {
      keys: [cookieKey],
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    pkce: { required: () => true },
    // Seconds of clock skew allowed on JWTs signed elsewhere or earlier (an id_token_hint's nbf, a logout
    // hint): oidc-provider's default, set here on purpose so a change of default cannot widen it unseen.
    clockTolerance: 15,
    // What an app can authenticate with: its secret (stored as an HMAC, so no client_secret_jwt, which needs the
    // secret itself; no app has keys for private_key_jwt), or nothing for a public client. Discovery says so.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    // The only URLs the provider fetches are apps' back-channel logout URIs, set by the tenant's administrators
    // (there is no dynamic registration): an app's back end on a private network is where such an endpoint
    // usually lives, so the private-address block meant for URLs anyone can register is not applied.
    fetch: (url, init) => {
      const { dispatcher: _dispatcher, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return fetch(url, { ...rest, redirect: 'manual' });
    },
    // A browser app (a public client) calls the token endpoint from the origins of its redirect URIs only.
    clientBasedCORS: (_k, origin, client) =>
      clientCorsAllowed(origin, {
        publicClient: client.clientAuthMethod === 'none',
        redirectUris: client.redirectUris ?? [],
      }),
    responseTypes: ['code'],
    ttl: {
      AuthorizationCode: 60,
      // Signed tokens: signing keys are retired this long (plus clock skew) after rotation.
      AccessToken: SIGNED_TOKEN_TTL_S,
      ClientCredentials: SIGNED_TOKEN_TTL_S,
      IdToken: SIGNED_TOKEN_TTL_S,
      Interaction: 600,
      Session: 12 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    rotateRefreshToken: true,
    // Apps allowed the refresh_token grant get one with every code exchange, as Entra does for offline_access.
    issueRefreshToken: async (_k, client) => client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: async (k, token) => {
      const clientId = (token as unknown as { clientId: string }).clientId;
      // A refresh is a sign-in too: the policies in force now judge it, and a refusal ends the refresh token.
      if (token.kind === 'AccessToken' && k.oidc.params?.grant_type === 'refresh_token')
        await judgeRefresh(k, clientId);
      // App-only tokens for the Graph resource look like Entra's: roles, tid, oid = sub = the app, no scope.
      if (token.kind === 'ClientCredentials') {
        const roles = appRoles.get(k);
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
    },
    formats: {
      customizers: {
        // Graph tokens say what they allow in `roles` or `scp` only; the raw `scope` (`….default`) means nothing there.
        jwt: async (_k, token, jwt) => {
          if (token.kind === 'ClientCredentials' || jwt.payload.scp !== undefined) delete jwt.payload.scope;
        },
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // One resource server: Signet's Graph (`{public URL}/graph`, or Microsoft Graph's name for it), for the
      // client credentials grant and for a signed-in user's code flow that asks for Graph scopes; JWT access
      // tokens (RFC 9068) signed with the tenant's keys. An ID-token-only request names no resource: its access
      // token stays the opaque one for userinfo.
      resourceIndicators: {
        enabled: true,
        defaultResource: (k, _client, oneOf) => {
          if (oneOf) return oneOf;
          const requested = String(k.oidc.params?.scope ?? '').split(' ');
          const api = apiScopesOf(requested);
          if (api.kind === 'invalid') throw new errors.InvalidScope(`${api.reason}: ${api.scope}`, api.scope);
          if (k.oidc.params?.grant_type === 'client_credentials') {
            if (api.kind === 'api')
              throw new errors.InvalidTarget('an API of an app takes tokens for a signed-in user only');
            return graph;
          }
          if (api.kind === 'api') {
            if (requestsGraph(requested, ctx.config.origin))
              throw new errors.InvalidScope('one resource per request: Graph or an API', api.raw[0]!);
            return api.resource;
          }
          return requestsGraph(requested, ctx.config.origin) ? graph : (undefined as unknown as string);
        },
        // The code and refresh token keep the resource their authorization named (Graph, or an app's API).
        useGrantedResource: () => true,
        getResourceServerInfo: async (k, resource, client) => {
          const params = k.oidc.params ?? {};
          const target = apiResourceOf(resource);
          if (target) return apiResourceServer(k, target, params);
          if (!isGraphResource(resource, ctx.config.origin)) throw new errors.InvalidTarget();
          if (params.grant_type !== 'client_credentials') {
            // Delegated: the scopes of the authorization request, or of the code or refresh token being used.
            const entities = k.oidc.entities as {
              AuthorizationCode?: { scope?: string };
              RefreshToken?: { scope?: string };
            };
            const source = params.scope ?? entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? '';
            const requested = String(source).split(' ').filter(Boolean);
            // Only which raw scopes are Graph's and known matters here; `.default` is resolved when the token is made.
            const resolved = resolveDelegatedScopes(requested, [], ctx.config.origin);
            if (!resolved.ok) throw new errors.InvalidScope(`${resolved.reason}: ${resolved.scope}`, resolved.scope);
            return {
              scope: resolved.graphScopes.join(' '),
              audience: graph,
              accessTokenFormat: 'jwt',
              accessTokenTTL: SIGNED_TOKEN_TTL_S,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          const app = await findApp(ctx.db, tenant.id, client.clientId);
          const requested = String(params.scope ?? '')
            .split(' ')
            .filter(Boolean);
          const resolved = resolveApplicationScopes(requested, app?.permissions ?? [], ctx.config.origin);
          if (!resolved.ok) throw new errors.InvalidScope(`${resolved.reason}: ${resolved.scope}`, resolved.scope);
          appRoles.set(k, resolved.roles);
          return {
            scope: resolved.graphScopes.join(' '),
            audience: graph,
            accessTokenFormat: 'jwt',
            accessTokenTTL: SIGNED_TOKEN_TTL_S,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      // The claims parameter (OIDC Core §5.5): an essential acr, and Entra's authentication-context challenge (acrs).
      claimsParameter: { enabled: true },
      // RFC 7009: an app revokes its own tokens only; another app's token is answered 200 and left alone, as a
      // token that does not exist is (no hint to the caller that it is live).
      revocation: { enabled: true, allowedPolicy: async (_k, client, token) => token.clientId === client.clientId },
      // RFC 7662: a confidential app learns about its own tokens of a user still enabled; anything else is
      // `active: false`, the answer for a token that does not exist, so no app can probe another's tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (_k, client, token) => {
          if (client.clientAuthMethod === 'none' || token.clientId !== client.clientId) return false;
          const accountId = (token as { accountId?: string }).accountId;
          return accountId === undefined || (await findUserById(ctx.db, tenant.id, accountId))?.enabled === true;
        },
      },
      userinfo: { enabled: true },
      // OIDC Back-Channel Logout 1.0: an app registered with a URI (signet app create --backchannel-logout-uri)
      // gets a logout token when the user's session with it ends, at RP-initiated logout and at Signet's sign-out
      // (http/oidc-mount.ts backchannelLogout).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (k, form) => {
          k.type = 'html';
          k.body = renderMessagePage({
            title: 'Sign out',
            heading: 'Sign out of Signet?',
            // Cancel leaves everything as it was: a plain link, not a submit (a logout without `logout=yes`
            // would still end the app's session).
            body: `${form}<p>You will be signed out of ${escapeHtml(tenant.displayName)} and the apps you opened with it in this browser.</p>
<div class="actions"><button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary">Sign out</button>
<a href="/${escapeHtml(tenant.slug)}/account" class="button">Cancel, stay signed in</a></div>`,
          });
        },
        postLogoutSuccessSource: async (k) => {
          k.type = 'html';
          k.body = renderMessagePage({
            title: 'Signed out',
            heading: 'You are signed out',
            body: '<p>You can close this window.</p>',
          });
        },
      },
    },
    interactions: {
      policy,
      url: (_k, interaction) => `/${tenant.slug}/signin?uid=${encodeURIComponent(interaction.uid)}`,
    },
    findAccount: async (_k, id) => {
      const user = await findUserById(ctx.db, tenant.id, id);
      // A disabled user gets no tokens, whatever grant is used (VULN-09, VULN-11).
      if (!user?.enabled) return undefined;
      return {
        accountId: id,
        // acrs (the authentication contexts met) only when the request's claims parameter asked for them.
        claims: async (_use, _scope, asked) => ({
          ...acrsAsked(asked),
          sub: id,
          oid: id,
          tid: tenant.id,
          preferred_username: user.userPrincipalName,
          name: user.displayName,
          email: user.userPrincipalName,
        }),
      };
    },
    // Apps are registered by the tenant's administrators: the user is not asked to consent to each one.
    loadExistingGrant: async (k) => {
      const client = k.oidc.client!;
      const session = k.oidc.session!;
      const grantId = k.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      const grant =
        (grantId && (await k.oidc.provider.Grant.find(grantId))) ||
        new k.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
      grant.addOIDCScope([...k.oidc.requestParamScopes].join(' '));
      // Claims asked for by name (the claims parameter: acr, acrs) are granted too; what they say is still Signet's.
      const claims = [...(k.oidc.requestParamClaims ?? [])];
      if (claims.length) grant.addOIDCClaims(claims);
      // The Graph scopes asked for are granted on the user's behalf too (the resource server already refused
      // any Signet does not know); what they allow is still capped by the user's roles.
      for (const [identifier, server] of Object.entries(k.oidc.resourceServers ?? {}))
        if (server.scope) grant.addResourceScope(identifier, server.scope);
      await grant.save();
      return grant;
    },
    // Signet's own error page, in plain words, with the protocol's error code and Signet's request id (written
    // by oidc-mount.ts, never the client's) in small print; the status stays the provider's.
    renderError: async (k, out) => {
      k.type = 'html';
      const requestId = k.get('signet-request-id');
      k.body = renderOAuthErrorPage({
        error: String(out.error),
        ...(out.error_description ? { description: String(out.error_description) } : {}),
        status: k.status,
        organization: tenant.displayName,
        ...(requestId ? { requestId } : {}),
      });
    },
  });
  // The provider session keeps which Signet session confirmed it (the row id, a hash: nothing to replay), and for
  // which apps a sign-in was made.
  const sessionPayload = provider.Session.IN_PAYLOAD;
  Object.defineProperty(provider.Session, 'IN_PAYLOAD', {
    get: () => [...sessionPayload, 'signetSession', 'signetSignIns'],
  });
  // Signet builds every URL from SIGNET_PUBLIC_URL, which the edge writes into the forwarded headers.
  provider.proxy = true;
  // The event fires synchronously mid-request; the hook runs once the logout has been handled, while its
  // response can still carry cookies.
  const loggedOut = new WeakSet<object>();
  provider.on('end_session.success', (k: KoaContextWithOIDC) => loggedOut.add(k));
  // An app that could not be told of a logout is the operator's to know about (its own session lives on).
  provider.on('backchannel.error', (_k: unknown, err: Error, client: { clientId: string }) =>
    ctx.log.warn({ tenantId: tenant.id, clientId: client.clientId, err: err.message }, 'back-channel logout failed'),
  );
  provider.use(async (k, next) => {
    await next();
    if (loggedOut.has(k)) await hooks.onLogout(k as KoaContextWithOIDC);
  });
  // Client secrets are stored as HMACs, several per app with their validity (flows/apps.ts); a refusal is logged.
  provider.Client.prototype.compareClientSecret = function compare(this: { clientId: string }, actual: string) {
    return authenticateClientSecret(ctx, tenant.id, this.clientId, actual);
  };
  return provider;
}
