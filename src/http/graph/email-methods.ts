// A user's email method as Graph has it (emailAuthenticationMethod, one per user, Graph's fixed id): add, list,
// get, change the address, delete, under /users/{id}/authentication. Adding needs the Email method configuration
// to be enabled and to target the user. Lookups are in the token's tenant only; changes follow
// privileged-target.ts and are audited (flows/email-code.ts).
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { methodsContext } from '../../core/graph-authentication-method.ts';
import { EMAIL_METHOD_ID, emailAddressOf, toGraphEmail } from '../../core/graph-otp-methods.ts';
import { addUserEmailMethod, deleteUserEmailMethod, updateUserEmailMethod } from '../../flows/email-code.ts';
import { findUserByKey } from '../../flows/users.ts';
import { findEmailMethod } from '../../store/otp-methods.ts';
import type { User } from '../../store/users.ts';
import type { GraphCall, GraphRoute } from './route.ts';

// Graph: UserAuthenticationMethod.ReadWrite.All (and UserAuthMethod-Email.*); Signet knows the general one.
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

const ROOT = '/users/:id/authentication/emailMethods';
const SEGMENT = 'emailMethods';
const notFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'emailAuthenticationMethod' });

async function userOf(call: GraphCall): Promise<User> {
  const user = await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '');
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  return user;
}

/** The user's email method in Graph's shape, or none (also for authentication/methods). */
export async function emailMethodsOf(call: GraphCall, user: User) {
  const m = await findEmailMethod(call.ctx.db, call.tenant.id, user.id);
  return m ? [toGraphEmail(m)] : [];
}

/** The body's address; the user is looked up first, so a refusal never tells another tenant anything. */
function addressOf(body: unknown): unknown {
  const r = emailAddressOf(body);
  if (!r.ok) throw new SignetError('REQUEST_INVALID', { field: r.field, reason: r.reason });
  return r.value;
}

export const emailMethodRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: ROOT,
    permission: READ,
    handler: async (call) => {
      const user = await userOf(call);
      return {
        body: {
          '@odata.context': methodsContext(call.base, user.id, SEGMENT),
          value: await emailMethodsOf(call, user),
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
      const found = (await emailMethodsOf(call, user)).find((m) => m.id === call.params.methodId);
      if (!found) throw notFound();
      return { body: { '@odata.context': methodsContext(call.base, user.id, SEGMENT, true), ...found } };
    },
  },
  {
    method: 'POST',
    path: ROOT,
    permission: WRITE,
    handler: async (call) => {
      const user = await userOf(call);
      const m = await addUserEmailMethod(call.ctx, call.tenant, call.principal, user.id, addressOf(call.req.body));
      return {
        status: 201,
        body: { '@odata.context': methodsContext(call.base, user.id, SEGMENT, true), ...toGraphEmail(m) },
      };
    },
  },
  {
    method: 'PATCH',
    path: `${ROOT}/:methodId`,
    permission: WRITE,
    handler: async (call) => {
      const user = await userOf(call);
      if (call.params.methodId !== EMAIL_METHOD_ID) throw notFound();
      const m = await updateUserEmailMethod(call.ctx, call.tenant, call.principal, user.id, addressOf(call.req.body));
      return { body: { '@odata.context': methodsContext(call.base, user.id, SEGMENT, true), ...toGraphEmail(m) } };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/:methodId`,
    permission: WRITE,
    handler: async (call) => {
      const user = await userOf(call);
      if (call.params.methodId !== EMAIL_METHOD_ID) throw notFound();
      await deleteUserEmailMethod(call.ctx, call.tenant, call.principal, user.id);
      return { status: 204 };
    },
  },
];
