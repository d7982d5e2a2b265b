// /{tenant}/account/authenticator-app: the page that sets up an authenticator app, and its form post (a script
// may post JSON to the same address and gets JSON). Needs a signed-in session with a strong sign-in from the last
// 5 minutes; otherwise the page says so and links to signing in again.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ErrorCode, SignetError } from '../../core/errors.ts';
import { isoUtc } from '../../core/graph-user.ts';
import { isStrongAuthFresh } from '../../core/registration-gate.ts';
import type { Ctx } from '../../flows/context.ts';
import { beginTotpSetup, confirmTotpSetup, deleteOwnTotp } from '../../flows/totp.ts';
import { listTotpMethods } from '../../store/otp-methods.ts';
import type { Session } from '../../store/sessions.ts';
import type { Tenant } from '../../store/tenants.ts';
import { findUserById, type User } from '../../store/users.ts';
import { personMessage } from '../../web/messages.ts';
import { renderAuthenticatorAppPage } from '../../web/pages/authenticator-app.ts';
import type { PageStatus } from '../../web/pages/layout.ts';
import { isFormPost, parseBody } from '../parse.ts';
import { refusalForPage } from '../plugins/errors.ts';
import { assertSameOrigin, currentSession, requireSession } from '../session-cookie.ts';
import type { TenantResolver } from '../tenants.ts';

const confirmBody = z.object({ code: z.string().max(32), displayName: z.string().max(200).optional() }).strict();
const doneQuery = z.object({ done: z.enum(['added', 'removed']).optional() });
const idParam = z.object({ tenant: z.string(), id: z.string().uuid() });
const DONE = {
  added: 'The authenticator app was added. You can use its codes to sign in.',
  removed: 'The authenticator app was removed: its codes no longer sign in.',
} as const;
/** Refusals shown in place of the set-up (nothing to type a code into). */
const BLOCKING: readonly ErrorCode[] = ['OTP_TOTP_NOT_ALLOWED', 'OTP_TOTP_LIMIT_REACHED'];

export function accountMethodRoutes(app: FastifyInstance, s: { ctx: Ctx; tenants: TenantResolver }): void {
  const { ctx, tenants } = s;
  const here = (t: Tenant) => `/${t.slug}/account/authenticator-app`;

  const appsOf = async (tenant: Tenant, user: User) =>
    (await listTotpMethods(ctx.db, tenant.id, user.id)).map((m) => ({
      id: m.id,
      displayName: m.displayName,
      addedAt: isoUtc(m.confirmedAt ?? m.createdAt),
    }));

  /** The page for this session: the key to add, or why not (a stale sign-in, the policy, the limit). */
  const page = async (
    reply: FastifyReply,
    tenant: Tenant,
    session: Session,
    user: User,
    extra: { status?: PageStatus; httpStatus?: number; notice?: string } = {},
  ) => {
    const apps = await appsOf(tenant, user);
    const base = { tenant, user, apps, notice: extra.notice, status: extra.status };
    let html: string;
    if (!isStrongAuthFresh(session.strongAuthAt, ctx.now()))
      html = renderAuthenticatorAppPage({ ...base, status: undefined, reauth: true });
    else {
      try {
        html = renderAuthenticatorAppPage({ ...base, setup: await beginTotpSetup(ctx, tenant, session) });
      } catch (err) {
        if (!(err instanceof SignetError) || !BLOCKING.includes(err.code)) throw err;
        html = renderAuthenticatorAppPage({ ...base, status: extra.status ?? personMessage(err.code, err.detail) });
      }
    }
    return reply
      .status(extra.httpStatus ?? 200)
      .type('text/html; charset=utf-8')
      .send(html);
  };

  const signedIn = async (req: FastifyRequest, tenant: Tenant) => {
    const session = await currentSession(ctx, req, tenant);
    const user = session && (await findUserById(ctx.db, tenant.id, session.userId));
    return session && user?.enabled ? { session, user } : undefined;
  };
  const toSignIn = (tenant: Tenant) => `/${tenant.slug}/signin?return=${encodeURIComponent(here(tenant))}`;

  app.get('/:tenant/account/authenticator-app', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const who = await signedIn(req, tenant);
    if (!who) return reply.redirect(toSignIn(tenant), 303);
    const { done } = doneQuery.safeParse(req.query).data ?? {};
    return page(reply, tenant, who.session, who.user, {
      notice: done && DONE[done],
    });
  });

  app.post('/:tenant/account/authenticator-app', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const form = isFormPost(req);
    if (!form) {
      const session = await requireSession(ctx, req, tenant);
      const body = parseBody(confirmBody, req.body);
      const m = await confirmTotpSetup(ctx, tenant, session, body, { ip: req.ip });
      return reply.status(201).send({ id: m.id, displayName: m.displayName, createdDateTime: isoUtc(m.createdAt) });
    }
    const who = await signedIn(req, tenant);
    if (!who) return reply.redirect(toSignIn(tenant), 303);
    try {
      const body = parseBody(confirmBody, req.body);
      await confirmTotpSetup(ctx, tenant, who.session, body, { ip: req.ip });
      return reply.redirect(`${here(tenant)}?done=added`, 303);
    } catch (err) {
      const e = refusalForPage(req, err);
      return page(reply, tenant, who.session, who.user, {
        status: personMessage(e.code, e.detail),
        httpStatus: e.status,
      });
    }
  });

  /** Removing an app: the form's post (back to the page), or a script's DELETE (204). */
  const remove = async (req: FastifyRequest, tenant: Tenant, session: Session) => {
    const { id } = parseBody(idParam, req.params);
    try {
      await deleteOwnTotp(ctx, tenant, session, id);
    } catch (err) {
      // Another user's app, or one already gone: the same answer.
      if (err instanceof SignetError && err.code === 'GRAPH_RESOURCE_NOT_FOUND')
        throw new SignetError('OTP_TOTP_NOT_REGISTERED');
      throw err;
    }
  };

  app.post('/:tenant/account/authenticator-app/:id/remove', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const who = await signedIn(req, tenant);
    if (!who) return reply.redirect(toSignIn(tenant), 303);
    try {
      await remove(req, tenant, who.session);
      return reply.redirect(`${here(tenant)}?done=removed`, 303);
    } catch (err) {
      const e = refusalForPage(req, err);
      return page(reply, tenant, who.session, who.user, {
        status: personMessage(e.code, e.detail),
        httpStatus: e.status,
      });
    }
  });

  app.delete('/:tenant/account/authenticator-app/:id', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    await remove(req, tenant, await requireSession(ctx, req, tenant));
    return reply.status(204).send();
  });
}
