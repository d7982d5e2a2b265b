// The Graph shapes of a Conditional Access policy's conditions (users, applications, locations), and as stored.
import { z } from 'zod';
import { ROLE_TEMPLATE_IDS } from './authorization.ts';
import type { CaPolicy } from './conditional-access.ts';

export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const AUTH_CONTEXT_ID = /^c([1-9]|[1-9][0-9])$/;
export const REGISTER_SECURITY_INFO = 'urn:user:registersecurityinfo';
const ROLE_IDS = new Set<string>(Object.values(ROLE_TEMPLATE_IDS));

const guidOr = (...words: string[]) =>
  z
    .string()
    .refine(
      (s) => GUID.test(s) || words.some((w) => w.toLowerCase() === s.toLowerCase()),
      `must be ${words.length ? `${words.join(', ')} or ` : ''}an object id (a GUID)`,
    )
    .transform((s) => words.find((w) => w.toLowerCase() === s.toLowerCase()) ?? s.toLowerCase());
const list = <T extends z.ZodType>(item: T) => z.array(item).max(1000).default([]);
export const nested = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ '@odata.type': z.string().optional(), ...shape });

const users = nested({
  includeUsers: list(guidOr('All', 'None', 'GuestsOrExternalUsers')),
  excludeUsers: list(guidOr('GuestsOrExternalUsers')),
  includeGroups: list(guidOr()),
  excludeGroups: list(guidOr()),
  includeRoles: list(guidOr().refine((r) => ROLE_IDS.has(r), 'must be the template id of a directory role Signet has')),
  excludeRoles: list(guidOr().refine((r) => ROLE_IDS.has(r), 'must be the template id of a directory role Signet has')),
  includeGuestsOrExternalUsers: z.null().optional(),
  excludeGuestsOrExternalUsers: z.null().optional(),
});
const applications = nested({
  // Client ids of this tenant's apps are GUIDs; Office365 and MicrosoftAdminPortals name no app of Signet's.
  includeApplications: list(guidOr('All', 'None')),
  excludeApplications: list(guidOr()),
  includeUserActions: list(
    z
      .string()
      .refine((s) => s.toLowerCase() === REGISTER_SECURITY_INFO, `must be ${REGISTER_SECURITY_INFO}`)
      .transform(() => REGISTER_SECURITY_INFO),
  ),
  includeAuthenticationContextClassReferences: list(
    z
      .string()
      .refine((s) => AUTH_CONTEXT_ID.test(s.toLowerCase()), 'must be c1 to c99')
      .transform((s) => s.toLowerCase()),
  ),
  applicationFilter: z.null().optional(),
  networkAccess: z.null().optional(),
  globalSecureAccess: z.null().optional(),
});
const locations = nested({
  includeLocations: list(guidOr('All', 'AllTrusted')),
  excludeLocations: list(guidOr('All', 'AllTrusted')),
});
const empty = z.union([z.null(), z.array(z.never()).max(0)]).optional();
export const conditions = nested({
  users,
  applications,
  clientAppTypes: z
    .array(z.enum(['all', 'browser', 'mobileAppsAndDesktopClients']))
    .max(3)
    .default(['all']),
  locations: locations.nullable().default(null),
  // Unset only (see UNSUPPORTED): Signet cannot evaluate these.
  platforms: empty,
  devices: empty,
  clientApplications: empty,
  signInRiskLevels: empty,
  userRiskLevels: empty,
  servicePrincipalRiskLevels: empty,
  insiderRiskLevels: empty,
  authenticationFlows: empty,
  times: empty,
  deviceStates: empty,
  clients: empty,
});

export function toConditions(c: z.output<typeof conditions>): CaPolicy['conditions'] {
  const u = c.users;
  const a = c.applications;
  return {
    users: {
      includeUsers: u.includeUsers,
      excludeUsers: u.excludeUsers,
      includeGroups: u.includeGroups,
      excludeGroups: u.excludeGroups,
      includeRoles: u.includeRoles,
      excludeRoles: u.excludeRoles,
    },
    applications: {
      includeApplications: a.includeApplications,
      excludeApplications: a.excludeApplications,
      includeAuthenticationContextClassReferences: a.includeAuthenticationContextClassReferences,
      includeUserActions: a.includeUserActions,
    },
    clientAppTypes: c.clientAppTypes,
    locations: c.locations
      ? { includeLocations: c.locations.includeLocations, excludeLocations: c.locations.excludeLocations }
      : null,
  };
}
