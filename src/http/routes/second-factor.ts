// /{tenant}/signin/second-factor: the step after a password. The page offers the user's authenticator app and
// email codes; a verified code adds the factor to the same session and the browser goes on to the OIDC
// interaction (/signin/continue) or the page it came from. Forms work without script; a script's JSON call to the
// same addresses gets JSON, as the TAP route does.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SignetError } from '../../core/errors.ts';
import { needsSecondFactor } from '../../core/one-time-code.ts';
import { correlationIdOf } from '../../flows/authorization-decision.ts';
import type { Ctx } from '../../flows/context.ts';
import { completeSecondFactor, secondFactorChoices, sendSecondFactorEmail } from '../../flows/second-factor.ts';
import type { Session } from '../../store/sessions.ts';
import type { Tenant } from '../../store/tenants.ts';
import { personMessage } from '../../web/messages.ts';
import type { PageStatus } from '../../web/pages/layout.ts';
import { renderSecondFactorPage } from '../../web/pages/second-factor.ts';
import { renderContinuePage } from '../../web/pages/signin.ts';
import type { OidcMount } from '../oidc-mount.ts';
import { formFields, isFormPost, parseBody } from '../parse.ts';
import { refusalForPage } from '../plugins/errors.ts';
import { assertSameOrigin, currentSession, setSessionCookie } from '../session-cookie.ts';
import type { TenantResolver } from '../tenants.ts';

// The same rules for the interaction id and the return page as the sign-in page's (routes/signin.ts).
const returnPath = z
  .string()
  .max(512)
  .regex(/^\/[A-Za-z0-9/_\-?=&%.]*$/)
  .refine((s) => !s.startsWith('//'));
const uidParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);
const where = { uid: uidParam.optional(), return: returnPath.optional() };
const pageQuery = z.object({ ...where, sent: z.literal('1').optional() });
const sendBody = z.object(where).strict();
const verifyBody = z.object({ ...where, method: z.enum(['totp', 'email']), code: z.string().max(32) }).strict();

export function secondFactorRoutes(
  app: FastifyInstance,
  s: { ctx: Ctx; tenants: TenantResolver; oidc: OidcMount },
): void {
  const { ctx, tenants, oidc } = s;

  const onward = (tenant: Tenant, w: { uid?: string; return?: string }) =>
    w.uid
      ? `/${tenant.slug}/signin/continue?uid=${encodeURIComponent(w.uid)}`
      : (w.return ?? `/${tenant.slug}/account`);
  const pageAddress = (tenant: Tenant, w: { uid?: string; return?: string }, sent = false) => {
    const q = new URLSearchParams();
    if (w.uid) q.set('uid', w.uid);
    if (w.return) q.set('return', w.return);
    if (sent) q.set('sent', '1');
    const query = q.toString();
    return `/${tenant.slug}/signin/second-factor${query ? `?${query}` : ''}`;
  };
  const toSignIn = (tenant: Tenant, w: { uid?: string }) =>
    `/${tenant.slug}/signin${w.uid ? `?uid=${encodeURIComponent(w.uid)}` : ''}`;

  /** The page, for a session that waits for its second factor. */
  const page = async (
    reply: FastifyReply,
    tenant: Tenant,
    session: Session,
    w: { uid?: string; return?: string },
    extra: { sent?: boolean; status?: PageStatus; httpStatus?: number } = {},
  ) => {
    const choices = await secondFactorChoices(ctx, tenant, session);
    return reply
      .status(extra.httpStatus ?? 200)
      .type('text/html; charset=utf-8')
      .send(
        renderSecondFactorPage({
          tenant,
          uid: w.uid,
          returnTo: w.return ?? `/${tenant.slug}/account`,
          totp: choices.totp,
          email: choices.email,
          sent: extra.sent,
          status: extra.status,
        }),
      );
  };

  /** A form's fields that can be trusted to carry on with, even when the rest of the form was refused. */
  const whereOf = (raw: unknown) => {
    const f = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const uid = uidParam.safeParse(f.uid);
    const ret = returnPath.safeParse(f.return);
    return { uid: uid.success ? uid.data : undefined, return: ret.success ? ret.data : undefined };
  };

  app.get('/:tenant/signin/second-factor', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const q = parseBody(pageQuery, req.query);
    if (q.uid) await oidc.assertInteractionAlive(tenant, req, reply);
    const session = await currentSession(ctx, req, tenant);
    if (!session) return reply.redirect(toSignIn(tenant, q), 303);
    // Nothing to add (already multi-factor, or not a password sign-in): on to where the person was going.
    if (!needsSecondFactor(session.amr)) return reply.redirect(onward(tenant, q), 303);
    return page(reply, tenant, session, q, { sent: q.sent === '1' });
  });

  /** A form post answered with the page again and the message; a script's call gets the JSON error. */
  const handle =
    (
      run: (
        req: FastifyRequest,
        tenant: Tenant,
        session: Session,
        raw: unknown,
        reply: FastifyReply,
      ) => Promise<string | object>,
    ) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      assertSameOrigin(req, ctx.config);
      const tenant = await tenants.ordinaryFromRequest(req);
      const form = isFormPost(req);
      const raw = form ? formFields(req.body, ['uid', 'return']) : req.body;
      const w = whereOf(raw);
      if (w.uid) await oidc.assertInteractionAlive(tenant, req, reply);
      const session = await currentSession(ctx, req, tenant);
      if (!session) {
        if (form) return reply.redirect(toSignIn(tenant, w), 303);
        throw new SignetError('SESSION_REQUIRED');
      }
      try {
        const done = await run(req, tenant, session, raw, reply);
        if (typeof done === 'string') {
          if (!form) return { redirect: done };
          // On to an app's request by a new navigation (see renderContinuePage: form-action 'self').
          return done.startsWith(`/${tenant.slug}/signin/continue?`)
            ? reply.type('text/html; charset=utf-8').send(renderContinuePage(done))
            : reply.redirect(done, 303);
        }
        return form ? reply.redirect(pageAddress(tenant, w, true), 303) : reply.status(202).send(done);
      } catch (err) {
        if (!form) throw err;
        const e = refusalForPage(req, err);
        if (e.code === 'OTP_SECOND_FACTOR_NOT_PENDING') return reply.redirect(onward(tenant, w), 303);
        if (e.code === 'SESSION_REQUIRED') return reply.redirect(toSignIn(tenant, w), 303);
        return page(reply, tenant, session, w, { status: personMessage(e.code, e.detail), httpStatus: e.status });
      }
    };

  app.post(
    '/:tenant/signin/second-factor/email',
    handle(async (_req, tenant, session, raw) => {
      parseBody(sendBody, raw);
      return sendSecondFactorEmail(ctx, tenant, session);
    }),
  );

  app.post(
    '/:tenant/signin/second-factor',
    handle(async (req, tenant, session, raw, reply) => {
      const body = parseBody(verifyBody, raw);
      const next = await completeSecondFactor(
        ctx,
        tenant,
        session,
        { method: body.method, code: body.code },
        {
          ip: req.ip,
          userAgent: req.headers['user-agent'],
          ...(body.uid ? { correlationId: correlationIdOf(body.uid) } : {}),
        },
      );
      setSessionCookie(reply, ctx.config, tenant, next.token);
      return onward(tenant, body);
    }),
  );
}
