// oidc-provider (a Koa app) mounted inside Fastify under /{tenant}: the raw request is handed over with the
// tenant prefix stripped, so the provider derives its mount path and builds every URL from SIGNET_PUBLIC_URL.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Ctx } from '../flows/context.ts';
import { endSession, liveSessionOf } from '../flows/sessions.ts';
import { buildProvider } from '../oidc/provider.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { setOidcSecurityHeaders } from './plugins/security-headers.ts';
import { sessionCookieName } from './session-cookie.ts';
import type { TenantResolver } from './tenants.ts';

export class OidcMount {
  readonly #providers = new Map<string, Promise<Provider>>();
  readonly #ctx: Ctx;
  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  provider(tenant: Tenant): Promise<Provider> {
    let p = this.#providers.get(tenant.id);
    if (!p) {
      p = buildProvider(this.#ctx, tenant, {
        onLogout: (k) => this.#onLogout(tenant, k),
        signetSession: async (k) => {
          const token = k.cookies.get(sessionCookieName(this.#ctx.config, tenant), { signed: false }) ?? undefined;
          const live = await liveSessionOf(this.#ctx, tenant.id, token);
          return live && { userId: live.user.id, authTime: Math.floor(live.session.authTime / 1000) };
        },
      });
      p.catch(() => this.#providers.delete(tenant.id));
      this.#providers.set(tenant.id, p);
    }
    return p;
  }

  /** RP-initiated logout ends Signet's own session too, or the next authorize would sign the user in again. */
  #onLogout(tenant: Tenant, k: KoaContextWithOIDC): void {
    const name = sessionCookieName(this.#ctx.config, tenant);
    const token = k.cookies.get(name) ?? undefined;
    // The cookie is cleared while the response is still being written; the revocation follows.
    k.cookies.set(name, null, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.#ctx.config.secureCookies });
    endSession(this.#ctx, tenant.id, token).catch((err) =>
      this.#ctx.log.error({ err: String(err) }, 'logout revocation failed'),
    );
  }

  /**
   * Finishes an OIDC interaction with the user's Signet session when that session satisfies the request
   * (no prompt=login after it began, max_age respected). Returns the URL to continue at, or undefined.
   */
  async tryFinishInteraction(
    tenant: Tenant,
    req: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    uid: string,
  ): Promise<string | undefined> {
    const provider = await this.provider(tenant);
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req.raw, reply.raw);
    } catch {
      return undefined;
    }
    // The interaction the page was opened for, not whichever one the cookie names now (two tabs, a popup).
    if (details.uid !== uid) return undefined;
    if (details.prompt.name !== 'login' && details.prompt.name !== 'consent') return undefined;
    // An app that names the account (id_token_hint) gets that account or a sign-in page, never another one.
    const hint = details.params.id_token_hint;
    if (typeof hint === 'string') {
      try {
        if (decodeJwt(hint).sub !== session.userId) return undefined;
      } catch {
        return undefined;
      }
    }
    const reasons = details.prompt.reasons;
    const startedAt = (details.iat ?? 0) * 1000;
    if ((reasons.includes('login_prompt') || reasons.includes('max_age')) && session.authTime < startedAt)
      return undefined;
    const maxAge = Number(details.params.max_age);
    if (
      Number.isFinite(maxAge) &&
      details.params.max_age !== undefined &&
      this.#ctx.now() - session.authTime > maxAge * 1000
    )
      return undefined;
    if (details.session?.accountId && details.session.accountId !== session.userId && details.prompt.name === 'consent')
      return undefined;
    return provider.interactionResult(
      req.raw,
      reply.raw,
      {
        login: { accountId: session.userId, amr: session.amr, ts: Math.floor(session.authTime / 1000), remember: true },
      },
      { mergeWithLastSubmission: false },
    );
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
