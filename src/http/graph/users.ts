// The users of the tenant, in Graph's user shape.
import { SignetError } from '../../core/errors.ts';
import { findUserById, findUserByName, type User } from '../../store/users.ts';
import type { GraphRoute } from './route.ts';

const READ_ROLES = [
  'Global Reader',
  'Privileged Authentication Administrator',
  'Authentication Administrator',
  'Reports Reader',
] as const;

export function graphUser(u: User) {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: null,
    jobTitle: null,
    mail: u.userPrincipalName,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.enabled,
  };
}

export const userRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/users/:id',
    permission: {
      application: ['User.Read.All', 'User.ReadWrite.All'],
      delegated: { scopes: ['User.Read.All', 'User.ReadWrite.All'], roles: READ_ROLES },
    },
    handler: async ({ ctx, tenant, params, base }) => {
      const key = params.id ?? '';
      // Looked up in the token's tenant only: another tenant's user is as absent as one that never was.
      const user = key.includes('@')
        ? await findUserByName(ctx.db, tenant.id, key)
        : await findUserById(ctx.db, tenant.id, key);
      if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
      return { body: { '@odata.context': `${base}/$metadata#users/$entity`, ...graphUser(user) } };
    },
  },
];
