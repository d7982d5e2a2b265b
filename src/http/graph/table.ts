// Every Graph route, gathered from one file per resource. The server refuses to start with a route that
// declares no permission, and the authorization test walks this table.
import { applicationRoutes } from './applications.ts';
import { auditLogRoutes } from './audit-logs.ts';
import { authMethodsPolicyRoutes } from './auth-methods-policy.ts';
import { authenticationMethodRoutes } from './authentication-methods.ts';
import { authenticationStrengthRoutes } from './authentication-strengths.ts';
import { batchRoutes } from './batch.ts';
import { compromisedPasskeyRoutes } from './compromised-passkeys.ts';
import { conditionalAccessRoutes } from './conditional-access.ts';
import { emailMethodRoutes } from './email-methods.ts';
import { fido2ProvisioningRoutes } from './fido2-provisioning.ts';
import { groupRoutes } from './groups.ts';
import { meRoutes } from './me.ts';
import { organizationRoutes } from './organization.ts';
import { passwordMethodRoutes } from './password-methods.ts';
import { policyPreviewRoutes } from './policy-preview.ts';
import { reportRoutes } from './reports.ts';
import { roleRoutes } from './roles.ts';
import type { GraphRoute } from './route.ts';
import { softwareOathMethodRoutes } from './software-oath-methods.ts';
import { userRoutes } from './users.ts';

export const graphRoutes: readonly GraphRoute[] = [
  ...organizationRoutes,
  ...userRoutes,
  ...groupRoutes,
  ...authenticationMethodRoutes,
  ...fido2ProvisioningRoutes,
  ...meRoutes,
  ...auditLogRoutes,
  ...roleRoutes,
  ...applicationRoutes,
  ...batchRoutes,
  ...reportRoutes,
  ...compromisedPasskeyRoutes,
  ...passwordMethodRoutes,
  ...authMethodsPolicyRoutes,
  ...softwareOathMethodRoutes,
  ...emailMethodRoutes,
  ...policyPreviewRoutes,
  ...conditionalAccessRoutes,
  ...authenticationStrengthRoutes,
];
