// oidc-provider (a Koa app) mounted inside Fastify under /{tenant}: the raw request is handed over with the
// tenant prefix stripped, so the provider derives its mount path and builds every URL from SIGNET_PUBLIC_URL.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import { type CacheVersions, isStale } from '../core/cache-staleness.ts';
import { SignetError } from '../core/errors.ts';
import { sessionSatisfiesInteraction } from '../core/interaction.ts';
import type { StepMethod } from '../core/session-steps.ts';
import { logoutEndsSignetSession } from '../core/sign-out.ts';
import type { AuthenticationStrength } from '../core/strengths.ts';
import {
  type AuthorizationFacts,
  decideAuthorization,
  recordAuthorization,
  refusalOf,
} from '../flows/authorization-decision.ts';
import type { Ctx } from '../flows/context.ts';
import { refreshAllowed } from '../flows/refresh-decision.ts';
import { type EndedAppSession, endSession, liveSessionOf } from '../flows/sessions.ts';
import { loadSigningKeysInForce } from '../flows/signing-keys.ts';
import { buildProvider } from '../oidc/provider.ts';
import { cacheVersionWatch } from '../store/cache-versions.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, type User } from '../store/users.ts';
import { setOidcSecurityHeaders } from './plugins/security-headers.ts';
import { sessionCookieName } from './session-cookie.ts';
import type { TenantResolver } from './tenants.ts';

/** Where an interaction goes from a live session: on to the app, to the sign-in page, or to one more step. */
export type InteractionStep =
  | { kind: 'done'; url: string }
  | { kind: 'signIn' }
  | { kind: 'stepUp'; offer: StepMethod[]; needs: AuthenticationStrength[]; user: User };

/** The subject of an id_token_hint oidc-provider has already validated; null when it cannot be read. */
function subjectOf(hint: string): string | null {
  try {
    return decodeJwt(hint).sub ?? null;
  } catch {
    return null;
  }
}

interface Built {
  provider: Promise<Provider>;
  /** The versions read before the provider was built (its signing keys and tenant are read after). */
  versions: CacheVersions;
  /** When a rotated-out key it holds falls due (ctx.now() time): rebuilt from then on, so it neither publishes
   * nor accepts that key (an id_token_hint at logout) while the maintenance pass has yet to mark it retired. */
  until: number;
}

/**
 * One oidc-provider per tenant, rebuilt within a second of a key rotation or a tenant change through any process
 * (the tenant's versions, read at most once a second). Apps need nothing here: oidc-provider reads the client
 * from the adapter (the apps table) on every find and keeps Client instances by a hash of what it read.
 */
