// Signet's own report (beta only: Graph has none): the tenant's passkeys whose authenticator model the FIDO
// metadata reports compromised or revoked — refused at every sign-in — with who holds them, the model, the status
// and since when (src/flows/metadata-service.ts). Only the token's tenant's passkeys are listed.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { affectedPasskeys } from '../../flows/metadata-service.ts';
import type { GraphRoute } from './route.ts';

// As the other authentication methods reports (reports.ts): AuditLog.Read.All, Reports Reader, Global Reader.
const READ: RoutePermission = {
  application: ['AuditLog.Read.All'],
  delegated: { scopes: ['AuditLog.Read.All'], roles: ['Reports Reader', 'Global Reader'] },
};

export const compromisedPasskeyRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/reports/authenticationMethods/compromisedPasskeys',
    versions: ['beta'],
    permission: READ,
    handler: async (call) => {
      // One short list (the passkeys of the few models reported compromised): no query options, and an option a
      // script sends is refused by name rather than ignored.
      const option = Object.keys((call.req.query ?? {}) as Record<string, unknown>).find((k) => k.startsWith('$'));
      if (option)
        throw new SignetError('GRAPH_QUERY_INVALID', {
          parameter: option,
          reason: 'this report takes no query options',
        });
      const rows = await affectedPasskeys(call.ctx, call.tenant.id);
      return {
        body: {
          '@odata.context': `${call.base}/$metadata#reports/authenticationMethods/compromisedPasskeys`,
          value: rows.map((r) => ({
            id: r.passkeyId,
            userId: r.userId,
            userPrincipalName: r.userPrincipalName,
            userDisplayName: r.userDisplayName,
            passkeyDisplayName: r.passkeyName,
            aaGuid: r.aaguid,
            model: r.model,
            status: r.status,
            statusSince: r.since,
            createdDateTime: new Date(r.createdAt).toISOString(),
            lastUsedDateTime: r.lastUsedAt === null ? null : new Date(r.lastUsedAt).toISOString(),
          })),
        },
      };
    },
  },
];
