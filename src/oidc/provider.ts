// One oidc-provider per tenant, at SPEC §3's Entra-shaped paths, issuer {public URL}/{tenant id}/v2.0.
import { hkdfSync } from 'node:crypto';
import type { JWK } from 'jose';
import Provider, { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { clientCorsAllowed } from '../core/client-cors.ts';
import { ACR_PHR, ACR_PHRH } from '../core/interaction-decision.ts';
import { SIGNED_TOKEN_TTL_S } from '../core/signing-key-schedule.ts';
import { MFA_STRENGTH_ID, PASSWORDLESS_MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../core/strengths.ts';
import { authenticateClientSecret } from '../flows/apps.ts';
import type { Ctx } from '../flows/context.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById } from '../store/users.ts';
import { renderOAuthErrorPage } from '../web/pages/error.ts';
import { escapeHtml, renderMessagePage } from '../web/pages/layout.ts';
import { adapterFactory } from './adapter.ts';
import { resourceServersOf } from './resource-servers.ts';
import { accessTokenClaims, acrsAsked, type SignetStamps } from './token-claims.ts';

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

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

export async function buildProvider(ctx: Ctx, tenant: Tenant, jwks: JWK[], hooks: ProviderHooks) {
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
  const servers = resourceServersOf(ctx, tenant);
  const provider = new Provider(issuerOf(ctx, tenant), {
    adapter: adapterFactory(ctx, tenant.id),
    // The tenant's keys in force, those signing now first (flows/signing-keys.ts loadSigningKeysInForce).
    jwks: { keys: jwks },
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
      // Entra-shaped claims for Graph and API tokens (token-claims.ts).
      return accessTokenClaims(ctx, tenant, k, token, clientId, servers.graph, servers.appRoles.get(k));
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
      // Signet's Graph and apps' own APIs, with JWT access tokens (resource-servers.ts).
      resourceIndicators: servers.resourceIndicators,
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
