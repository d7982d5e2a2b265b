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

/**
 * `eachInnerRequest`: the route itself opens nothing, and every request it carries is authorized on its own, as if
 * sent alone (`$batch` only; the plugin refuses it on any other route).
 */
export const EACH_INNER_REQUEST = 'eachInnerRequest';

export interface GraphRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below the version root, Fastify style: `/users/:id`. */
  path: string;
  /** Where Graph has it: v1.0 (the default), or beta only. */
  versions?: readonly ('v1.0' | 'beta')[];
  permission: RoutePermission | typeof EACH_INNER_REQUEST;
  body?: ZodType;
  handler(call: GraphCall): Promise<{ status?: number; body?: unknown }>;
}

/** A route that declares its own permission (every route but `$batch`). */
export type DeclaredRoute = GraphRoute & { permission: RoutePermission };
export const declaresPermission = (r: GraphRoute): r is DeclaredRoute => r.permission !== EACH_INNER_REQUEST;
