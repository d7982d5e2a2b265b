// /{tenant}/signin/campaign: the registration campaign's "Set up a passkey" between a sign-in and the app
// (flows/registration-campaign.ts), reached from /{tenant}/signin/continue with the OIDC interaction's uid, and
// its "Not now", which goes back there so that the app continues.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { SignetError } from '../../core/errors.ts';
import type { Ctx } from '../../flows/context.ts';
import { campaignFor, snoozeRegistrationCampaign } from '../../flows/registration-campaign.ts';
import type { Tenant } from '../../store/tenants.ts';
import { personMessage } from '../../web/messages.ts';
import { renderCampaignPage } from '../../web/pages/campaign.ts';
import { renderContinuePage } from '../../web/pages/signin.ts';
import type { OidcMount } from '../oidc-mount.ts';
import { formFields, isFormPost, parseBody } from '../parse.ts';
import { refusalForPage } from '../plugins/errors.ts';
import { assertSameOrigin, currentSession } from '../session-cookie.ts';
import type { TenantResolver } from '../tenants.ts';

const uidParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);
const campaignQuery = z.object({ uid: uidParam });
const snoozeBody = z.object({ uid: uidParam }).strict();

export function campaignRoutes(app: FastifyInstance, s: { ctx: Ctx; tenants: TenantResolver; oidc: OidcMount }): void {
  const { ctx, tenants, oidc } = s;
  const continueAt = (tenant: Tenant, uid: string) => `/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`;
  const signInAt = (tenant: Tenant, uid: string) => `/${tenant.slug}/signin?uid=${encodeURIComponent(uid)}`;

  app.get('/:tenant/signin/campaign', async (req, reply) => {
    const tenant = await tenants.ordinaryFromRequest(req);
    const { uid } = parseBody(campaignQuery, req.query);
    await oidc.assertInteractionAlive(tenant, req, reply);
    const session = await currentSession(ctx, req, tenant);
    if (!session) return reply.redirect(signInAt(tenant, uid), 303);
    const d = await campaignFor(ctx, tenant, session);
    // Nothing to ask (any more): a passkey was added, the campaign changed, or "Not now" was already said.
    if (!d.ask) return reply.redirect(continueAt(tenant, uid), 303);
    return reply
      .type('text/html; charset=utf-8')
      .send(renderCampaignPage({ tenant, uid, snoozesLeft: d.snoozesLeft, snoozeDays: d.snoozeDays }));
  });

  app.post('/:tenant/signin/campaign/snooze', async (req, reply) => {
    assertSameOrigin(req, ctx.config);
    const tenant = await tenants.ordinaryFromRequest(req);
    const form = isFormPost(req);
    const raw = form ? formFields(req.body, []) : req.body;
    const { uid } = parseBody(snoozeBody, raw);
    await oidc.assertInteractionAlive(tenant, req, reply);
    const session = await currentSession(ctx, req, tenant);
    if (!session) return reply.redirect(signInAt(tenant, uid), 303);
    try {
      await snoozeRegistrationCampaign(ctx, tenant, session, { ip: req.ip, userAgent: req.headers['user-agent'] });
    } catch (err) {
      if (!(err instanceof SignetError) || err.code !== 'CAMPAIGN_SNOOZES_USED') throw err;
      const e = refusalForPage(req, err);
      const d = await campaignFor(ctx, tenant, session);
      if (!d.ask) return goOn(reply, continueAt(tenant, uid), form);
      return reply
        .status(e.status)
        .type('text/html; charset=utf-8')
        .send(
          renderCampaignPage({
            tenant,
            uid,
            snoozesLeft: d.snoozesLeft,
            snoozeDays: d.snoozeDays,
            status: personMessage(e.code, e.detail),
          }),
        );
    }
    return goOn(reply, continueAt(tenant, uid), form);
  });
}

/** After the form post, on to the app by a new navigation (see renderContinuePage: form-action 'self'). */
const goOn = (reply: FastifyReply, to: string, form: boolean) =>
  form ? reply.type('text/html; charset=utf-8').send(renderContinuePage(to)) : reply.redirect(to, 303);
