// /{tenant}/account: the user's security info page, its JSON calls (list, add, rename, delete passkeys) and
// the form posts that rename and delete without script.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SignetError } from '../../core/errors.ts';
import type { Ctx } from '../../flows/context.ts';
import { deleteOwnPasskey, listOwnPasskeys, renameOwnPasskey, viewPasskey } from '../../flows/manage-passkeys.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../flows/register-passkey.ts';
import type { Session } from '../../store/sessions.ts';
import type { Tenant } from '../../store/tenants.ts';
import { findUserById } from '../../store/users.ts';
import { personMessage } from '../../web/messages.ts';
import { renderAccountPage, renderDeletePasskeyPage } from '../../web/pages/account.ts';
import { type Metrics, measured } from '../metrics.ts';
import { formFields, isFormPost, parseBody } from '../parse.ts';
import { refusalForPage } from '../plugins/errors.ts';
import { assertSameOrigin, currentSession, requireLiveSession, requireSession } from '../session-cookie.ts';
import type { TenantResolver } from '../tenants.ts';

// The app's sign-in request (OIDC interaction uid) from the campaign's "Set up now", checked as signin.ts checks uid.
const uidParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);
const continueFields = z.object({ continue: uidParam.optional() });
const verifyBody = z.object({ credential: z.unknown(), name: z.string().max(200).optional() }).strict();
const renameBody = z.object({ displayName: z.string().max(200), continue: uidParam.optional() }).strict();
const idParam = z.object({ tenant: z.string(), id: z.string().uuid() });
const doneQuery = z.object({ done: z.enum(['added', 'renamed', 'deleted']).optional() });
// The scripts go to /account?done=… after their calls too, so that both ways end on the same confirmation.
const DONE = {
  added: 'The passkey was added.',
  renamed: 'The passkey was renamed.',
  deleted: 'The passkey was deleted.',
} as const;

/** The continue uid of a query or a form's fields (an empty field is none); REQUEST_INVALID (field continue) if bad. */
function continueOf(fields: unknown): string | undefined {
  const f = (typeof fields === 'object' && fields !== null ? fields : {}) as Record<string, unknown>;
  return parseBody(continueFields, { continue: f.continue === '' ? undefined : f.continue }).continue;
}

/** The account page's address, with its confirmation and the app's sign-in request carried on. */
function accountAt(tenant: Tenant, done?: string, continueUid?: string): string {
  const q = new URLSearchParams();
  if (done) q.set('done', done);
  if (continueUid) q.set('continue', continueUid);
  const query = q.toString();
  return `/${tenant.slug}/account${query ? `?${query}` : ''}`;
}

/** A refused name says which way it is wrong, so that the page can say "the name is empty". */
async function renamed(run: () => Promise<void>, name: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof SignetError) || err.code !== 'PASSKEY_NAME_INVALID') throw err;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the flow strips control characters before its check
    const empty = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim() === '';
    throw new SignetError('PASSKEY_NAME_INVALID', { field: 'displayName', problem: empty ? 'missing' : 'tooLong' });
  }
}

