// One Graph route, declared once: method, path, what allows it, the body schema and the handler.
import type { FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { Principal, RoutePermission } from '../../core/authorization.ts';
import type { Ctx } from '../../flows/context.ts';
import type { Tenant } from '../../store/tenants.ts';

export interface GraphCall {
  ctx: Ctx;
  tenant: Tenant;
  principal: Principal;
  params: Record<string, string>;
  body: unknown;
  /** `{public URL}/graph/{version}`, for `@odata.context`. */
  base: string;
  req: FastifyRequest;
}

export interface GraphRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below the version root, Fastify style: `/users/:id`. */
  path: string;
  /** Where Graph has it: v1.0 (the default), or beta only. */
  versions?: readonly ('v1.0' | 'beta')[];
  permission: RoutePermission;
  body?: ZodType;
  handler(call: GraphCall): Promise<{ status?: number; body?: unknown }>;
}
