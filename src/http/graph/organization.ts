// GET /organization: the tenant, as Graph's one-element organization collection.
import type { GraphRoute } from './route.ts';

export const organizationRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/organization',
    permission: {
      application: ['Organization.Read.All'],
      delegated: { scopes: ['User.Read', 'Organization.Read.All'], roles: 'anyUser' },
    },
    handler: async ({ tenant, base }) => ({
      body: {
        '@odata.context': `${base}/$metadata#organization`,
        value: [
          {
            id: tenant.id,
            displayName: tenant.displayName,
            tenantType: tenant.kind === 'customer' ? 'CIAM' : 'AAD',
            createdDateTime: new Date(tenant.createdAt).toISOString(),
            businessPhones: [],
            verifiedDomains: [],
          },
        ],
      },
    }),
  },
];
