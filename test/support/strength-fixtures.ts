// Helpers for the authentication strength tests: Graph calls with a token, app tokens by permission, a delegated
// token for a user holding a role, and a Conditional Access policy row written as the Conditional Access flows would.
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Ctx } from '../../src/flows/context.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { addCombinationConfiguration, createStrength } from '../../src/flows/strengths.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Db } from '../../src/store/db.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole } from '../../src/store/users.ts';
import { authorizationCodeTokens, clientCredentials } from './graph.ts';
import type { TestServer } from './server.ts';

export type Json = Record<string, unknown>;
export interface GraphAnswer {
  status: number;
  body: Json;
}

export async function graphCall(
  server: TestServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<GraphAnswer> {
  const res = await fetch(`${server.url}/graph/v1.0${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

export const errorOf = (r: GraphAnswer) =>
  (r.body.error ?? {}) as { code: string; message: string; innerError: Record<string, string> };

/** A refusal: its status, code and the detail it names. */
export function expectRefused(r: GraphAnswer, status: number, code: string, detail: Record<string, string> = {}): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(errorOf(r).code).toBe(code);
  expect(errorOf(r).innerError).toMatchObject(detail);
}

/** An app's client-credentials token holding these application permissions. */
export async function appToken(server: TestServer, t: Tenant, permissions: string[]): Promise<string> {
  const c = await createApp(server.ctx, t, {
    name: `strengths ${permissions.join(' ')}`,
    redirectUris: [],
    publicClient: false,
    permissions: permissions as never,
  });
  const r = await clientCredentials(server, t, { id: c.app.id, secret: c.clientSecret! }, '.default');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return String(r.body.access_token);
}

/** A signed-in user's token (signed in with a pass) holding `role`, with `scope` consented. */
export async function delegatedToken(server: TestServer, t: Tenant, role: string, scope: string): Promise<string> {
  const spa = (
    await createApp(server.ctx, t, {
      name: `strengths ${role}`,
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    })
  ).app;
  const user = await createUser(server.ctx, t, {
    userPrincipalName: `s-${randomBytes(3).toString('hex')}@${t.slug}.example`,
  });
  await assignRole(server.ctx.db, t.id, user.id, role);
  const { pass } = await issueTap(server.ctx, t, user, { oneTime: false, actor: { type: 'system', id: null } });
  const r = await authorizationCodeTokens(server, t, { id: spa.id }, { upn: user.userPrincipalName, pass }, scope);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return String(r.body.access_token);
}

/** A Conditional Access policy requiring `strengthId`, as a row (the Conditional Access flows write these). */
export async function insertCaPolicyRequiring(
  db: Db,
  tenantId: string,
  strengthId: string,
  displayName = `Require strength ${randomBytes(2).toString('hex')}`,
): Promise<string> {
  const id = randomUUID();
  const document = {
    id,
    displayName,
    state: 'enabled',
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } },
    grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: strengthId } },
  };
  await db
    .insertInto('ca_policies')
    .values({
      tenant_id: tenantId,
      id,
      display_name: displayName,
      state: 'enabled',
      strength_id: strengthId,
      document: JSON.stringify(document),
      created_at: Date.now(),
      modified_at: null,
    })
    .execute();
  return id;
}

export async function deleteCaPolicy(db: Db, tenantId: string, id: string): Promise<void> {
  await db.deleteFrom('ca_policies').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

// ---- the Graph walks (graph-authorization.test.ts, graph-delegated.test.ts) -----------------------------------------

const WALK = 'walk strength';
const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const shared = new WeakMap<Tenant, Promise<{ id: string; configId: string }>>();
/** The strengths the walk's fixtures made lately: the older ones are removed, so no tenant reaches its limit. */
const recent: string[] = [];
const KEEP = 8;

/** One custom strength of the tenant with a fido2 configuration, made once: the routes that change nothing for good. */
export function sharedStrength(ctx: Ctx, tenant: Tenant): Promise<{ id: string; configId: string }> {
  let s = shared.get(tenant);
  if (!s) {
    s = (async () => {
      const by = localOperator(tenant.id);
      const made = await createStrength(ctx, tenant, by, {
        displayName: `Shared ${WALK} ${randomUUID().slice(0, 8)}`,
        allowedCombinations: ['fido2', 'password,softwareOath'],
      });
      const c = await addCombinationConfiguration(ctx, tenant, by, made.id, {
        '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
        appliesToCombinations: ['fido2'],
        allowedAAGUIDs: [YUBIKEY_5],
      });
      return { id: made.id, configId: c.id };
    })();
    shared.set(tenant, s);
  }
  return s;
}

/** Removes the walk's older strengths (its fixtures' and those its POST calls made, in any tenant). */
async function makeRoom(db: Db): Promise<void> {
  const keep = recent.slice(-KEEP);
  let q = db.deleteFrom('authentication_strengths').where('display_name', 'like', `${WALK} %`);
  if (keep.length > 0) q = q.where('id', 'not in', keep);
  await q.execute();
}

/** A fresh custom strength of the tenant (with a configuration when asked), for the routes that delete. */
async function freshStrength(
  ctx: Ctx,
  tenant: Tenant,
  withConfiguration: boolean,
): Promise<{ id: string; configId: string }> {
  await makeRoom(ctx.db);
  const by = localOperator(tenant.id);
  const made = await createStrength(ctx, tenant, by, {
    displayName: `${WALK} ${randomUUID().slice(0, 8)}`,
    allowedCombinations: ['fido2'],
  });
  recent.push(made.id);
  if (!withConfiguration) return { id: made.id, configId: '' };
  const c = await addCombinationConfiguration(ctx, tenant, by, made.id, {
    '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
    appliesToCombinations: ['fido2'],
    allowedAAGUIDs: [],
  });
  return { id: made.id, configId: c.id };
}

export type StrengthRoute =
  | 'list'
  | 'create'
  | 'get'
  | 'patch'
  | 'delete'
  | 'action'
  | 'usage'
  | 'configs'
  | 'configCreate'
  | 'config'
  | 'configPatch'
  | 'configDelete'
  | 'static';

/** A request of each strength route for the authorization walk: real objects of the tenant, a valid body. */
export async function strengthFixture(
  ctx: Ctx,
  tenant: Tenant,
  route: StrengthRoute,
): Promise<{ values: Record<string, string>; body?: unknown }> {
  switch (route) {
    case 'list':
    case 'static':
      return { values: {} };
    case 'create':
      await makeRoom(ctx.db);
      return {
        values: {},
        body: { displayName: `${WALK} ${randomUUID().slice(0, 8)}`, allowedCombinations: ['fido2'] },
      };
    case 'delete':
      return { values: { id: (await freshStrength(ctx, tenant, false)).id } };
    case 'configCreate':
      return {
        values: { id: (await freshStrength(ctx, tenant, false)).id },
        body: {
          '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
          appliesToCombinations: ['fido2'],
          allowedAAGUIDs: [YUBIKEY_5],
        },
      };
    case 'configDelete': {
      const s = await freshStrength(ctx, tenant, true);
      return { values: { id: s.id, configId: s.configId } };
    }
  }
  const s = await sharedStrength(ctx, tenant);
  switch (route) {
    case 'get':
    case 'usage':
    case 'configs':
      return { values: { id: s.id } };
    case 'patch':
      return { values: { id: s.id }, body: { description: `walked ${randomUUID().slice(0, 8)}` } };
    case 'action':
      return { values: { id: s.id }, body: { allowedCombinations: ['fido2', 'password,softwareOath'] } };
    case 'config':
      return { values: { id: s.id, configId: s.configId } };
    case 'configPatch':
      return { values: { id: s.id, configId: s.configId }, body: { allowedAAGUIDs: [YUBIKEY_5] } };
  }
}

/** The `${method} ${path}` of every strength route → its fixture, for the authorization walk's table. */
export function strengthFixtureFactories(
  ctx: () => Ctx,
  tenant: () => Tenant,
): Record<string, () => Promise<{ values: Record<string, string>; body?: unknown }>> {
  const out: Record<string, () => Promise<{ values: Record<string, string>; body?: unknown }>> = {};
  const f = (route: StrengthRoute) => () => strengthFixture(ctx(), tenant(), route);
  for (const root of [
    '/policies/authenticationStrengthPolicies',
    '/identity/conditionalAccess/authenticationStrength/policies',
  ]) {
    Object.assign(out, {
      [`GET ${root}`]: f('list'),
      [`POST ${root}`]: f('create'),
      [`GET ${root}/:id`]: f('get'),
      [`PATCH ${root}/:id`]: f('patch'),
      [`DELETE ${root}/:id`]: f('delete'),
      [`POST ${root}/:id/updateAllowedCombinations`]: f('action'),
      [`GET ${root}/:id/usage`]: f('usage'),
      [`GET ${root}/:id/combinationConfigurations`]: f('configs'),
      [`POST ${root}/:id/combinationConfigurations`]: f('configCreate'),
      [`GET ${root}/:id/combinationConfigurations/:configId`]: f('config'),
      [`PATCH ${root}/:id/combinationConfigurations/:configId`]: f('configPatch'),
      [`DELETE ${root}/:id/combinationConfigurations/:configId`]: f('configDelete'),
    });
  }
  out['GET /identity/conditionalAccess/authenticationStrength/combinations'] = f('static');
  out['GET /identity/conditionalAccess/authenticationStrength/authenticationMethodModes'] = f('static');
  return out;
}