export function accountRoutes(app: FastifyInstance, s: { ctx: Ctx; metrics: Metrics; tenants: TenantResolver }): void {
  const { ctx, metrics, tenants } = s;
  // Model names and icons from the metadata in force, for the page's list of passkeys.
  const models = (aaguid: string) => ctx.metadata.modelOf(aaguid);

  app.get('/:tenant/account', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const continueUid = continueOf(req.query);
    const session = await currentSession(ctx, req, tenant);
    const user = session && (await findUserById(ctx.db, tenant.id, session.userId));
    if (!session || !user?.enabled) {
      // Signed out on the way from the app's sign-in: that sign-in again, which comes back here by the campaign.
      if (continueUid) return reply.redirect(`/${tenant.slug}/signin?uid=${encodeURIComponent(continueUid)}`, 303);
      const back = encodeURIComponent(`/${tenant.slug}/account`);
      return reply.redirect(`/${tenant.slug}/signin?return=${back}`, 303);
    }
    const passkeys = await listOwnPasskeys(ctx, tenant, user.id);
    const { done } = doneQuery.safeParse(req.query).data ?? {};
    return reply
      .type('text/html; charset=utf-8')
      .send(renderAccountPage({ tenant, user, passkeys, models, notice: done && DONE[done], continueUid }));
  });

  const toSignIn = (tenant: Tenant) => `/${tenant.slug}/signin?return=${encodeURIComponent(`/${tenant.slug}/account`)}`;

  /**
   * The account page's forms, posted without script: a 303 back to the page on success, the page again with
   * the message on failure (a lost session goes to sign-in). A script's call to the same address gets JSON.
   */
  const accountForm = (
    what: (req: FastifyRequest, tenant: Tenant, session: Session) => Promise<keyof typeof DONE | 'nothing'>,
  ) => {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      assertSameOrigin(req, ctx.config);
      const tenant = await tenants.ordinaryFromRequest(req);
      const form = isFormPost(req);
      let session: Session | undefined;
      // Kept on the page again after a refusal too; a bad one is refused below with its field's words.
      const kept = continueFields.safeParse(form ? formFields(req.body, ['continue']) : {}).data?.continue;
      try {
        session = await requireSession(ctx, req, tenant);
        const continueUid = form ? continueOf(req.body) : undefined;
        const done = await what(req, tenant, session);
        if (!form) return reply.status(204).send();
        return reply.redirect(accountAt(tenant, done === 'nothing' ? undefined : done, continueUid), 303);
      } catch (err) {
        if (!form) throw err;
        const e = refusalForPage(req, err);
        const user = session && (await findUserById(ctx.db, tenant.id, session.userId));
        if (!session || !user?.enabled) return reply.redirect(toSignIn(tenant), 303);
        const passkeys = await listOwnPasskeys(ctx, tenant, user.id);
        const message = personMessage(e.code, e.detail);
        return reply
          .status(e.status)
          .type('text/html; charset=utf-8')
          .send(renderAccountPage({ tenant, user, passkeys, models, status: message, continueUid: kept }));
      }
    };
  };

  app.post(
    '/:tenant/account/passkeys/:id/rename',
    accountForm(async (req, tenant, session) => {
      const { id } = parseBody(idParam, req.params);
      const { displayName } = parseBody(renameBody, isFormPost(req) ? formFields(req.body, ['continue']) : req.body);
      await renamed(() => renameOwnPasskey(ctx, tenant, session.userId, id, displayName), displayName);
      return 'renamed';
    }),
  );

  app.post(
    '/:tenant/account/passkeys/:id/delete',
    accountForm(async (req, tenant, session) => {
      const { id } = parseBody(idParam, req.params);
      await deleteOwnPasskey(ctx, tenant, session, id);
      return 'deleted';
    }),
  );

  // The Delete button's page without script: which passkey, what deleting it means (plainly when it is the
  // last one), Confirm posting to the address above, Cancel back to the account page.
  app.get('/:tenant/account/passkeys/:id/delete', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await currentSession(ctx, req, tenant);
    const user = session && (await findUserById(ctx.db, tenant.id, session.userId));
    if (!session || !user?.enabled) return reply.redirect(toSignIn(tenant), 303);
    const { id } = parseBody(idParam, req.params);
    const continueUid = continueOf(req.query);
    const passkeys = await listOwnPasskeys(ctx, tenant, user.id);
    const passkey = passkeys.find((k) => k.id === id);
    if (!passkey) throw new SignetError('PASSKEY_NOT_FOUND');
    return reply
      .type('text/html; charset=utf-8')
      .send(renderDeletePasskeyPage({ tenant, passkey, last: passkeys.length === 1, continueUid }));
  });

  // The add form's action, reached only when its script did not run: the browser creates a passkey only when
  // a script asks it to.
  app.post('/:tenant/account/passkeys/add', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await currentSession(ctx, req, tenant);
    const user = session && (await findUserById(ctx.db, tenant.id, session.userId));
    if (!session || !user?.enabled) return reply.redirect(toSignIn(tenant), 303);
    const continueUid = continueFields.safeParse(isFormPost(req) ? formFields(req.body, ['continue']) : {}).data
      ?.continue;
    const passkeys = await listOwnPasskeys(ctx, tenant, user.id);
    const status = {
      text: 'Adding a passkey needs this page’s script, and it did not run (it may be blocked or slow).',
      remediation:
        'Reload the page so that it loads fully, then add the passkey again. Renaming and deleting still work.',
      kind: 'info' as const,
      needsScript: true,
    };
    return reply
      .type('text/html; charset=utf-8')
      .send(renderAccountPage({ tenant, user, passkeys, models, status, continueUid }));
  });

  app.get('/:tenant/account/passkeys', async (req) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    return { value: await listOwnPasskeys(ctx, tenant, session.userId) };
  });

  app.post('/:tenant/account/passkeys/options', async (req) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const live = await requireLiveSession(ctx, req, tenant);
    return measured(metrics, 'register-options', () => beginPasskeyRegistration(ctx, tenant, live.session, live.user));
  });

  app.post('/:tenant/account/passkeys/verify', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const live = await requireLiveSession(ctx, req, tenant);
    const body = parseBody(verifyBody, req.body);
    const passkey = await measured(metrics, 'register-passkey', () =>
      finishPasskeyRegistration(ctx, tenant, live.session, body, live.user),
    );
    return reply.status(201).send(viewPasskey(ctx, passkey));
  });

  app.patch('/:tenant/account/passkeys/:id', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const { id } = parseBody(idParam, req.params);
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    const { displayName } = parseBody(renameBody, req.body);
    await renamed(() => renameOwnPasskey(ctx, tenant, session.userId, id, displayName), displayName);
    return reply.status(204).send();
  });

  app.delete('/:tenant/account/passkeys/:id', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const { id } = parseBody(idParam, req.params);
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    await deleteOwnPasskey(ctx, tenant, session, id);
    return reply.status(204).send();
  });
}
