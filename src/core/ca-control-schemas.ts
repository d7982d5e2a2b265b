// The Graph shapes of a Conditional Access policy's grant and session controls, and as stored.
import { z } from 'zod';
import { GUID, nested } from './ca-condition-schemas.ts';
import type { CaPolicy } from './conditional-access.ts';

export const grantControls = nested({
  operator: z.enum(['AND', 'OR']).default('OR'),
  builtInControls: z
    .array(z.enum(['block', 'mfa']))
    .max(2)
    .default([]),
  customAuthenticationFactors: z.array(z.never()).max(0).optional(),
  termsOfUse: z.array(z.never()).max(0).optional(),
  // A reference: only its id is read (a GET answers the whole strength, which may be sent back).
  authenticationStrength: z
    .looseObject({ id: z.string().regex(GUID, 'must be the id (a GUID) of a strength') })
    .nullable()
    .optional(),
  'authenticationStrength@odata.context': z.string().optional(),
});
const signInFrequency = nested({
  isEnabled: z.boolean(),
  type: z.enum(['hours', 'days']).nullable().default(null),
  value: z.int().min(1).max(365).nullable().default(null),
  frequencyInterval: z.enum(['timeBased', 'everyTime']).default('timeBased'),
  authenticationType: z.literal('primaryAndSecondaryAuthentication').default('primaryAndSecondaryAuthentication'),
});
export const sessionControls = nested({
  signInFrequency: signInFrequency.nullable().default(null),
  applicationEnforcedRestrictions: z.null().optional(),
  cloudAppSecurity: z.null().optional(),
  persistentBrowser: z.null().optional(),
  continuousAccessEvaluation: z.null().optional(),
  disableResilienceDefaults: z.null().optional(),
  secureSignInSession: z.null().optional(),
  networkAccessSecurity: z.null().optional(),
  globalSecureAccessFilteringProfile: z.null().optional(),
});

export function toGrant(g: z.output<typeof grantControls> | null): CaPolicy['grantControls'] {
  if (!g) return null;
  return {
    operator: g.operator,
    builtInControls: [...new Set(g.builtInControls)],
    authenticationStrengthId: g.authenticationStrength?.id.toLowerCase() ?? null,
  };
}
export function toSession(s: z.output<typeof sessionControls> | null): CaPolicy['sessionControls'] {
  if (!s) return null;
  const f = s.signInFrequency;
  return {
    signInFrequency: f
      ? { isEnabled: f.isEnabled, frequencyInterval: f.frequencyInterval, type: f.type, value: f.value }
      : null,
  };
}
