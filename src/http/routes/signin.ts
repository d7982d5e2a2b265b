// /{tenant}/signin: the sign-in page (also oidc-provider's interaction) and the JSON calls it makes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SignetError } from '../../core/errors.ts';
import {
  type AuthenticationStrength,
  MFA_STRENGTH_ID,
  PASSWORDLESS_MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
} from '../../core/strengths.ts';
import { correlationIdOf } from '../../flows/authorization-decision.ts';
import type { Ctx } from '../../flows/context.ts';
import { recordSignIn } from '../../flows/record-sign-in.ts';
import { campaignFor } from '../../flows/registration-campaign.ts';
import { secondFactorPending } from '../../flows/second-factor.ts';
import { endSession } from '../../flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn, type SignedIn } from '../../flows/sign-in-passkey.ts';
import { signInWithPassword } from '../../flows/sign-in-password.ts';
import { signInWithTap } from '../../flows/temporary-access-pass.ts';
import type { Tenant } from '../../store/tenants.ts';
import { findUserByName } from '../../store/users.ts';
import { personMessage } from '../../web/messages.ts';
import { otherWayBelow, renderContinuePage, renderSignInPage } from '../../web/pages/signin.ts';
import { type Metrics, measured } from '../metrics.ts';
import type { OidcMount } from '../oidc-mount.ts';
import { formFields, isFormPost, parseBody } from '../parse.ts';
import { refusalForPage } from '../plugins/errors.ts';
import {
  assertSameOrigin,
  clearSessionCookie,
  currentSession,
  sessionToken,
  setSessionCookie,
} from '../session-cookie.ts';
import type { TenantResolver } from '../tenants.ts';
import { type AppAsk, formsShown, refuseMethodTheAppForbids } from './signin-offer.ts';

/** What a step-up asks for, in words a person reads: the strengths' names, lower-cased after the first. */
function needsInWords(needs: readonly AuthenticationStrength[]): string {
  const names = [...new Set(needs.map((n) => STRENGTH_WORDS[n.id] ?? n.displayName))];
  return names.length ? names.join(' and ') : 'a new sign-in';
}
const STRENGTH_WORDS: Record<string, string> = {
  [PHISHING_RESISTANT_STRENGTH_ID]: 'a passkey or security key (phishing-resistant sign-in)',
  [PASSWORDLESS_MFA_STRENGTH_ID]: 'a passkey (passwordless sign-in)',
  [MFA_STRENGTH_ID]: 'a second way to confirm it is you (multifactor authentication)',
  phr: 'a passkey or security key (phishing-resistant sign-in)',
  phrh: 'a passkey that stays on your device or a security key',
};

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
const signInQuery = z.object({
  uid: uidParam.optional(),
  return: z.string().max(512).optional(),
  reauth: z.string().max(8).optional(),
  /** Back from the passkey button pressed without script (POST /signin/passkey). */
  noscript: z.literal('1').optional(),
});
const optionsBody = z.object({ username: z.string().min(1).max(256).optional() }).strict();
const verifyBody = z
  .object({ credential: z.unknown(), uid: uidParam.optional(), return: returnPath.optional() })
  .strict();
const tapBody = z
  .object({
    username: z.string().min(1).max(256),
    pass: z.string().min(1).max(128),
    uid: uidParam.optional(),
    return: returnPath.optional(),
  })
  .strict();
// 256 characters as Entra's rules allow, and some room for what a password manager pastes.
const passwordBody = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(1024),
    uid: uidParam.optional(),
    return: returnPath.optional(),
  })
  .strict();

