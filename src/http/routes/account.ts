// /{tenant}/account: the user's security info page and its JSON calls (list, add, rename, delete passkeys).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Ctx } from '../../flows/context.ts';
import { deleteOwnPasskey, listOwnPasskeys, renameOwnPasskey, viewPasskey } from '../../flows/manage-passkeys.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../flows/register-passkey.ts';
import { findUserById } from '../../store/users.ts';
import { renderAccountPage } from '../../web/pages/account.ts';
import { type Metrics, measured } from '../metrics.ts';
import { parseBody } from '../parse.ts';
import { assertSameOrigin, currentSession, requireSession } from '../session-cookie.ts';
import type { TenantResolver } from '../tenants.ts';

const verifyBody = z.object({ credential: z.unknown(), name: z.string().max(200).optional() }).strict();
const renameBody = z.object({ displayName: z.string().max(200) }).strict();
const idParam = z.object({ tenant: z.string(), id: z.string().uuid() });

export function accountRoutes(app: FastifyInstance, s: { ctx: Ctx; metrics: Metrics; tenants: TenantResolver }): void {
  const { ctx, metrics, tenants } = s;

  app.get('/:tenant/account', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await currentSession(ctx, req, tenant);
    const user = session && (await findUserById(ctx.db, tenant.id, session.userId));
    if (!session || !user?.enabled) {
      const back = encodeURIComponent(`/${tenant.slug}/account`);
      return reply.redirect(`/${tenant.slug}/signin?return=${back}`, 303);
    }
    const passkeys = await listOwnPasskeys(ctx, tenant, user.id);
    return reply.type('text/html').send(renderAccountPage({ tenant, user, passkeys }));
  });

  app.get('/:tenant/account/passkeys', async (req) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    return { value: await listOwnPasskeys(ctx, tenant, session.userId) };
  });

  app.post('/:tenant/account/passkeys/options', async (req) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    return measured(metrics, 'register-options', () => beginPasskeyRegistration(ctx, tenant, session));
  });

  app.post('/:tenant/account/passkeys/verify', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    const body = parseBody(verifyBody, req.body);
    const passkey = await measured(metrics, 'register-passkey', () =>
      finishPasskeyRegistration(ctx, tenant, session, body),
    );
    return reply.status(201).send(viewPasskey(ctx, passkey));
  });

  app.patch('/:tenant/account/passkeys/:id', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const { id } = parseBody(idParam, req.params);
    const tenant = await tenants.ordinaryFromRequest(req);
    const session = await requireSession(ctx, req, tenant);
    await renameOwnPasskey(ctx, tenant, session.userId, id, parseBody(renameBody, req.body).displayName);
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
