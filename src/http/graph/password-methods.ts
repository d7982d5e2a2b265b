// A user's password method as Graph has it (passwordAuthenticationMethod): list and get, with Graph's one fixed
// method id, `password: null` (a password is never returned) and when it was set. Empty for a passwordless
// user. Lookups are in the token's tenant only. The password itself is set through passwordProfile on
// POST/PATCH /users (src/flows/users.ts); nothing signs in with it yet.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { methodsContext } from '../../core/graph-authentication-method.ts';
import { isoUtc } from '../../core/graph-user.ts';
import type { Ctx } from '../../flows/context.ts';
import { findUserByKey } from '../../flows/users.ts';
import { findPasswordCredential } from '../../store/password-credentials.ts';
import type { GraphCall, GraphRoute } from './route.ts';

/** Graph's id of every user's password method, the same in every tenant. */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
export const PASSWORD_METHOD_ODATA_TYPE = '#microsoft.graph.passwordAuthenticationMethod';

// Graph: UserAuthenticationMethod.Read.All / .ReadWrite.All (and UserAuthMethod-Password.*); Signet knows the
// ReadWrite one. The same readers as the other method routes.
const READ: RoutePermission = {
  application: ['UserAuthenticationMethod.ReadWrite.All'],
  delegated: {
    scopes: ['UserAuthenticationMethod.ReadWrite.All'],
    roles: ['Global Reader', 'Privileged Authentication Administrator', 'Authentication Administrator'],
  },
};

/** The user's password method in Graph's shape, or nothing for a passwordless user. */
export async function passwordMethodsOf(ctx: Ctx, tenantId: string, userId: string) {
  const credential = await findPasswordCredential(ctx.db, tenantId, userId);
  if (!credential) return [];
  return [
    {
      '@odata.type': PASSWORD_METHOD_ODATA_TYPE,
      id: PASSWORD_METHOD_ID,
      password: null,
      createdDateTime: isoUtc(credential.createdAt),
    },
  ];
}

async function userOf(call: GraphCall) {
  const user = await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '');
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  return user;
}

const ROOT = '/users/:id/authentication/passwordMethods';

export const passwordMethodRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: ROOT,
    permission: READ,
    handler: async (call) => {
      const user = await userOf(call);
      return {
        body: {
          '@odata.context': methodsContext(call.base, user.id, 'passwordMethods'),
          value: await passwordMethodsOf(call.ctx, call.tenant.id, user.id),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/:methodId`,
    permission: READ,
    handler: async (call) => {
      const user = await userOf(call);
      const found = (await passwordMethodsOf(call.ctx, call.tenant.id, user.id)).find(
        (m) => m.id === call.params.methodId,
      );
      if (!found) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'passwordAuthenticationMethod' });
      return { body: { '@odata.context': methodsContext(call.base, user.id, 'passwordMethods', true), ...found } };
    },
  },
];
