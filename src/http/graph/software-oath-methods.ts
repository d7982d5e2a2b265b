// A user's authenticator apps as Graph has them (softwareOathAuthenticationMethod): list, get and delete, under
// /users/{id}/authentication and /me/authentication. The key is never returned. Adding one is the user's own page
// (/{tenant}/account/authenticator-app), as in Entra. Lookups are in the token's tenant only; an administrator's
// delete follows privileged-target.ts, the user's own needs a fresh strong sign-in (as for a passkey).
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { methodsContext } from '../../core/graph-authentication-method.ts';
import { toGraphSoftwareOath } from '../../core/graph-otp-methods.ts';
import { NO_SESSION, sessionBehindToken } from '../../flows/provision-passkey.ts';
import { deleteOwnTotp, deleteUserTotp } from '../../flows/totp.ts';
import { findUserByKey } from '../../flows/users.ts';
import { listTotpMethods } from '../../store/otp-methods.ts';
import { findUserById, type User } from '../../store/users.ts';
import type { GraphCall, GraphRoute } from './route.ts';

// Graph: UserAuthenticationMethod.Read.All / .ReadWrite.All (and UserAuthMethod-SoftwareOATH.*); Signet knows the
// ReadWrite one. The same readers and writers as the other method routes.
const READ: RoutePermission = {
  application: ['UserAuthenticationMethod.ReadWrite.All'],
  delegated: {
    scopes: ['UserAuthenticationMethod.ReadWrite.All'],
    roles: ['Global Reader', 'Privileged Authentication Administrator', 'Authentication Administrator'],
  },
};
const WRITE: RoutePermission = {
  application: ['UserAuthenticationMethod.ReadWrite.All'],
  delegated: {
    scopes: ['UserAuthenticationMethod.ReadWrite.All'],
    roles: ['Privileged Authentication Administrator', 'Authentication Administrator'],
  },
};
const OWN: RoutePermission = {
  application: [],
  delegated: {
    scopes: ['UserAuthenticationMethod.ReadWrite', 'UserAuthenticationMethod.ReadWrite.All'],
    roles: 'anyUser',
  },
};

const SEGMENT = 'softwareOathMethods';
const notFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'softwareOathAuthenticationMethod' });

async function userOf(call: GraphCall): Promise<User> {
  const user = await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '');
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  return user;
}

async function me(call: GraphCall): Promise<User> {
  if (call.principal.kind !== 'delegated')
    throw new SignetError('GRAPH_PERMISSION_DENIED', { reason: '/me needs a signed-in user' });
  const user = await findUserById(call.ctx.db, call.tenant.id, call.principal.userId);
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  return user;
}

/** The user's authenticator apps in Graph's shape (also for authentication/methods). */
export async function softwareOathMethodsOf(call: GraphCall, user: User) {
  return (await listTotpMethods(call.ctx.db, call.tenant.id, user.id)).map(toGraphSoftwareOath);
}

const list = (who: (c: GraphCall) => Promise<User>) => async (call: GraphCall) => {
  const user = await who(call);
  return {
    body: {
      '@odata.context': methodsContext(call.base, user.id, SEGMENT),
      value: await softwareOathMethodsOf(call, user),
    },
  };
};
const get = (who: (c: GraphCall) => Promise<User>) => async (call: GraphCall) => {
  const user = await who(call);
  const found = (await softwareOathMethodsOf(call, user)).find((m) => m.id === call.params.methodId);
  if (!found) throw notFound();
  return { body: { '@odata.context': methodsContext(call.base, user.id, SEGMENT, true), ...found } };
};

export const softwareOathMethodRoutes: GraphRoute[] = [
  { method: 'GET', path: `/users/:id/authentication/${SEGMENT}`, permission: READ, handler: list(userOf) },
  { method: 'GET', path: `/users/:id/authentication/${SEGMENT}/:methodId`, permission: READ, handler: get(userOf) },
  {
    method: 'DELETE',
    path: `/users/:id/authentication/${SEGMENT}/:methodId`,
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await deleteUserTotp(ctx, tenant, principal, params.id ?? '', params.methodId ?? '');
      return { status: 204 };
    },
  },
  { method: 'GET', path: `/me/authentication/${SEGMENT}`, permission: OWN, handler: list(me) },
  { method: 'GET', path: `/me/authentication/${SEGMENT}/:methodId`, permission: OWN, handler: get(me) },
  {
    method: 'DELETE',
    path: `/me/authentication/${SEGMENT}/:methodId`,
    permission: OWN,
    handler: async (call) => {
      const user = await me(call);
      const session = await sessionBehindToken(call.ctx, call.tenant, call.principal);
      if (!session || session.userId !== user.id) throw new SignetError('OTP_STRONG_AUTH_REQUIRED', NO_SESSION);
      await deleteOwnTotp(call.ctx, call.tenant, session, call.params.methodId ?? '');
      return { status: 204 };
    },
  },
];