export class OidcMount {
  readonly #providers = new Map<string, Built>();
  readonly #ctx: Ctx;
  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  /** The live Signet session of the browser behind a provider request, with its enabled user: read once a request. */
  #liveOf(tenant: Tenant, k: KoaContextWithOIDC) {
    let live = this.#live.get(k);
    if (!live) {
      const token = k.cookies.get(sessionCookieName(this.#ctx.config, tenant), { signed: false }) ?? undefined;
      live = liveSessionOf(this.#ctx, tenant.id, token);
      this.#live.set(k, live);
    }
    return live;
  }
  readonly #live = new WeakMap<object, ReturnType<typeof liveSessionOf>>();

  async provider(tenant: Tenant): Promise<Provider> {
    const versions = await cacheVersionWatch(this.#ctx.db).current(tenant.id);
    const built = this.#providers.get(tenant.id);
    if (built && !isStale(built.versions, versions, ['tenant', 'signing-keys']) && this.#ctx.now() < built.until)
      return built.provider;
    // One read of the keys: the provider signs with them and is built again when that very set changes by itself.
    const keys = loadSigningKeysInForce(this.#ctx, tenant.id);
    const p = keys.then((k) =>
      buildProvider(this.#ctx, tenant, k.jwks, {
        onLogout: (k) => this.#onLogout(tenant, k),
        signetSession: async (k) => {
          const live = await this.#liveOf(tenant, k);
          return (
            live && { id: live.session.id, userId: live.user.id, authTime: Math.floor(live.session.authTime / 1000) }
          );
        },
        refreshAllowed: (k, r) =>
          refreshAllowed(this.#ctx, tenant, {
            userId: r.accountId,
            clientId: r.clientId,
            ...(r.signetSessionId ? { signetSessionId: r.signetSessionId } : {}),
            amr: r.amr,
            authTime: r.authTime,
            claims: r.claims,
            ip: k.ip ?? null,
            ...(k.get('user-agent') ? { userAgent: k.get('user-agent') } : {}),
          }),
        authorize: async (k) => {
          const live = await this.#liveOf(tenant, k);
          const clientId = k.oidc.client?.clientId;
          if (!live || !clientId) return undefined;
          const interaction = (k.oidc.entities as { Interaction?: { iat?: number; uid?: string } }).Interaction;
          const facts: AuthorizationFacts = {
            session: live.session,
            user: live.user,
            clientId,
            params: (k.oidc.params ?? {}) as Record<string, unknown>,
            startedAt: interaction?.iat !== undefined ? interaction.iat * 1000 : undefined,
            promptLogin: k.oidc.prompts.has('login'),
            ip: k.ip ?? null,
            ...(k.get('user-agent') ? { userAgent: k.get('user-agent') } : {}),
            ...(interaction?.uid ? { interactionUid: interaction.uid } : {}),
          };
          const outcome = await decideAuthorization(this.#ctx, tenant, facts);
          const d = outcome.decision;
          if (d.kind !== 'finish') return undefined;
          return {
            acr: d.acr,
            amr: d.amr,
            ts: Math.floor(d.authTime / 1000),
            record: () => recordAuthorization(this.#ctx, tenant, facts, outcome),
          };
        },
      }),
    );
    const entry: Built = { provider: p, versions, until: Number.POSITIVE_INFINITY };
    keys.then(
      (k) => {
        if (k.nextChangeAt !== undefined) entry.until = k.nextChangeAt;
      },
      () => undefined,
    );
    p.catch(() => this.#providers.get(tenant.id) === entry && this.#providers.delete(tenant.id));
    this.#providers.set(tenant.id, entry);
    return p;
  }

  /**
   * RP-initiated logout ends Signet's own session too, or the next authorize would sign the user in again; but
   * only the session of the user who signed out (see logoutEndsSignetSession).
   */
  async #onLogout(tenant: Tenant, k: KoaContextWithOIDC): Promise<void> {
    const name = sessionCookieName(this.#ctx.config, tenant);
    const token = k.cookies.get(name) ?? undefined;
    const live = await liveSessionOf(this.#ctx, tenant.id, token);
    const facts = {
      signOut: Boolean(k.oidc.params?.logout),
      ...(k.oidc.session?.accountId ? { providerAccountId: k.oidc.session.accountId } : {}),
      ...(live ? { signetUserId: live.session.userId } : {}),
    };
    if (!logoutEndsSignetSession(facts)) return;
    k.cookies.set(name, null, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.#ctx.config.secureCookies });
    await this.backchannelLogout(tenant, await endSession(this.#ctx, tenant.id, token));
  }

  /**
   * OIDC Back-Channel Logout for the app sessions a Signet sign-out ended (oidc-provider tells the apps of the
   * session it ends itself at RP-initiated logout): a logout token to each app with a URI. An app that cannot be
   * reached is logged, never a reason to keep the user signed in.
   */
  async backchannelLogout(tenant: Tenant, ended: readonly EndedAppSession[]): Promise<void> {
    if (ended.length === 0) return;
    const provider = await this.provider(tenant);
    await Promise.all(
      ended.map(async (e) => {
        const client = (await provider.Client.find(e.clientId)) as
          | (InstanceType<Provider['Client']> & { backchannelLogout(sub: string, sid: string): Promise<void> })
          | undefined;
        if (!client?.backchannelLogoutUri) return;
        await client
          .backchannelLogout(e.accountId, e.sid)
          .catch((err: Error) =>
            this.#ctx.log.warn(
              { tenantId: tenant.id, clientId: e.clientId, err: err.message },
              'back-channel logout failed',
            ),
          );
      }),
    );
  }

  /**
   * Refuses with OIDC_INTERACTION_NOT_FOUND when the app's sign-in request this browser is answering is gone
   * (expired, finished, or begun in another browser), before anything is spent on it: a one-time pass used to
   * answer a request that no longer exists would be lost for nothing.
   */
  async assertInteractionAlive(
    tenant: Tenant,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ clientId: string | undefined; params: Record<string, unknown> }> {
    const provider = await this.provider(tenant);
    try {
      const details = await provider.interactionDetails(req.raw, reply.raw);
      const clientId = details.params.client_id;
      return { clientId: typeof clientId === 'string' ? clientId : undefined, params: details.params };
    } catch (err) {
      if (err instanceof oidcErrors.SessionNotFound)
        throw new SignetError('OIDC_INTERACTION_NOT_FOUND', {}, { cause: err });
      throw err;
    }
  }

  /**
   * Finishes an OIDC interaction with the user's Signet session when that session satisfies the request (no
   * prompt=login after it began, max_age respected) and the interaction decision lets it (Conditional Access, the
   * app's acr_values and claims): the URL to continue at. `signIn` when the user must sign in (again); `stepUp` with
   * the methods that can give the missing step; a block is thrown with its code, and logged. Refuses with
   * OIDC_INTERACTION_NOT_FOUND when the request itself is gone.
   */
  async tryFinishInteraction(
    tenant: Tenant,
    req: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    uid: string,
  ): Promise<InteractionStep> {
    const provider = await this.provider(tenant);
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req.raw, reply.raw);
    } catch (err) {
      // The request expired, was finished, or began in another browser: signing in again cannot bring it
      // back, so say so instead of sending the user round the sign-in page for ever.
      if (err instanceof oidcErrors.SessionNotFound)
        throw new SignetError('OIDC_INTERACTION_NOT_FOUND', {}, { cause: err });
      throw err;
    }
    const hint = details.params.id_token_hint;
    const maxAge = Number(details.params.max_age);
    const facts = {
      expectedUid: uid,
      uid: details.uid,
      prompt: { name: details.prompt.name, reasons: details.prompt.reasons },
      startedAt: details.iat ?? 0,
      ...(typeof hint === 'string' ? { hintSubject: subjectOf(hint) } : {}),
      ...(details.params.max_age !== undefined && Number.isFinite(maxAge) ? { maxAgeSeconds: maxAge } : {}),
      ...(details.session?.accountId ? { providerAccountId: details.session.accountId } : {}),
    };
    if (!sessionSatisfiesInteraction(facts, session, this.#ctx.now())) return { kind: 'signIn' };
    if (details.prompt.name === 'consent') {
      // Apps are registered by the tenant's administrators (see loadExistingGrant in oidc/provider.ts): Signet
      // consents for the user, also when an app asks for prompt=consent, as OIDC Core asks of one that wants
      // offline_access (a refresh token that outlives the sign-in).
      const found = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      const grant =
        found && found.accountId === session.userId
          ? found
          : new provider.Grant({ clientId: String(details.params.client_id), accountId: session.userId });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const missingClaims = (details.prompt.details as { missingOIDCClaims?: string[] }).missingOIDCClaims;
      if (missingClaims?.length) grant.addOIDCClaims(missingClaims);
      const grantId = await grant.save();
      const url = await provider.interactionResult(
        req.raw,
        reply.raw,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return { kind: 'done', url };
    }
    const user = await findUserById(this.#ctx.db, tenant.id, session.userId);
    if (!user?.enabled) return { kind: 'signIn' };
    const authorization: AuthorizationFacts = {
      session,
      user,
      clientId: String(details.params.client_id),
      params: details.params as Record<string, unknown>,
      startedAt: details.iat !== undefined ? details.iat * 1000 : undefined,
      promptLogin: String(details.params.prompt ?? '')
        .split(' ')
        .includes('login'),
      ip: req.ip,
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      interactionUid: details.uid,
    };
    const outcome = await decideAuthorization(this.#ctx, tenant, authorization);
    const d = outcome.decision;
    // What the user meets here is logged here; the app's answer is logged once, by the provider's check.
    if (d.kind !== 'finish') await recordAuthorization(this.#ctx, tenant, authorization, outcome);
    if (d.kind === 'block') throw refusalOf(d);
    if (d.kind === 'stepUp') return { kind: 'stepUp', offer: d.offer, needs: d.needs, user };
    const url = await provider.interactionResult(
      req.raw,
      reply.raw,
      {
        login: {
          accountId: session.userId,
          amr: d.amr,
          ...(d.acr ? { acr: d.acr } : {}),
          ts: Math.floor(d.authTime / 1000),
          remember: true,
        },
      },
      { mergeWithLastSubmission: false },
    );
    return { kind: 'done', url };
  }

  routes(app: FastifyInstance, tenants: TenantResolver): void {
    const forward = async (req: FastifyRequest, reply: FastifyReply, rewrite?: (rest: string) => string) => {
      const tenant = await tenants.ordinaryFromRequest(req);
      const provider = await this.provider(tenant);
      const seg = (req.params as { tenant: string }).tenant;
      const url = req.raw.url ?? '/';
      const rest = url.slice(seg.length + 1);
      const inner = rewrite ? rewrite(rest) : rest;
      reply.hijack();
      setOidcSecurityHeaders(reply.raw, this.#ctx.config.secureCookies);
      const raw = req.raw as typeof req.raw & { originalUrl?: string };
      raw.originalUrl = `/${seg}${inner}`;
      raw.url = inner;
      // Never the client's Host or X-Forwarded-*: the configured public URL decides every URL and the issuer.
      raw.headers.host = this.#ctx.config.publicUrl.host;
      raw.headers['x-forwarded-host'] = this.#ctx.config.publicUrl.host;
      raw.headers['x-forwarded-proto'] = this.#ctx.config.publicUrl.protocol.replace(':', '');
      // The provider's ctx.ip is the client Signet resolved (SIGNET_TRUSTED_PROXIES), never a forged header.
      raw.headers['x-forwarded-for'] = req.ip;
      delete raw.headers.forwarded;
      // The provider's own error pages show the request id Signet logs (never one the client sent).
      raw.headers['signet-request-id'] = req.id;
      provider.callback()(raw, reply.raw);
    };

    app.register(async (scope) => {
      // oidc-provider reads request bodies itself.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      scope.all('/:tenant/oauth2/*', (req, reply) => forward(req, reply));
      scope.all('/:tenant/discovery/*', (req, reply) => forward(req, reply));
      scope.all('/:tenant/oidc/*', (req, reply) => forward(req, reply));
      scope.get('/:tenant/v2.0/.well-known/openid-configuration', (req, reply) =>
        forward(req, reply, (rest) =>
          rest.replace('/v2.0/.well-known/openid-configuration', '/.well-known/openid-configuration'),
        ),
      );
    });
  }
}