export function signInRoutes(
  app: FastifyInstance,
  s: { ctx: Ctx; metrics: Metrics; tenants: TenantResolver; oidc: OidcMount },
): void {
  const { ctx, metrics, tenants, oidc } = s;

  /** Who is signing in from where, and for which app's request (its log entries then share a correlation id). */
  const client = (req: FastifyRequest, tenant: Tenant, app?: { uid?: string; appId?: string | undefined }) => ({
    ip: req.ip,
    userAgent: req.headers['user-agent'],
    previousSessionToken: sessionToken(req, ctx.config, tenant),
    ...(app?.appId ? { appId: app.appId } : {}),
    ...(app?.uid ? { correlationId: correlationIdOf(app.uid) } : {}),
  });

  /** Where the browser goes once signed in: back into the OIDC flow, or to a local page. */
  const afterSignIn = (tenant: Tenant, body: { uid?: string; return?: string }) =>
    body.uid
      ? `/${tenant.slug}/signin/continue?uid=${encodeURIComponent(body.uid)}`
      : (body.return ?? `/${tenant.slug}/account`);

  const signedIn = (reply: FastifyReply, tenant: Tenant, r: SignedIn, body: { uid?: string; return?: string }) => {
    setSessionCookie(reply, ctx.config, tenant, r.token);
    return { redirect: afterSignIn(tenant, body) };
  };

  /**
   * The sign-in page again after a form post that could not sign in (scripts off, slow or blocked): the
   * message, the username typed (never the pass), and the OIDC interaction or return path carried on.
   */
  const signInPageAgain = async (
    reply: FastifyReply,
    tenant: Tenant,
    raw: unknown,
    status: number,
    message: Parameters<typeof renderSignInPage>[0]['status'],
    form: 'passkey' | 'tap' | 'password',
    app?: AppAsk,
  ) => {
    const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const uid = uidParam.safeParse(fields.uid);
    const ret = returnPath.safeParse(fields.return);
    const username = typeof fields.username === 'string' && fields.username.length <= 256 ? fields.username : '';
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(
        renderSignInPage({
          tenant,
          uid: uid.success ? uid.data : undefined,
          returnTo: ret.success ? ret.data : `/${tenant.slug}/account`,
          status: message,
          username: username.trim(),
          form,
          ...(await formsShown(ctx, tenant, app)),
        }),
      );
  };

  /** What the page says when its passkey button was pressed without the script that passkeys need. */
  const passkeyNeedsScript = (shown: { passwordEnabled: boolean; tapEnabled: boolean }) => {
    const other = otherWayBelow(shown);
    return {
      text: 'Signing in with a passkey needs this page’s script, and it did not run (JavaScript may be off, or the script blocked or slow).',
      remediation: `Reload the page and try again${other ? `, or ${other}` : ''}.`,
      kind: 'info' as const,
      needsScript: true,
    };
  };

  /** A form post's answer: on to a local page (303), or for an app's request a page that goes on by itself. */
  const afterForm = (reply: FastifyReply, tenant: Tenant, to: string) =>
    to.startsWith(`/${tenant.slug}/signin/continue?`)
      ? reply.type('text/html; charset=utf-8').send(renderContinuePage(to))
      : reply.redirect(to, 303);

  /** The second-factor step's address, carrying the app's request or the local page the person was going to. */
  const secondFactorAddress = (tenant: Tenant, w: { uid?: string; return?: string }) => {
    const q = new URLSearchParams();
    if (w.uid) q.set('uid', w.uid);
    else if (w.return) q.set('return', w.return);
    const query = q.toString();
    return `/${tenant.slug}/signin/second-factor${query ? `?${query}` : ''}`;
  };

  app.get('/:tenant/signin', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const q = parseBody(signInQuery, req.query);
    // A form submitted as a GET (an old page, a script that never ran) put the pass or password in the address: answer
    // with the same page at a clean address, so that the pass leaves the address bar and the history entry.
    if (Object.hasOwn(req.query as object, 'pass') || Object.hasOwn(req.query as object, 'password')) {
      const clean = new URLSearchParams();
      for (const k of ['uid', 'return', 'reauth', 'noscript'] as const) if (q[k] !== undefined) clean.set(k, q[k]);
      const query = clean.toString();
      return reply.redirect(`/${tenant.slug}/signin${query ? `?${query}` : ''}`, 303);
    }
    const ret = returnPath.safeParse(q.return);
    let app: AppAsk | undefined;
    if (q.uid) {
      // An OIDC interaction: gone, it is said at once (not after a sign-in); a live session that satisfies it
      // finishes it at once.
      app = await oidc.assertInteractionAlive(tenant, req, reply);
      const session = await currentSession(ctx, req, tenant);
      // A password session whose user has a second factor proves it before any app is answered.
      if (session && (await secondFactorPending(ctx, tenant, session)))
        return reply.redirect(secondFactorAddress(tenant, { uid: q.uid }), 303);
      // A live session takes the campaign's way too: a new app request cannot step around "Set up a passkey".
      if (session && (await campaignFor(ctx, tenant, session)).ask)
        return reply.redirect(`/${tenant.slug}/signin/campaign?uid=${encodeURIComponent(q.uid)}`, 303);
      const next = session && (await oidc.tryFinishInteraction(tenant, req, reply, session, q.uid));
      if (next?.kind === 'done') return reply.redirect(next.url, 303);
      // One more step for this app: only the ways that can give it, the signed-in user's name filled in.
      if (next?.kind === 'stepUp')
        return reply.type('text/html').send(
          renderSignInPage({
            tenant,
            uid: q.uid,
            returnTo: `/${tenant.slug}/account`,
            username: next.user.userPrincipalName,
            form: 'passkey',
            stepUp: { needs: needsInWords(next.needs), offer: next.offer },
            ...(q.noscript ? { status: passkeyNeedsScript({ passwordEnabled: false, tapEnabled: false }) } : {}),
            ...(await formsShown(ctx, tenant)),
          }),
        );
    }
    return reply.type('text/html').send(
      renderSignInPage({
        tenant,
        uid: q.uid,
        returnTo: ret.success ? ret.data : `/${tenant.slug}/account`,
        notice: q.reauth ? 'For your security, sign in again to continue.' : undefined,
        ...(await formsShown(ctx, tenant, app)),
        ...(q.noscript ? { status: passkeyNeedsScript(await formsShown(ctx, tenant, app)) } : {}),
      }),
    );
  });

  app.get('/:tenant/signin/continue', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await currentSession(ctx, req, tenant);
    const { uid } = parseBody(signInQuery, req.query);
    if (!session || !uid)
      return reply.redirect(`/${tenant.slug}/signin${uid ? `?uid=${encodeURIComponent(uid)}` : ''}`, 303);
    // Never an app's answer on a password alone when the user has a second factor (routes/second-factor.ts).
    if (await secondFactorPending(ctx, tenant, session))
      return reply.redirect(secondFactorAddress(tenant, { uid }), 303);
    // The registration campaign (routes/campaign.ts) may first ask a user without a passkey to set one up.
    if ((await campaignFor(ctx, tenant, session)).ask)
      return reply.redirect(`/${tenant.slug}/signin/campaign?uid=${encodeURIComponent(uid)}`, 303);
    const next = await oidc.tryFinishInteraction(tenant, req, reply, session, uid);
    if (next.kind === 'done') return reply.redirect(next.url, 303);
    // The sign-in page asks for the step the app still needs (or for a sign-in again).
    const again = next.kind === 'signIn' ? '&reauth=1' : '';
    return reply.redirect(`/${tenant.slug}/signin?uid=${encodeURIComponent(uid)}${again}`, 303);
  });

  app.post('/:tenant/signin/passkey/options', async (req) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const body = parseBody(optionsBody, req.body === undefined ? {} : req.body);
    return measured(metrics, 'signin-options', () => beginPasskeySignIn(ctx, tenant, body));
  });

  app.post('/:tenant/signin/passkey/verify', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const body = parseBody(verifyBody, req.body);
    const appId = body.uid ? (await oidc.assertInteractionAlive(tenant, req, reply)).clientId : undefined;
    const r = await measured(metrics, 'signin-passkey', () =>
      finishPasskeySignIn(ctx, tenant, body.credential, client(req, tenant, { uid: body.uid, appId })),
    );
    return signedIn(reply, tenant, r, body);
  });

  // The script calls it with JSON and gets JSON; the form posts to it without script and gets a 303 to where
  // the person was going, or the page again with the message.
  app.post('/:tenant/signin/tap', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const form = isFormPost(req);
    const raw = form ? formFields(req.body, ['uid', 'return']) : req.body;
    let app: AppAsk | undefined;
    try {
      const body = parseBody(tapBody, raw);
      // Checked before the pass is counted or spent.
      app = body.uid ? await oidc.assertInteractionAlive(tenant, req, reply) : undefined;
      const appId = app?.clientId;
      await refuseMethodTheAppForbids(ctx, req, tenant, app, 'temporaryAccessPass', body.username, client);
      // The method off for the whole tenant (the form is not even shown): said at once, whoever the name, and
      // nothing counted toward a lockout. Logged as the flow logs its refusals.
      if (!(await formsShown(ctx, tenant)).tapEnabled) {
        const user = await findUserByName(ctx.db, tenant.id, body.username);
        await recordSignIn(ctx, ctx.db, {
          tenantId: tenant.id,
          method: 'temporaryAccessPass',
          userId: user?.id ?? null,
          userPrincipalName: user?.userPrincipalName ?? body.username.slice(0, 256),
          errorCode: 'TAP_METHOD_DISABLED',
          client: client(req, tenant),
        });
        throw new SignetError('TAP_METHOD_DISABLED');
      }
      const r = await measured(metrics, 'signin-tap', () =>
        signInWithTap(
          ctx,
          tenant,
          { username: body.username, pass: body.pass },
          client(req, tenant, { uid: body.uid, appId }),
        ),
      );
      const done = signedIn(reply, tenant, r, body);
      return form ? afterForm(reply, tenant, done.redirect) : done;
    } catch (err) {
      // A gone sign-in request is an error page ("go back to the app"), not the sign-in form again.
      if (!form || (err instanceof SignetError && err.code === 'OIDC_INTERACTION_NOT_FOUND')) throw err;
      const e = refusalForPage(req, err);
      return signInPageAgain(reply, tenant, raw, e.status, personMessage(e.code, e.detail), 'tap', app);
    }
  });

  // As the TAP route: JSON for the script, a form post without it (the page again with the message, never the password).
  app.post('/:tenant/signin/password', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const form = isFormPost(req);
    const raw = form ? formFields(req.body, ['uid', 'return']) : req.body;
    let app: AppAsk | undefined;
    try {
      const body = parseBody(passwordBody, raw);
      // Checked before the attempt is counted.
      app = body.uid ? await oidc.assertInteractionAlive(tenant, req, reply) : undefined;
      const appId = app?.clientId;
      await refuseMethodTheAppForbids(ctx, req, tenant, app, 'password', body.username, client);
      const r = await measured(metrics, 'signin-password', () =>
        signInWithPassword(
          ctx,
          tenant,
          { username: body.username, password: body.password },
          client(req, tenant, { uid: body.uid, appId }),
        ),
      );
      const signed = signedIn(reply, tenant, r, body);
      const done = (await secondFactorPending(ctx, tenant, r.session))
        ? { redirect: secondFactorAddress(tenant, body) }
        : signed;
      return form ? afterForm(reply, tenant, done.redirect) : done;
    } catch (err) {
      if (!form || (err instanceof SignetError && err.code === 'OIDC_INTERACTION_NOT_FOUND')) throw err;
      const e = refusalForPage(req, err);
      return signInPageAgain(reply, tenant, raw, e.status, personMessage(e.code, e.detail), 'password', app);
    }
  });

  // The passkey form's action, reached only when its script did not run: passkeys need it, the pass does not.
  app.post('/:tenant/signin/passkey', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const raw = isFormPost(req) ? formFields(req.body, ['uid', 'return']) : req.body;
    const uid = uidParam.safeParse((raw as { uid?: unknown } | undefined)?.uid);
    // For an app's request, its page again (the same rules: passkey only, or the step-up), saying why.
    if (uid.success)
      return reply.redirect(`/${tenant.slug}/signin?uid=${encodeURIComponent(uid.data)}&noscript=1`, 303);
    return signInPageAgain(reply, tenant, raw, 200, passkeyNeedsScript(await formsShown(ctx, tenant)), 'passkey');
  });

  app.post('/:tenant/signout', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const ended = await endSession(ctx, tenant.id, sessionToken(req, ctx.config, tenant));
    clearSessionCookie(reply, ctx.config, tenant);
    await oidc.backchannelLogout(tenant, ended);
    return reply.redirect(`/${tenant.slug}/signin`, 303);
  });
}
