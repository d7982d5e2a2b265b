// POST /{tenant}/fido2/{attestation,assertion}/{options,result}: the FIDO Alliance's transport binding,
// `{status:"ok"|"failed", errorMessage}`; options and result are tied by a cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SignetError } from '../../core/errors.ts';
import {
  conformanceAssertionOptions,
  conformanceAssertionResult,
  conformanceAttestationOptions,
  conformanceAttestationResult,
} from '../../flows/conformance.ts';
import type { Ctx } from '../../flows/context.ts';
import { type Metrics, measured } from '../metrics.ts';
import { parseBody } from '../parse.ts';
import { toSignetError } from '../plugins/errors.ts';
import type { TenantResolver } from '../tenants.ts';

const COOKIE = 'signet-fido2-binding';
const uv = z.enum(['required', 'preferred', 'discouraged']);
const attestationOptions = z.object({
  username: z.string().min(1).max(256),
  displayName: z.string().max(256).default(''),
  attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
  authenticatorSelection: z
    .object({
      userVerification: uv.optional(),
      residentKey: uv.optional(),
      requireResidentKey: z.boolean().optional(),
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    })
    .optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
const assertionOptions = z.object({
  username: z.string().min(1).max(256),
  userVerification: uv.optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

export function fido2Routes(app: FastifyInstance, s: { ctx: Ctx; metrics: Metrics; tenants: TenantResolver }): void {
  app.register(async (scope) => {
    // Even a body that cannot be parsed is answered in the binding's own shape.
    scope.setErrorHandler((err, req, reply) => failed(reply, err, req));
    fido2RoutesIn(scope, s);
  });
}

function failed(reply: FastifyReply, err: unknown, req: FastifyRequest) {
  const e = toSignetError(err);
  if (e.code === 'INTERNAL_ERROR') req.log.error({ err }, 'conformance route failed');
  return reply.status(e.status).send({ status: 'failed', errorMessage: `${e.code}: ${e.message}` });
}

function fido2RoutesIn(scope: FastifyInstance, s: { ctx: Ctx; metrics: Metrics; tenants: TenantResolver }): void {
  const { ctx, metrics, tenants } = s;

  const binding = (req: FastifyRequest, reply: FastifyReply): string => {
    const existing = req.cookies[COOKIE];
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    const fresh = ctx.randomBytes(32).toString('base64url');
    reply.setCookie(COOKIE, fresh, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies });
    return fresh;
  };

  const route = (
    path: string,
    handler: (
      req: FastifyRequest,
      reply: FastifyReply,
      tenantBinding: { tenant: Awaited<ReturnType<TenantResolver['resolve']>>; binding: string },
    ) => Promise<object>,
  ) => {
    scope.post(`/:tenant/fido2/${path}`, async (req, reply) => {
      let tenant: Awaited<ReturnType<TenantResolver['resolve']>>;
      try {
        tenant = await tenants.fromRequest(req);
        if (!tenant.conformance) throw new SignetError('ROUTE_NOT_FOUND');
      } catch (err) {
        const e = toSignetError(err);
        return reply.status(404).send({ status: 'failed', errorMessage: `${e.code}: ${e.message}` });
      }
      try {
        const out = await handler(req, reply, { tenant, binding: binding(req, reply) });
        return reply.send({ status: 'ok', errorMessage: '', ...out });
      } catch (err) {
        return failed(reply, err, req);
      }
    });
  };

  route('attestation/options', async (req, _reply, { tenant, binding }) => {
    const body = parseBody(attestationOptions, req.body);
    const options = await conformanceAttestationOptions(ctx, tenant, binding, body);
    return body.extensions ? { ...options, extensions: body.extensions } : options;
  });
  route('attestation/result', async (req, _reply, { tenant, binding }) => {
    await measured(metrics, 'fido2-attestation', () => conformanceAttestationResult(ctx, tenant, binding, req.body));
    return {};
  });
  route('assertion/options', async (req, _reply, { tenant, binding }) => {
    const body = parseBody(assertionOptions, req.body);
    const options = await conformanceAssertionOptions(ctx, tenant, binding, body);
    return body.extensions ? { ...options, extensions: body.extensions } : options;
  });
  route('assertion/result', async (req, _reply, { tenant, binding }) => {
    // Counted like the pages' sign-ins, so a refusal such as a changed backup eligibility shows in metrics.
    await measured(metrics, 'fido2-assertion', () => conformanceAssertionResult(ctx, tenant, binding, req.body));
    return {};
  });
}
